"""A conversation: its id, its append-only events, and the state derived from them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NewType

from dialogue.errors import InvalidConversationId
from dialogue.events import Event, SessionStarted, UserUttered
from dialogue.state import DialogueState, applied_events, replay

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
class Tracker:
    """Immutable view of one conversation. ``appended`` returns a new tracker."""

    conversation_id: ConversationId
    events: tuple[Event, ...] = ()
    initial_slots: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def state(self) -> DialogueState:
        return replay(self.events, self.initial_slots)

    @cached_property
    def applied(self) -> tuple[Event, ...]:
        return tuple(applied_events(self.events))

    def appended(self, *events: Event) -> Tracker:
        return Tracker(self.conversation_id, self.events + tuple(events), self.initial_slots)

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
