"""Conversation events: frozen dataclasses and the one codec that turns them into Rasa's JSON.

A tracker is an append-only sequence of these. Every class maps to one Rasa
event name (``EVENT_NAMES``); :func:`event_to_dict` / :func:`event_from_dict`
are the only serialisation path, used by the tracker store, the HTTP API and the
action-server client alike.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from dialogue.errors import EventEncodeError
from nlu.interfaces import ParseResult

ACTION_LISTEN = "action_listen"
ACTION_SESSION_START = "action_session_start"


def _now() -> float:
    return time.time()


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of all events. ``timestamp`` is seconds since the epoch."""

    timestamp: float = field(default_factory=_now)
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class UserUttered(Event):
    text: str | None = None
    parse_data: ParseResult | None = None
    input_channel: str | None = None
    message_id: str | None = None

    @property
    def intent_name(self) -> str | None:
        return self.parse_data.intent_name if self.parse_data else None


@dataclass(frozen=True, kw_only=True)
class BotUttered(Event):
    text: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ActionExecuted(Event):
    name: str
    policy: str | None = None
    confidence: float | None = None
    action_text: str | None = None
    hide_rule_turn: bool = False


@dataclass(frozen=True, kw_only=True)
class SlotSet(Event):
    name: str
    value: Any = None


@dataclass(frozen=True, kw_only=True)
class ActiveLoop(Event):
    name: str | None = None


@dataclass(frozen=True, kw_only=True)
class FollowupAction(Event):
    name: str


@dataclass(frozen=True, kw_only=True)
class Restarted(Event):
    pass


@dataclass(frozen=True, kw_only=True)
class SessionStarted(Event):
    pass


@dataclass(frozen=True, kw_only=True)
class AllSlotsReset(Event):
    pass


@dataclass(frozen=True, kw_only=True)
class ActionExecutionRejected(Event):
    name: str
    policy: str | None = None
    confidence: float | None = None


@dataclass(frozen=True, kw_only=True)
class LoopInterrupted(Event):
    is_interrupted: bool


@dataclass(frozen=True, kw_only=True)
class UserUtteranceReverted(Event):
    """Undo the latest user message, what followed it and the listen that heard it (``rewind``)."""


@dataclass(frozen=True, kw_only=True)
class ActionReverted(Event):
    """Undo the latest action and what followed it (Rasa ``undo``)."""


@dataclass(frozen=True, kw_only=True)
class ConversationPaused(Event):
    pass


@dataclass(frozen=True, kw_only=True)
class ConversationResumed(Event):
    pass


@dataclass(frozen=True, kw_only=True)
class UserFeaturization(Event):
    use_text_for_featurization: bool


@dataclass(frozen=True, kw_only=True)
class EntitiesAdded(Event):
    entities: tuple[Mapping[str, Any], ...] = ()


EVENT_NAMES: dict[str, type[Event]] = {
    "user": UserUttered,
    "bot": BotUttered,
    "action": ActionExecuted,
    "slot": SlotSet,
    "active_loop": ActiveLoop,
    "followup": FollowupAction,
    "restart": Restarted,
    "session_started": SessionStarted,
    "reset_slots": AllSlotsReset,
    "action_execution_rejected": ActionExecutionRejected,
    "loop_interrupted": LoopInterrupted,
    "rewind": UserUtteranceReverted,
    "undo": ActionReverted,
    "pause": ConversationPaused,
    "resume": ConversationResumed,
    "user_featurization": UserFeaturization,
    "entities": EntitiesAdded,
}
_NAME_OF: dict[type[Event], str] = {cls: name for name, cls in EVENT_NAMES.items()}


class EventDecodeError(ValueError):
    """A JSON object is not a valid Rasa event."""


def event_name(event: Event) -> str:
    return _NAME_OF[type(event)]


def event_to_dict(event: Event) -> dict[str, Any]:
    """Serialise to Rasa's JSON: ``{"event": name, "timestamp": ..., <fields>}``."""
    data: dict[str, Any] = {"event": event_name(event)}
    for f in fields(event):
        value = getattr(event, f.name)
        if isinstance(value, ParseResult):
            value = value.to_dict()
        elif isinstance(value, Mapping):
            value = dict(value)
        elif isinstance(value, tuple):
            value = [dict(v) if isinstance(v, Mapping) else v for v in value]
        data[f.name] = value
    return data


_SCALAR_CHECKS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "float": (int, float),
    "bool": (bool,),
}


def _check_type(event: str, field_name: str, annotation: str, value: Any) -> None:
    """Reject values of the wrong JSON type for the simple (scalar) fields."""
    options = [part.strip() for part in annotation.split("|")]
    if value is None and "None" in options:
        return
    allowed = tuple(t for option in options for t in _SCALAR_CHECKS.get(option, ()))
    scalar_only = all(option in _SCALAR_CHECKS or option == "None" for option in options)
    if scalar_only and (not isinstance(value, allowed) or _bool_as_number(value, options)):
        expected = " or ".join(options)
        raise EventDecodeError(
            f"event {event!r}: field {field_name!r} must be {expected}, got {value!r}"
        )


def _bool_as_number(value: Any, options: list[str]) -> bool:
    return isinstance(value, bool) and "bool" not in options


def _decode_parse_data(event: str, value: Any) -> ParseResult:
    if not isinstance(value, Mapping):
        raise EventDecodeError(f"event {event!r}: parse_data must be an object, got {value!r}")
    try:
        return ParseResult.from_dict(value)
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        raise EventDecodeError(f"event {event!r}: malformed parse_data: {e}") from e


def _decode_entities(event: str, value: Any) -> tuple[Mapping[str, Any], ...]:
    items = () if value is None else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, Mapping) for i in items):
        raise EventDecodeError(
            f"event {event!r}: entities must be a list of objects, got {value!r}"
        )
    return tuple(dict(i) for i in items)


_BOT_DATA_LISTS = ("buttons", "quick_replies", "elements")


def _check_bot_data(event: str, data: Mapping[str, Any]) -> None:
    """The parts of a ``bot`` event's ``data`` that channels render must have their JSON type."""
    for key in _BOT_DATA_LISTS:
        items = data.get(key)
        if items is not None and (
            not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items)
        ):
            raise EventDecodeError(f"event {event!r}: data.{key} must be a list of objects")
    if data.get("custom") is not None and not isinstance(data["custom"], Mapping):
        raise EventDecodeError(f"event {event!r}: data.custom must be an object")
    if data.get("image") is not None and not isinstance(data["image"], str):
        raise EventDecodeError(f"event {event!r}: data.image must be a string")


def _decode_field(event: str, name: str, value: Any) -> Any:
    if name == "parse_data" and value is not None:
        return _decode_parse_data(event, value)
    if name == "entities":
        return _decode_entities(event, value)
    if name in ("metadata", "data"):
        if value is not None and not isinstance(value, Mapping):
            raise EventDecodeError(f"event {event!r}: {name} must be an object, got {value!r}")
        if name == "data" and value:
            _check_bot_data(event, value)
        return dict(value or {})
    return value


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """Parse one Rasa event object; unknown keys are ignored, bad names and types rejected."""
    if not isinstance(data, Mapping):
        raise EventDecodeError(f"an event must be a JSON object, got {data!r}")
    name = data.get("event")
    cls = EVENT_NAMES.get(str(name))
    if cls is None:
        raise EventDecodeError(f"unknown event type {name!r}; known: {sorted(EVENT_NAMES)}")
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data or (data[f.name] is None and f.name in ("timestamp", "metadata")):
            continue
        _check_type(str(name), f.name, str(f.type), data[f.name])
        kwargs[f.name] = _decode_field(str(name), f.name, data[f.name])
    try:
        return cls(**kwargs)
    except TypeError as e:
        raise EventDecodeError(f"event {name!r} is missing a field: {e}") from e


def events_from_dicts(items: Iterable[Mapping[str, Any]]) -> list[Event]:
    return [event_from_dict(item) for item in items]


def events_to_dicts(events: Iterable[Event]) -> list[dict[str, Any]]:
    return [event_to_dict(e) for e in events]


_ENCODED = "_encoded_json"


def encode_event(event: Event) -> str:
    """JSON text of ``event`` that is certain to read back, for storing or sending.

    The text is encoded, then decoded again with :func:`event_from_dict`; an event
    that would not survive the trip (a value of the wrong type, a lone surrogate,
    NaN, an integer over Python's digit limit, a non-JSON value) raises
    :class:`~dialogue.errors.EventEncodeError`, so nothing unreadable is ever written.
    The text is kept on the event, which is immutable: a turn checks its events when
    they arise and the store writes the same text without checking them again.
    """
    known: str | None = event.__dict__.get(_ENCODED)
    if known is not None:
        return known
    try:
        data = event_to_dict(event)
        text = json.dumps(data, allow_nan=False)
        decoded = json.loads(text)
        # Escaped (ASCII) JSON hides lone surrogates; UTF-8, which every reader needs, does not.
        json.dumps(decoded, ensure_ascii=False).encode("utf-8")
        event_from_dict(decoded)
    except EventDecodeError as e:
        raise EventEncodeError(f"{type(event).__name__} would not read back: {e}") from e
    except (TypeError, ValueError, RecursionError) as e:  # UnicodeEncodeError is a ValueError
        raise EventEncodeError(f"{type(event).__name__} cannot be stored as JSON: {e}") from e
    object.__setattr__(event, _ENCODED, text)  # not a field: equality and repr ignore it
    return text


def check_events(events: Iterable[Event]) -> None:
    """Raise :class:`~dialogue.errors.EventEncodeError` unless every event reads back."""
    for event in events:
        encode_event(event)
