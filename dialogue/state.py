"""Dialogue state as a fold over events.

``DialogueState`` is never stored: :func:`replay` rebuilds it from a tracker's
events every time. :func:`applied_events` first resolves the events that undo
others (restart, session start, rewind, undo) so that :func:`apply` stays a
simple forward step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import reduce
from typing import Any

from dialogue.events import (
    ACTION_LISTEN,
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)


@dataclass(frozen=True)
class DialogueState:
    """Everything the engine derives from a conversation's events."""

    initial_slots: Mapping[str, Any] = field(default_factory=dict)
    slots: Mapping[str, Any] = field(default_factory=dict)
    active_loop: str | None = None
    loop_interrupted: bool = False
    loop_rejected: bool = False
    latest_message: UserUttered | None = None
    latest_action: str | None = None
    latest_bot_message: BotUttered | None = None
    followup_action: str | None = None
    paused: bool = False

    @property
    def intent(self) -> str | None:
        return self.latest_message.intent_name if self.latest_message else None

    @property
    def is_listening(self) -> bool:
        return self.latest_action in (None, ACTION_LISTEN)


def initial_state(initial_slots: Mapping[str, Any]) -> DialogueState:
    return DialogueState(initial_slots=dict(initial_slots), slots=dict(initial_slots))


def _reset(state: DialogueState) -> DialogueState:
    return initial_state(state.initial_slots)


def apply(state: DialogueState, event: Event) -> DialogueState:
    """One step of the fold: the state after ``event``."""
    match event:
        case UserUttered():
            return replace(state, latest_message=event)
        case BotUttered():
            return replace(state, latest_bot_message=event)
        case ActionExecuted(name=name):
            runs_loop = name == state.active_loop
            return replace(
                state,
                latest_action=name,
                followup_action=None,
                loop_rejected=False if runs_loop else state.loop_rejected,
            )
        case SlotSet(name=name, value=value):
            return replace(state, slots={**state.slots, name: value})
        case ActiveLoop(name=name):
            return replace(state, active_loop=name, loop_interrupted=False, loop_rejected=False)
        case LoopInterrupted(is_interrupted=interrupted):
            return replace(state, loop_interrupted=interrupted)
        case ActionExecutionRejected(name=name):
            rejected = state.loop_rejected or name == state.active_loop
            return replace(state, loop_rejected=rejected)
        case FollowupAction(name=name):
            return replace(state, followup_action=name)
        case Restarted() | SessionStarted():
            return _reset(state)
        case AllSlotsReset():
            return replace(state, slots=dict(state.initial_slots))
        case ConversationPaused():
            return replace(state, paused=True)
        case ConversationResumed():
            return replace(state, paused=False)
        case _:
            return state


def applied_events(events: Sequence[Event]) -> list[Event]:
    """The events still in effect once restarts, session starts and reverts are resolved."""
    applied: list[Event] = []
    for event in events:
        if isinstance(event, Restarted | SessionStarted):
            applied = [event]
        elif isinstance(event, UserUtteranceReverted):
            if _drop_back_to(applied, UserUttered):
                _drop_back_to(applied, ActionExecuted)  # the listen that heard the message
        elif isinstance(event, ActionReverted):
            _drop_back_to(applied, ActionExecuted, skip_listen=True)
        else:
            applied.append(event)
    return applied


def _drop_back_to(applied: list[Event], kind: type[Event], skip_listen: bool = False) -> bool:
    """Delete the latest ``kind`` event and all after it; ``False`` (nothing deleted) if none."""
    for index in range(len(applied) - 1, -1, -1):
        event = applied[index]
        if not isinstance(event, kind):
            continue
        if skip_listen and isinstance(event, ActionExecuted) and event.name == ACTION_LISTEN:
            continue
        del applied[index:]
        return True
    return False


def replay(events: Iterable[Event], initial_slots: Mapping[str, Any]) -> DialogueState:
    """Fold the applied events into a state."""
    return reduce(apply, applied_events(list(events)), initial_state(initial_slots))
