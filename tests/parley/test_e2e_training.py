"""End-to-end ``user:`` text trains the NLU model and reaches the policies as an intent
and, in stories, as the words written."""

from __future__ import annotations

from dialogue.stories import ActionStep, Story, UserStep
from nlu.interfaces import IntentPrediction, ParseResult
from parley.e2e_training import (
    for_policies,
    has_untagged_texts,
    story_examples,
    with_understood_texts,
)


class KeywordInterpreter:
    """Understands "name" as tell_name and anything else as chitchat."""

    def parse(self, text: str, message_id: str | None = None) -> ParseResult:
        intent = "tell_name" if "name" in text else "chitchat"
        return ParseResult(text=text, intent=IntentPrediction(intent, 1.0))


STORY = Story(
    "names",
    "story",
    (
        UserStep(None, text="my name is bob", line=4),
        ActionStep("hi bob!", line=5, bot_text="hi bob!"),
        UserStep("greet", text="hello again", line=6),
        UserStep("inform", line=7),
    ),
    source="data/stories.yml:2",
)


def test_user_texts_with_an_intent_become_nlu_examples_at_their_line() -> None:
    data = story_examples([STORY])

    assert [(e.text, e.intent, e.source) for e in data.examples] == [
        ("hello again", "greet", "data/stories.yml:6")
    ]


def test_user_texts_without_an_intent_get_the_nlu_models_intent() -> None:
    (understood,) = with_understood_texts([STORY], KeywordInterpreter())

    assert has_untagged_texts([STORY]) and not has_untagged_texts([understood])
    assert understood.steps[0] == UserStep("tell_name", text="my name is bob", line=4)
    assert understood.steps[1:] == STORY.steps[1:]



def test_policies_get_stories_understood_and_as_written_but_rules_only_understood() -> None:
    rule = Story("greet", "rule", (UserStep(None, text="hi there", line=3), ActionStep("hey")))
    tagged = Story("tagged", "story", (UserStep("greet", text="hello", line=2), ActionStep("hey")))

    stories = for_policies([STORY, rule, tagged], KeywordInterpreter())

    assert [(s.name, s.steps[0].intent) for s in stories] == [  # type: ignore[union-attr]
        ("names", "tell_name"),
        ("greet", "chitchat"),
        ("tagged", "greet"),
        ("names", None),
    ]
    assert stories[-1] == STORY
