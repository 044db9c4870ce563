"""Rasa's action-server protocol: the call the engine sends, and what it makes of the answer.

Both custom-action executors speak it: the remote one posts :func:`action_call` as
JSON to an action server, the in-process one hands the same dict to
``rasa_sdk``'s executor. :func:`answer_events` turns the answer's ``events`` and
``responses`` into Parley events through the one codec in ``dialogue.events``.

The call (Rasa 3.x)::

    {"next_action": name, "sender_id": id, "version": "3.6.21",
     "tracker": {"sender_id", "slots", "latest_message", "latest_event_time",
                 "followup_action", "paused", "events", "latest_input_channel",
                 "active_loop", "latest_action", "latest_action_name"},
     "domain": {"intents", "entities", "slots", "responses", "actions", "forms", ...}}

The answer: ``{"events": [event, ...], "responses": [message, ...]}``. A message
naming a ``response`` is rendered by the NLG with the message's other keys as
template values; any other message is sent as written (``text``, ``buttons``,
``image``, ``custom``, ``attachment``, ``elements``, ``quick_replies``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from actions.builtins import bot_event
from actions.errors import ActionServerError, InvalidActionReply
from actions.interfaces import ActionContext
from dialogue.domain import Domain
from dialogue.errors import EventEncodeError
from dialogue.events import (
    Event,
    EventDecodeError,
    SlotSet,
    check_events,
    event_from_dict,
    events_to_dicts,
)
from dialogue.rasa_json import tracker_as_rasa
from dialogue.tracker import Tracker
from nlg.interfaces import BotMessage

RASA_PROTOCOL_VERSION = "3.6.21"
"""The Rasa version whose action-server protocol the calls follow (sent as ``version``)."""

MAX_EVENTS_PER_ANSWER = 100
"""Events plus responses one answer may add; more is a runaway action, refused whole."""

_MESSAGE_KEYS = frozenset(
    {"text", "buttons", "elements", "custom", "template", "response", "image", "attachment"}
)
_CONTENT_KEYS = ("text", "buttons", "image", "custom", "attachment", "elements", "quick_replies")
_DOMAIN_DICTS: dict[int, tuple[Domain, dict[str, Any]]] = {}


def action_call(action_name: str, context: ActionContext) -> dict[str, Any]:
    """The JSON body of a call to run ``action_name`` against ``context``'s conversation."""
    return {
        "next_action": action_name,
        "sender_id": context.tracker.conversation_id,
        "tracker": tracker_state(context.tracker),
        "domain": domain_dict(context.domain),
        "version": RASA_PROTOCOL_VERSION,
    }


def tracker_state(tracker: Tracker) -> dict[str, Any]:
    """The conversation as Rasa sends it to action servers (every event included)."""
    return tracker_as_rasa(tracker, events_to_dicts(tracker.events))


def domain_dict(domain: Domain) -> dict[str, Any]:
    """The domain in ``domain.yml``'s own layout, as ``rasa_sdk`` actions read it (cached)."""
    cached = _DOMAIN_DICTS.get(id(domain))
    if cached is not None and cached[0] is domain:
        return cached[1]
    data = {
        "version": domain.version or "3.1",
        "session_config": domain.session_config.model_dump(),
        "intents": [{i.name: i.model_dump(mode="json", exclude={"name"})} for i in domain.intents],
        "entities": [e.name for e in domain.entities],
        "slots": {s.name: s.model_dump(mode="json", exclude={"name"}) for s in domain.slots},
        "responses": {
            name: [v.model_dump(mode="json", exclude_defaults=True) for v in variations]
            for name, variations in domain.responses.items()
        },
        "actions": list(domain.actions),
        "forms": {name: f.model_dump(mode="json") for name, f in domain.forms.items()},
    }
    _DOMAIN_DICTS[id(domain)] = (domain, data)
    return data


async def answer_events(action_name: str, answer: Any, context: ActionContext) -> list[Event]:
    """The events an action server's answer adds: its replies first, then its events.

    Raises :class:`ActionServerError` if the answer is not Rasa's shape, and
    :class:`InvalidActionReply` if any part of it would not be stored and read back
    as it is (a text that is not a string, a lone surrogate), sets a slot the domain
    lacks, or adds more than :data:`MAX_EVENTS_PER_ANSWER` events: the whole answer
    is refused, never part of it.
    """
    if answer is None:  # rasa_sdk answers a call without an action name with null
        return []
    if not isinstance(answer, Mapping):
        raise ActionServerError(action_name, f"the answer is not a JSON object: {answer!r:.200}")
    raw_events = answer.get("events") or []
    raw_responses = answer.get("responses") or []
    if not isinstance(raw_events, list) or not isinstance(raw_responses, list):
        raise ActionServerError(action_name, "'events' and 'responses' must be lists")
    if len(raw_events) + len(raw_responses) > MAX_EVENTS_PER_ANSWER:
        raise InvalidActionReply(
            action_name,
            f"the answer has {len(raw_events)} events and {len(raw_responses)} responses; "
            f"at most {MAX_EVENTS_PER_ANSWER} together are accepted",
        )
    said: list[Event] = []
    for message in raw_responses:
        said += await _reply(action_name, message, context)
    try:
        events = [event_from_dict(e) for e in raw_events]
    except EventDecodeError as e:
        raise InvalidActionReply(action_name, f"the answer has an invalid event: {e}") from e
    return checked_reply(action_name, [*said, *events], context.domain)


def checked_reply(action_name: str, events: list[Event], domain: Domain) -> list[Event]:
    """``events`` if each one reads back and sets only the domain's slots, else
    :class:`InvalidActionReply`."""
    known = domain.initial_slots
    unknown = [e.name for e in events if isinstance(e, SlotSet) and e.name not in known]
    if unknown:
        raise InvalidActionReply(action_name, f"slot {unknown[0]!r} is not in the domain")
    try:
        check_events(events)
    except EventEncodeError as e:
        raise InvalidActionReply(action_name, f"the answer cannot be stored: {e}") from e
    return events


async def _reply(action_name: str, message: Any, context: ActionContext) -> list[Event]:
    if not isinstance(message, Mapping):
        raise ActionServerError(action_name, f"a response is not an object: {message!r:.200}")
    response = message.get("response") or message.get("template")
    if response:
        values = {k: v for k, v in message.items() if k not in _MESSAGE_KEYS and v is not None}
        rendered = await context.nlg.generate(
            str(response), context.tracker, context.channel, **values
        )
        return [bot_event(rendered)] if rendered is not None else []
    if not any(message.get(k) for k in _CONTENT_KEYS):
        return []
    try:
        return [bot_event(_written_message(message))]
    except (TypeError, ValueError, AttributeError) as e:
        raise InvalidActionReply(action_name, f"a response is malformed: {e}") from e


def _written_message(message: Mapping[str, Any]) -> BotMessage:
    custom = message.get("custom") or None
    elements = message.get("elements") or None
    if elements and custom is None:
        custom = {"elements": elements}
    return BotMessage(
        text=message.get("text"),
        buttons=tuple(message.get("buttons") or ()),
        image=message.get("image"),
        attachment=message.get("attachment"),
        custom=custom,
        quick_replies=tuple(message.get("quick_replies") or ()),
    )
