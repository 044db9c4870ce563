"""Stories and rules become linear training conversations."""

from __future__ import annotations

import logging

import pytest

from dialogue.events import ACTION_LISTEN, ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from dialogue.policies import TrainingDataError, generate_conversations
from dialogue.stories import CheckpointStep, OrStep

from .bots import act, loop, rule, slot, story, user


def names(events: tuple[Event, ...]) -> list[str]:
    """A compact view: actions by name, user turns as ``>intent``, others by type."""
    out: list[str] = []
    for event in events:
        if isinstance(event, ActionExecuted):
            out.append(event.name)
        elif isinstance(event, UserUttered):
            out.append(f">{event.intent_name}")
        elif isinstance(event, SlotSet):
            out.append(f"slot {event.name}={event.value}")
        elif isinstance(event, ActiveLoop):
            out.append(f"loop {event.name}")
    return out


def test_a_story_listens_before_each_user_turn_and_at_the_end() -> None:
    (conversation,) = generate_conversations(
        [story("s", user("greet"), act("utter_greet"), act("utter_ask"), user("bye"))]
    )

    assert names(conversation.events) == [
        ACTION_LISTEN, ">greet", "utter_greet", "utter_ask", ACTION_LISTEN, ">bye",
    ]  # fmt: skip


def test_a_story_ending_with_an_action_ends_listening() -> None:
    (conversation,) = generate_conversations([story("s", user("greet"), act("utter_greet"))])

    assert names(conversation.events)[-1] == ACTION_LISTEN
    assert conversation.conversation_start


def test_a_rule_starts_with_its_condition_and_may_skip_the_final_listen() -> None:
    condition = (loop("form"), slot("vip", True))
    (conversation,) = generate_conversations(
        [rule("r", act("form"), loop(None), condition=condition, wait_for_user_input=False)]
    )

    assert names(conversation.events) == ["loop form", "slot vip=True", "form", "loop None"]
    assert conversation.kind == "rule"
    assert not conversation.conversation_start


def test_or_steps_give_one_conversation_per_alternative() -> None:
    either = OrStep(alternatives=(user("affirm"), user("thankyou")))
    conversations = generate_conversations([story("s", act("utter_ask"), either, act("utter_ok"))])

    assert [names(c.events)[2] for c in conversations] == [">affirm", ">thankyou"]


def test_checkpoints_link_story_parts() -> None:
    start = story("start", user("greet"), act("utter_greet"), CheckpointStep("asked"), source="a:1")
    yes = story("yes", CheckpointStep("asked"), user("affirm"), act("utter_happy"), source="b:1")
    no = story("no", CheckpointStep("asked"), user("deny"), act("utter_sad"), source="c:1")

    conversations = generate_conversations([start, yes, no])

    assert [names(c.events)[4:6] for c in conversations] == [
        [">affirm", "utter_happy"],
        [">deny", "utter_sad"],
    ]
    assert conversations[0].sources == ("a:1", "b:1")


def test_a_checkpoint_cycle_is_cut_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    first = story("first", user("greet"), CheckpointStep("a"))
    again = story("again", CheckpointStep("a"), act("utter_x"), CheckpointStep("a"))

    with caplog.at_level(logging.WARNING):
        conversations = generate_conversations([first, again])

    assert [names(c.events) for c in conversations] == [
        [ACTION_LISTEN, ">greet", "utter_x", ACTION_LISTEN],
    ]
    assert "cycle" in caplog.text


def test_a_checkpoint_inside_a_rule_is_an_error() -> None:
    with pytest.raises(TrainingDataError, match=r"rules.yml:1: rule 'r' contains a checkpoint"):
        generate_conversations([rule("r", user("greet"), CheckpointStep("x"))])
