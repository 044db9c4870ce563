"""A conversation: its id, its append-only events, and the state derived from them."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, reduce
from typing import Any, NewType

from dialogue.errors import InvalidConversationId
from dialogue.events import (
    ActionReverted,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from dialogue.state import DialogueState, applied_events, apply, replay

ConversationId = NewType("ConversationId", str)
MAX_CONVERSATION_ID_LENGTH = 255


def checked_conversation_id(value: str) -> ConversationId:
    """``value`` as a conversation id every store accepts, else :class:`InvalidConversationId`."""
    if not value or len(value) > MAX_CONVERSATION_ID_LENGTH or "\x00" in value:
        raise InvalidConversationId(
            f"conversation id {value[:40]!r} must be 1 to {MAX_CONVERSATION_ID_LENGTH} "
            "characters without NUL"
        )
    return ConversationId(value)


@dataclass(frozen=True)
class Fold:
    """A fold over a tracker's applied events that :meth:`Tracker.fold` keeps up to date.

    ``start()`` is the value before any event; ``step(value, event)`` the value after
    ``event``. A restart or session start folds from ``start()`` again, as it drops
    everything before it from the applied events. ``step`` must not change ``value``
    in place: the tracker before the event keeps it.
    """

    key: Hashable
    start: Callable[[], Any]
    step: Callable[[Any, Event], Any]

    def over(self, events: Iterable[Event], value: Any) -> Any:
        for event in events:
            if isinstance(event, Restarted | SessionStarted):
                value = self.start()
            value = self.step(value, event)
        return value


_REWINDS = (UserUtteranceReverted, ActionReverted)


@dataclass(frozen=True)
class Tracker:
    """Immutable view of one conversation. ``appended`` returns a new tracker.

    What is derived from the events (the state, the applied events, :meth:`fold`
    values) is computed once per tracker and carried forward by :meth:`appended`,
    which folds only the new events into it: a turn costs the same at the 500th
    event as at the 5th. Events that rewind (undo, revert) make the next tracker
    derive everything again from all its events, so both ways give the same values.
    """

    conversation_id: ConversationId
    events: tuple[Event, ...] = ()
    initial_slots: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def state(self) -> DialogueState:
        return replay(self.events, self.initial_slots)

    @cached_property
    def applied(self) -> tuple[Event, ...]:
        return tuple(applied_events(self.events))

    @cached_property
    def _folds(self) -> dict[Hashable, tuple[Fold, Any]]:
        return {}

    def fold(self, fold: Fold) -> Any:
        """The value of ``fold`` over the applied events, computed once per tracker."""
        known = self._folds.get(fold.key)
        if known is None:
            known = (fold, fold.over(self.applied, fold.start()))
            self._folds[fold.key] = known
        return known[1]

    def appended(self, *events: Event) -> Tracker:
        if not events:
            return self
        child = Tracker(self.conversation_id, self.events + tuple(events), self.initial_slots)
        if any(isinstance(e, _REWINDS) for e in events):
            return child
        derived = self.__dict__
        if "state" in derived:
            child.__dict__["state"] = reduce(apply, events, self.state)
        if "applied" in derived:
            child.__dict__["applied"] = _applied_after(self.applied, events)
        if "_folds" in derived:
            child.__dict__["_folds"] = {
                key: (fold, fold.over(events, value)) for key, (fold, value) in self._folds.items()
            }
        return child

    def extended(self, events: Iterable[Event]) -> Tracker:
        return self.appended(*events)

    @property
    def slots(self) -> Mapping[str, Any]:
        return self.state.slots

    @property
    def latest_message(self) -> UserUttered | None:
        return self.state.latest_message

    def events_after_latest_session_start(self) -> Sequence[Event]:
        for index in range(len(self.events) - 1, -1, -1):
            if isinstance(self.events[index], SessionStarted):
                return self.events[index:]
        return self.events

    @property
    def latest_timestamp(self) -> float | None:
        return self.events[-1].timestamp if self.events else None


def _applied_after(applied: tuple[Event, ...], events: Sequence[Event]) -> tuple[Event, ...]:
    """The applied events once ``events`` (none of which rewinds) follow ``applied``."""
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], Restarted | SessionStarted):
            return tuple(events[index:])
    return applied + tuple(events)
