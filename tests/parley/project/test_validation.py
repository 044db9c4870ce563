"""validate_project reports every problem of a project, each with file, line and severity."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.project import Location, Problem, validate_project

from .conftest import MINIMAL_FILES, WriteProject


def problems_of(write_project: WriteProject, files: dict[str, str | None]) -> list[str]:
    return [str(problem) for problem in validate_project(write_project(files))]


def test_the_minimal_project_has_no_problems(write_project: WriteProject) -> None:
    assert validate_project(write_project()) == []


def test_problem_reads_file_line_severity_message() -> None:
    problem = Problem(Location(Path("data/stories.yml"), 12), "unknown intent 'x'")

    assert str(problem) == "data/stories.yml:12: error: unknown intent 'x'"


STORY_WITH_MISTAKES = """\
version: "3.1"
stories:
- story: mistakes
  steps:
  - intent: greet
  - action: utter_greet
  - intent: order_pizza
  - action: action_order_pizza
  - slot_was_set:
    - pizza_size: large
  - intent: inform
    entities:
    - topping: cheese
  - active_loop: pizza_form
  - or:
    - intent: greet
    - intent: goodbye
"""


def test_story_steps_that_the_domain_does_not_know(write_project: WriteProject) -> None:
    found = problems_of(write_project, {"data/stories.yml": STORY_WITH_MISTAKES})

    assert found == [
        "data/stories.yml:7: error: unknown intent 'order_pizza': the domain does not declare "
        "it (in story 'mistakes')",
        "data/stories.yml:8: error: unknown action 'action_order_pizza': not a response, custom "
        "action, form or default action of the domain (in story 'mistakes')",
        "data/stories.yml:10: error: unknown slot 'pizza_size' in slot_was_set: the domain does "
        "not declare it (in story 'mistakes')",
        "data/stories.yml:11: error: unknown entity 'topping': the domain does not declare it "
        "(in story 'mistakes')",
        "data/stories.yml:14: error: unknown active_loop 'pizza_form': not a form or action of "
        "the domain (in story 'mistakes')",
        "data/stories.yml:17: error: unknown intent 'goodbye': the domain does not declare it "
        "(in story 'mistakes')",
    ]


def test_rules_conditions_and_test_stories_are_checked_too(write_project: WriteProject) -> None:
    found = problems_of(
        write_project,
        {
            "data/rules.yml": """\
                rules:
                - rule: r
                  condition:
                  - slot_was_set:
                    - mood: happy
                  steps:
                  - intent: greet
                  - action: utter_greet
                """,
            "tests/test_flows.yml": """\
                stories:
                - story: t
                  steps:
                  - user: hi
                    intent: salute
                  - action: utter_greet
                """,
        },
    )

    assert [line.split(": error: ")[0] for line in found] == [
        "data/rules.yml:5",
        "tests/test_flows.yml:4",
    ]
    assert "unknown slot 'mood'" in found[0]
    assert "unknown intent 'salute'" in found[1] and "(in test 't')" in found[1]


def test_default_actions_intents_and_requested_slot_are_known(write_project: WriteProject) -> None:
    stories = """\
        stories:
        - story: defaults
          steps:
          - intent: inform
          - action: city_form
          - active_loop: city_form
          - slot_was_set:
            - requested_slot: city
          - intent: restart
          - action: action_restart
          - action: action_deactivate_loop
          - active_loop: null
        """

    assert problems_of(write_project, {"data/stories.yml": stories}) == []


def test_domain_problems(write_project: WriteProject) -> None:
    domain = """\
        intents:
          - greet
          - inform
        entities:
          - city
        slots:
          city:
            type: text
          mood:
            type: any
            mappings: []
        responses:
          utter_greet:
          - text: "Hello!"
          utter_ask_city:
          - channel: slack
        actions:
          - utter_farewell
        forms:
          city_form:
            required_slots:
              - city
              - date
        """

    assert problems_of(write_project, {"domain.yml": domain}) == [
        "domain.yml:7: error: slot 'city' has no 'mappings' (Rasa 3 requires them; "
        "use '- type: custom' for a slot that actions set)",
        "domain.yml:9: error: slot 'mood' has no 'mappings' (Rasa 3 requires them; "
        "use '- type: custom' for a slot that actions set)",
        "domain.yml:15: error: response 'utter_ask_city' variation 1 has no text, image, "
        "buttons or custom payload",
        "domain.yml:18: error: action 'utter_farewell' is listed in the domain but has no "
        "response template",
        "domain.yml:23: error: form 'city_form' requires slot 'date', which the domain does "
        "not declare",
    ]


def test_nlu_and_domain_must_agree_on_intents_and_entities(write_project: WriteProject) -> None:
    nlu = """\
        nlu:
        - intent: greet
          examples: |
            - hi
        - intent: order
          examples: |
            - a [large](size) pizza
            - pizza
        """

    assert problems_of(write_project, {"data/nlu.yml": nlu}) == [
        "data/nlu.yml:7: error: intent 'order' has NLU examples but is not in the domain",
        "data/nlu.yml:7: error: unknown entity 'size': the domain does not declare it "
        "(in NLU example 'a large pizza')",
        "domain.yml:4: warning: intent 'inform' has no NLU examples",
    ]


def test_every_file_is_checked_even_after_a_syntax_error(write_project: WriteProject) -> None:
    found = problems_of(
        write_project,
        {
            "config.yml": "pipeline:\n  - name: A\n  - epochs: 3\n",
            "data/broken.yml": "nlu:\n- intent: greet\n  examples: |\n    - hi\n  - ho: x: y\n",
            "data/stories.yml": STORY_WITH_MISTAKES,
            "endpoints.yml": "tracker_store:\n  password: ${PARLEY_TEST_UNSET_VARIABLE}\n",
        },
    )

    files = [line.split(":")[0] for line in found]
    assert files == sorted(files)
    assert found[0].startswith("config.yml:3: error: pipeline[1]")
    assert any(line.startswith("data/broken.yml:5:3: error: YAML syntax error") for line in found)
    assert sum(line.startswith("data/stories.yml:") for line in found) == 6
    assert (
        "endpoints.yml:2: error: environment variable 'PARLEY_TEST_UNSET_VARIABLE'" in (found[-1])
    )


def test_broken_domain_is_reported_and_other_files_still_read(
    write_project: WriteProject,
) -> None:
    domain = MINIMAL_FILES["domain.yml"].replace("type: text", "type: txt")
    nlu = "nlu:\n- intent: greet\n  examples: |\n    - hi [x](\n"

    found = problems_of(write_project, {"domain.yml": domain, "data/nlu.yml": nlu})

    assert [line.split(": ")[0] for line in found] == ["data/nlu.yml:4", "domain.yml:9"]


@pytest.mark.parametrize("severity", ["error", "warning"])
def test_problem_severity_is_part_of_its_text(severity: str) -> None:
    problem = Problem(Location(Path("domain.yml"), 3), "m", severity)  # type: ignore[arg-type]

    assert str(problem) == f"domain.yml:3: {severity}: m"
