"""A tracker derives its state from its events, and carries it forward event by event:
the values it keeps are always those of deriving them again from all its events."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from dialogue.events import (
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
)
from dialogue.state import applied_events, replay
from dialogue.tracker import ConversationId, Fold, Tracker
from tests.dialogue.test_state import listen, ran, slot, user

SLOTS = {"email": None, "order": None}
POOL: Sequence[Event] = (
    listen(),
    user("hi", "greet"),
    user("where is my order", "order_status"),
    ran("utter_greet"),
    ran("order_form"),
    BotUttered(text="Hello!"),
    slot("email", "a@example.com"),
    slot("order", "PO-1"),
    ActiveLoop(name="order_form"),
    ActiveLoop(name=None),
    LoopInterrupted(is_interrupted=True),
    AllSlotsReset(),
    ConversationPaused(),
    ConversationResumed(),
    Restarted(),
    SessionStarted(),
    UserUtteranceReverted(),
    ActionReverted(),
)

# Counts user messages since the last restart: a fold of the applied events.
USER_COUNT = Fold(
    key="user messages",
    start=lambda: 0,
    step=lambda n, event: n + (getattr(event, "intent_name", None) is not None),
)


def fresh(events: Sequence[Event]) -> Tracker:
    return Tracker(ConversationId("c"), tuple(events), SLOTS)


def grown(events: Sequence[Event], batch: int) -> Tracker:
    """The tracker built ``batch`` events at a time, its derived values used at each step."""
    tracker = fresh(())
    for start in range(0, len(events), batch):
        tracker.state, tracker.applied, tracker.fold(USER_COUNT)
        tracker = tracker.appended(*events[start : start + batch])
    return tracker


@pytest.mark.parametrize("seed", range(40))
def test_state_carried_forward_equals_state_derived_from_all_events(seed: int) -> None:
    rng = random.Random(seed)
    events = [rng.choice(POOL) for _ in range(rng.randint(1, 60))]
    tracker = grown(events, batch=rng.randint(1, 4))
    assert tracker.events == tuple(events)
    assert tracker.state == replay(events, SLOTS)
    assert tracker.applied == tuple(applied_events(events))
    expected = sum(getattr(e, "intent_name", None) is not None for e in applied_events(events))
    assert tracker.fold(USER_COUNT) == expected


def test_a_restart_in_the_new_events_starts_the_fold_again() -> None:
    before = fresh([listen(), user("hi", "greet"), ran("utter_greet")])
    assert before.fold(USER_COUNT) == 1
    after = before.appended(listen(), user("hi", "greet"), Restarted(), user("hey", "greet"))
    assert after.fold(USER_COUNT) == 1
    assert after.applied == (Restarted(timestamp=after.events[-2].timestamp), after.events[-1])


def test_an_undo_makes_the_next_tracker_derive_everything_again() -> None:
    before = fresh([listen(), user("hi", "greet"), ran("utter_greet"), slot("email", "x@y.z")])
    assert before.state.slots["email"] == "x@y.z"
    before.fold(USER_COUNT)
    after = before.appended(UserUtteranceReverted())
    assert "state" not in after.__dict__  # not carried: derived again on use
    assert after.state.slots["email"] is None
    assert after.fold(USER_COUNT) == 0


def test_derived_values_are_carried_only_where_the_parent_had_them() -> None:
    before = fresh([listen(), user("hi", "greet")])
    assert "state" not in before.appended(ran("utter_greet")).__dict__
    assert before.state.intent == "greet"
    assert "state" in before.appended(ran("utter_greet")).__dict__
