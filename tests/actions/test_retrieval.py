"""Retrieval actions (``utter_faq``) and end-to-end ``bot:`` texts run as real actions."""

from __future__ import annotations

from typing import Any

import pytest

from actions import ActionNotFound, ActionResolver, NoCustomActions
from dialogue.events import UserUttered
from nlu.interfaces import IntentPrediction, ParseResult
from tests.actions.builders import context, conversation, described, domain_from, listen

FAQ = domain_from(
    """
    intents: [faq, greet]
    responses:
      utter_greet:
      - text: "Hello!"
      utter_faq/ask_name:
      - text: "I am the retrieval bot."
      utter_faq/ask_weather:
      - text: "Sunny in Berlin."
    e2e_actions:
      - "hi bob!"
    """
)


def faq_question(selected: str | None, selector: str = "faq") -> UserUttered:
    """A message the NLU took for ``faq``; the ResponseSelector chose ``selected``."""
    choice: dict[str, Any] = {}
    if selected is not None:
        choice = {selector: {"response": {"intent_response_key": selected, "confidence": 0.9}}}
    parse = ParseResult(
        text="what is your name?",
        intent=IntentPrediction("faq", 0.9),
        response_selector={"all_retrieval_intents": ["faq"], **choice},
    )
    return UserUttered(text="what is your name?", parse_data=parse)


def test_the_domain_names_a_retrieval_action_per_retrieval_intent() -> None:
    assert FAQ.retrieval_actions == ("utter_faq",)
    assert "utter_faq" in FAQ.action_names and "utter_faq/ask_name" in FAQ.action_names


@pytest.mark.parametrize("selector", ["faq", "default"], ids=["own-selector", "default"])
async def test_a_retrieval_action_sends_the_response_the_selector_chose(selector: str) -> None:
    tracker = conversation(FAQ, listen(), faq_question("faq/ask_weather", selector))
    action = ActionResolver(FAQ, NoCustomActions()).resolve("utter_faq")

    events = await action.run(context(FAQ, tracker))

    assert described(events) == [("bot", "Sunny in Berlin.")]
    assert events[0].metadata["utter_action"] == "utter_faq/ask_weather"


@pytest.mark.parametrize(
    "selected", [None, "faq/ask_age", "other/ask_name"], ids=["none", "unknown", "other-intent"]
)
async def test_a_retrieval_action_without_a_usable_choice_says_nothing(
    selected: str | None,
) -> None:
    tracker = conversation(FAQ, listen(), faq_question(selected))
    action = ActionResolver(FAQ, NoCustomActions()).resolve("utter_faq")

    assert await action.run(context(FAQ, tracker)) == []


async def test_an_end_to_end_bot_text_of_the_training_data_is_said_as_written() -> None:
    action = ActionResolver(FAQ, NoCustomActions()).resolve("hi bob!")

    events = await action.run(context(FAQ, conversation(FAQ, listen())))

    assert action.name == "hi bob!"
    assert described(events) == [("bot", "hi bob!")]


def test_a_text_the_training_data_never_said_is_not_an_action() -> None:
    with pytest.raises(ActionNotFound):
        ActionResolver(FAQ, NoCustomActions()).resolve("hi joe!")
