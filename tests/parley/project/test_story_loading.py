"""stories:, rules: and test stories become Story objects whose steps keep their lines."""

from __future__ import annotations

import pytest

from dialogue.stories import (
    ANY_SLOT_VALUE,
    ActionStep,
    ActiveLoopStep,
    CheckpointStep,
    OrStep,
    SlotStep,
    UserStep,
)
from nlu.interfaces import Entity
from parley.project import Project, ProjectFileError

from .conftest import WriteProject

STORIES = """\
stories:
- story: book a table
  steps:
  - intent: inform
    entities:
    - city: Berlin
    - cuisine
    - entity: city
      value: Paris
      role: destination
      group: trip
  - slot_was_set:
    - city: Berlin
    - cuisine
  - action: city_form
  - active_loop: city_form
  - active_loop: null
  - checkpoint: booked
  - or:
    - intent: greet
    - intent: inform
  - bot: Here you go
"""

RULES = """\
rules:
- rule: ask for the city
  conversation_start: true
  wait_for_user_input: false
  condition:
  - active_loop: city_form
  - slot_was_set:
    - city: null
  steps:
  - action: utter_ask_city
"""

TESTS = """\
stories:
- story: greet by text
  steps:
  - user: |
      hello there!
    intent: greet
  - action: utter_greet
  - user: |
      to [Berlin]{"entity": "city", "role": "destination"}
    intent: inform
"""


def test_story_steps_are_typed_and_keep_their_lines(write_project: WriteProject) -> None:
    project = Project.load(write_project({"data/stories.yml": STORIES}))

    (story,) = project.stories
    assert story.kind == "story"
    assert story.source.endswith("data/stories.yml:2")
    assert story.steps == (
        UserStep(
            intent="inform",
            entities=(
                Entity("city", "Berlin"),
                Entity("cuisine", None),
                Entity("city", "Paris", role="destination", group="trip"),
            ),
            line=4,
        ),
        SlotStep("city", "Berlin", line=13),
        SlotStep("cuisine", ANY_SLOT_VALUE, line=14),
        ActionStep("city_form", line=15),
        ActiveLoopStep("city_form", line=16),
        ActiveLoopStep(None, line=17),
        CheckpointStep("booked", line=18),
        OrStep((UserStep("greet", line=20), UserStep("inform", line=21)), line=19),
        ActionStep("Here you go", line=22, bot_text="Here you go"),
    )


def test_rules_keep_condition_and_flags(write_project: WriteProject) -> None:
    project = Project.load(write_project({"data/rules.yml": RULES}))

    (rule,) = project.rules
    assert rule.is_rule and rule.name == "ask for the city"
    assert rule.conversation_start is True
    assert rule.wait_for_user_input is False
    assert rule.condition == (ActiveLoopStep("city_form", line=6), SlotStep("city", None, line=8))
    assert rule.steps == (ActionStep("utter_ask_city", line=10),)


def test_test_stories_have_plain_user_text_and_markup_entities(
    write_project: WriteProject,
) -> None:
    project = Project.load(write_project({"tests/test_greet.yml": TESTS}))

    (story,) = project.test_stories
    assert story.kind == "test"
    first, _, second = story.steps
    assert first == UserStep(intent="greet", text="hello there!", line=4)
    assert second == UserStep(
        intent="inform",
        text="to Berlin",
        entities=(Entity("city", "Berlin", start=3, end=9, role="destination"),),
        line=8,
    )


def test_test_stories_are_found_in_subfolders_and_other_yaml_is_ignored(
    write_project: WriteProject,
) -> None:
    root = write_project(
        {
            "tests/test_a.yml": TESTS,
            "tests/e2e/checkout.yaml": TESTS.replace("greet by text", "nested"),
            "tests/fixtures/settings.yml": "timeout: 3\n",
        }
    )

    names = [story.name for story in Project.load(root).test_stories]

    assert sorted(names) == ["greet by text", "nested"]


@pytest.mark.parametrize(
    ("steps", "line", "complaint"),
    [
        ("  - intnet: greet\n", 4, "unknown step ['intnet']"),
        (
            "  - action: utter_greet\n    intent: greet\n",
            4,
            "unknown key 'action' in a step with 'intent'",
        ),
        ("  - slot_was_set: city\n", 4, "'slot_was_set' must be a list"),
        ("  - intent: greet\n    entities:\n    - [1, 2]\n", 6, "an entity must be"),
        ("  - or:\n    - intent: greet\n", 4, "at least two alternatives"),
        ("  - or:\n    - intent: greet\n    - action: x\n", 6, "each 'or' alternative"),
        ("  - user: 'to [Berlin](city'\n", 4, "unclosed '('"),
        ("  - action:\n", 4, "'action' must be a non-empty string"),
    ],
    ids=[
        "unknown-step",
        "mixed-step",
        "slots-not-list",
        "bad-entity",
        "lonely-or",
        "action-in-or",
        "bad-markup",
        "empty-action",
    ],
)
def test_story_errors_name_file_and_line(
    write_project: WriteProject, steps: str, line: int, complaint: str
) -> None:
    root = write_project({"data/stories.yml": f"stories:\n- story: s\n  steps:\n{steps}"})

    with pytest.raises(ProjectFileError) as raised:
        Project.load(root)

    assert f"stories.yml:{line}: " in str(raised.value)
    assert complaint in str(raised.value)


def test_story_without_steps_is_an_error(write_project: WriteProject) -> None:
    root = write_project({"data/stories.yml": "stories:\n- story: lonely\n"})

    with pytest.raises(ProjectFileError, match=r"stories\.yml:2: story 'lonely' has no steps"):
        Project.load(root)


def test_rule_flag_must_be_boolean(write_project: WriteProject) -> None:
    rules = "rules:\n- rule: r\n  conversation_start: yes please\n  steps:\n  - action: x\n"

    with pytest.raises(ProjectFileError, match=r"rules\.yml:3: 'conversation_start' must be"):
        Project.load(write_project({"data/rules.yml": rules}))
