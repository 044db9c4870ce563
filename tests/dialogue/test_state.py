"""Dialogue state is a fold over events: what each event does, and what undoes what."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from typing import Any

import pytest

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
from dialogue.state import DialogueState, applied_events, apply, initial_state, replay
from dialogue.tracker import ConversationId, Tracker
from nlu.interfaces import IntentPrediction, ParseResult

FORM = "booking_form"


def user(text: str, intent: str) -> UserUttered:
    return UserUttered(
        text=text, parse_data=ParseResult(text=text, intent=IntentPrediction(intent, 0.9))
    )


def listen() -> ActionExecuted:
    return ActionExecuted(name=ACTION_LISTEN)


def ran(action: str) -> ActionExecuted:
    return ActionExecuted(name=action)


def slot(name: str, value: Any) -> SlotSet:
    return SlotSet(name=name, value=value)


def state_after(*events: Event, **initial_slots: Any) -> DialogueState:
    return replay(events, initial_slots)


GREETED = [listen(), user("hi", "greet"), ran("utter_greet"), BotUttered(text="Hello!"), listen()]


# -- slots -----------------------------------------------------------------------------------


def test_a_new_conversation_has_the_initial_slots_and_nothing_else() -> None:
    state = state_after(city=None, people="2")
    assert state.slots == {"city": None, "people": "2"}
    assert state.active_loop is None
    assert state.latest_message is None
    assert state.latest_action is None
    assert state.followup_action is None
    assert state.is_listening


def test_a_slot_event_sets_the_slot_and_the_latest_value_wins() -> None:
    state = state_after(slot("city", "Rome"), slot("city", "Paris"), city=None)
    assert state.slots == {"city": "Paris"}


def test_a_slot_event_may_set_a_slot_that_had_no_initial_value() -> None:
    assert state_after(slot("mood", "happy")).slots == {"mood": "happy"}


def test_reset_slots_returns_every_slot_to_its_initial_value() -> None:
    state = state_after(
        slot("city", "Paris"), slot("people", "4"), AllSlotsReset(), city=None, people="2"
    )
    assert state.slots == {"city": None, "people": "2"}


def test_reset_slots_keeps_the_rest_of_the_state() -> None:
    state = state_after(*GREETED, ActiveLoop(name=FORM), slot("city", "Paris"), AllSlotsReset())
    assert state.active_loop == FORM
    assert state.intent == "greet"


# -- restart and session start ---------------------------------------------------------------


@pytest.mark.parametrize(
    "reset", [Restarted(), SessionStarted()], ids=["restart", "session_started"]
)
def test_a_restart_or_session_start_forgets_the_conversation_so_far(reset: Event) -> None:
    state = state_after(
        *GREETED,
        slot("city", "Paris"),
        ActiveLoop(name=FORM),
        LoopInterrupted(is_interrupted=True),
        FollowupAction(name="utter_greet"),
        ConversationPaused(),
        reset,
        city=None,
        people="2",
    )
    assert state == initial_state({"city": None, "people": "2"})


@pytest.mark.parametrize(
    "reset", [Restarted(), SessionStarted()], ids=["restart", "session_started"]
)
def test_events_after_a_restart_or_session_start_apply_as_usual(reset: Event) -> None:
    state = state_after(*GREETED, slot("city", "Rome"), reset, slot("city", "Paris"), *GREETED)
    assert state.slots == {"city": "Paris"}
    assert state.intent == "greet"
    assert state.latest_action == ACTION_LISTEN


def test_events_before_the_latest_restart_are_no_longer_applied() -> None:
    hello = user("hello", "greet")
    events = [*GREETED, Restarted(), listen(), hello]
    applied = applied_events(events)
    assert [e for e in applied if isinstance(e, UserUttered)] == [hello]


# -- rewind (UserUtteranceReverted) ----------------------------------------------------------


def test_rewind_forgets_the_latest_user_message_and_everything_after_it() -> None:
    misunderstood = [
        user("book for 4", "inform"),
        slot("people", "4"),
        ran("action_default_fallback"),
        BotUttered(text="Sorry?"),
        UserUtteranceReverted(),
    ]
    state = state_after(*GREETED, *misunderstood, people=None)
    assert state.slots == {"people": None}
    assert state.latest_message is not None and state.latest_message.text == "hi"
    assert state.latest_bot_message == GREETED[3]


def test_rewind_also_forgets_the_listen_that_heard_the_message() -> None:
    """As in Rasa: once the agent listens again, it is as if the message was never sent."""
    misunderstood = [user("???", "chitchat"), ran("action_default_fallback"), BotUttered()]
    with_rewind = [*GREETED, *misunderstood, UserUtteranceReverted(), listen()]
    assert applied_events(with_rewind) == [*GREETED[:-1], with_rewind[-1]]
    assert replay(with_rewind, {}) == replay(GREETED, {})


def test_two_rewinds_forget_the_two_latest_user_messages() -> None:
    second = [user("where is my order", "order_status"), ran("utter_ask"), BotUttered(), listen()]
    back = [user("/back", "back"), ran("action_back")]
    events = [*GREETED, *second, *back, UserUtteranceReverted(), UserUtteranceReverted()]
    applied = applied_events(events)
    assert [e.text for e in applied if isinstance(e, UserUttered)] == ["hi"]
    assert applied == GREETED[:-1]


def test_rewind_without_a_user_message_changes_nothing() -> None:
    events = [SessionStarted(), listen(), slot("city", "Paris")]
    assert applied_events([*events, UserUtteranceReverted()]) == events


# -- undo (ActionReverted) -------------------------------------------------------------------


def test_undo_forgets_the_latest_action_and_the_events_it_returned() -> None:
    events = [*GREETED, user("4", "inform"), ran("action_count"), slot("people", "4")]
    state = state_after(*events, ActionReverted(), people=None)
    assert state.slots == {"people": None}
    assert state.latest_action == ACTION_LISTEN
    assert applied_events([*events, ActionReverted()]) == events[:-2]


def test_undo_keeps_the_user_message_the_action_answered() -> None:
    message = user("4", "inform")
    state = state_after(*GREETED, message, ran("action_count"), ActionReverted())
    assert state.latest_message == message


def test_undo_with_no_action_changes_nothing() -> None:
    events = [SessionStarted(), slot("city", "Paris")]
    assert applied_events([*events, ActionReverted()]) == events


# -- loops -----------------------------------------------------------------------------------


def test_an_active_loop_event_activates_and_a_null_one_deactivates_the_loop() -> None:
    assert state_after(ActiveLoop(name=FORM)).active_loop == FORM
    assert state_after(ActiveLoop(name=FORM), ActiveLoop(name=None)).active_loop is None


def test_loop_interrupted_sets_and_clears_the_interrupted_flag() -> None:
    interrupted = [ActiveLoop(name=FORM), LoopInterrupted(is_interrupted=True)]
    assert state_after(*interrupted).loop_interrupted
    assert not state_after(*interrupted, LoopInterrupted(is_interrupted=False)).loop_interrupted


def test_the_active_loop_rejecting_its_execution_marks_the_loop_rejected() -> None:
    state = state_after(ActiveLoop(name=FORM), listen(), ActionExecutionRejected(name=FORM))
    assert state.loop_rejected
    assert state.active_loop == FORM


def test_another_action_rejecting_its_execution_does_not_mark_the_loop() -> None:
    state = state_after(ActiveLoop(name=FORM), ActionExecutionRejected(name="action_other"))
    assert not state.loop_rejected


def test_running_the_loop_again_clears_its_rejection() -> None:
    rejected = [ActiveLoop(name=FORM), ActionExecutionRejected(name=FORM)]
    assert state_after(*rejected, ran("utter_chitchat")).loop_rejected
    assert not state_after(*rejected, ran("utter_chitchat"), ran(FORM)).loop_rejected


@pytest.mark.parametrize("name", [FORM, "other_form", None], ids=["same", "other", "none"])
def test_a_new_active_loop_event_clears_interruption_and_rejection(name: str | None) -> None:
    state = state_after(
        ActiveLoop(name=FORM),
        LoopInterrupted(is_interrupted=True),
        ActionExecutionRejected(name=FORM),
        ActiveLoop(name=name),
    )
    assert (state.active_loop, state.loop_interrupted, state.loop_rejected) == (name, False, False)


# -- followup, pause, latest message and action ----------------------------------------------


def test_a_followup_action_is_pending_until_the_next_action_runs() -> None:
    pending = state_after(*GREETED, FollowupAction(name="utter_goodbye"))
    assert pending.followup_action == "utter_goodbye"
    done = state_after(*GREETED, FollowupAction(name="utter_goodbye"), ran("utter_goodbye"))
    assert done.followup_action is None


def test_pause_and_resume_toggle_the_paused_flag() -> None:
    assert state_after(ConversationPaused()).paused
    assert not state_after(ConversationPaused(), ConversationResumed()).paused


def test_the_latest_user_message_bot_message_and_action_are_remembered() -> None:
    order = user("where is my order", "order_status")
    reply = BotUttered(text="Which order?")
    state = state_after(*GREETED, order, ran("utter_ask_order"), reply)
    assert state.latest_message == order
    assert state.intent == "order_status"
    assert state.latest_bot_message == reply
    assert state.latest_action == "utter_ask_order"
    assert not state.is_listening
    assert state_after(*GREETED, order, ran("utter_ask_order"), listen()).is_listening


# -- the fold itself -------------------------------------------------------------------------


CONVERSATION = [
    SessionStarted(),
    *GREETED,
    user("book", "book"),
    ran(FORM),
    ActiveLoop(name=FORM),
    slot("requested_slot", "city"),
    listen(),
    user("Paris", "inform"),
    slot("city", "Paris"),
    UserUtteranceReverted(),
    user("Rome", "inform"),
    slot("city", "Rome"),
]


def test_replaying_the_same_events_twice_gives_equal_states() -> None:
    assert replay(CONVERSATION, {"city": None}) == replay(list(CONVERSATION), {"city": None})


def test_a_state_is_the_events_folded_one_by_one() -> None:
    state = initial_state({"city": None})
    for event in applied_events(CONVERSATION):
        state = apply(state, event)
    assert state == replay(CONVERSATION, {"city": None})
    assert state.slots == {"city": "Rome", "requested_slot": "city"}


def test_apply_returns_a_new_state_and_leaves_the_old_one_alone() -> None:
    before = initial_state({"city": None})
    after = apply(before, slot("city", "Paris"))
    assert before.slots == {"city": None}
    assert after.slots == {"city": "Paris"}
    with pytest.raises(FrozenInstanceError):
        before.active_loop = FORM  # type: ignore[misc]


# -- the tracker -----------------------------------------------------------------------------


def test_a_tracker_state_is_the_replay_of_its_events() -> None:
    tracker = Tracker(ConversationId("alice"), tuple(CONVERSATION), {"city": None})
    assert tracker.state == replay(CONVERSATION, {"city": None})
    assert tracker.slots["city"] == "Rome"
    assert tracker.latest_message is not None and tracker.latest_message.text == "Rome"
    assert tracker.applied == tuple(applied_events(CONVERSATION))


def test_appended_returns_a_new_tracker_and_leaves_the_old_one_unchanged() -> None:
    old = Tracker(ConversationId("alice"), tuple(GREETED), {"city": None})
    old_state = old.state
    added = (slot("city", "Paris"), ActiveLoop(name=FORM))

    new = old.appended(*added)

    assert new is not old
    assert new.conversation_id == old.conversation_id
    assert new.events == (*GREETED, *added)
    assert new.slots == {"city": "Paris"} and new.state.active_loop == FORM
    assert old.events == tuple(GREETED)
    assert old.state == old_state == replay(GREETED, {"city": None})
    assert old.slots == {"city": None}


def test_the_latest_session_begins_at_its_session_started_event() -> None:
    second_session = [SessionStarted(), listen(), user("hello", "greet")]
    tracker = Tracker(ConversationId("alice"), (SessionStarted(), *GREETED, *second_session))
    assert list(tracker.events_after_latest_session_start()) == second_session
    assert tracker.latest_timestamp == second_session[-1].timestamp


def test_an_empty_tracker_has_no_latest_timestamp() -> None:
    tracker = Tracker(ConversationId("alice"))
    assert tracker.latest_timestamp is None
    assert list(tracker.events_after_latest_session_start()) == []
