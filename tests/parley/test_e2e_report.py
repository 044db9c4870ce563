"""``parley test`` reports as ``rasa test --e2e``: the two result blocks and the failed stories."""

from __future__ import annotations

from pathlib import Path

from dialogue.stories import ActionStep, Story, UserStep
from nlu.interfaces import Entity
from parley.e2e_report import failed_stories_yaml, rasa_summary
from parley.project.data_files import read_test_file
from parley.testing import StoryResult, TurnFailure

GREET = Story(
    "greet",
    "test",
    (UserStep("greet", text="hi", line=4), ActionStep("utter_greet", line=6)),
    source="tests/test_stories.yml:2",
)
BERLIN = (Entity("city", "Berlin", 7, 13),)
BOOK = Story(
    "book",
    "test",
    (
        UserStep("inform", BERLIN, text="fly to Berlin", line=10),
        ActionStep("utter_booked", line=12),
        ActionStep("hi bob!", line=13, bot_text="hi bob!"),
    ),
    source="tests/test_stories.yml:8",
)
WRONG_ACTION = TurnFailure("action", 12, "utter_booked", "utter_greet")
RESULTS = [
    StoryResult("greet", GREET.source, None, 1, 1, (), (("utter_greet", "utter_greet"),)),
    StoryResult(
        "book",
        BOOK.source,
        WRONG_ACTION,
        1,
        1,
        (WRONG_ACTION,),
        (("utter_booked", "utter_greet"), ("hi bob!", "hi bob!")),
    ),
]


def test_story_and_action_level_blocks_count_as_rasa_does() -> None:
    lines = rasa_summary(RESULTS)

    assert lines[0] == "Evaluation Results on CONVERSATION level:"
    assert lines[1].split() == ["Correct:", "1", "/", "2"]
    assert lines[2].split() == ["Accuracy:", "0.500"]
    assert lines[3] == "Evaluation Results on ACTION level:"
    assert lines[4].split() == ["Correct:", "2", "/", "3"]
    assert lines[7].split() == ["Accuracy:", "0.667"]


def test_failed_stories_are_written_back_with_the_prediction_marked(tmp_path: Path) -> None:
    text = failed_stories_yaml(RESULTS, [GREET, BOOK])

    assert "  - action: utter_booked  # predicted: utter_greet\n" in text
    assert '  - user: "fly to [Berlin](city)"\n' in text
    assert "greet" not in text.split("stories:")[1].split("- story:")[0]
    written = tmp_path / "failed_test_stories.yml"
    written.write_text(text, encoding="utf-8")
    (story,) = read_test_file(written)
    assert story.name == "book (tests/test_stories.yml)"
    assert [getattr(s, "name", None) for s in story.steps[1:]] == ["utter_booked", "hi bob!"]
    assert story.steps[0] == UserStep("inform", BERLIN, "fly to Berlin", line=5)
