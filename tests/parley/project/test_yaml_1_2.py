"""Project files are YAML 1.2, read as Rasa reads them: ``yes``/``no``/``on``/``off`` are text."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.stories import SlotStep
from parley.project import Project, ProjectFileError
from parley.yamlfile import parse_yaml

from .conftest import WriteProject

CONFIRM_DOMAIN = """\
    version: "3.1"
    intents:
      - affirm
      - greet
      - inform
    entities:
      - city
    slots:
      confirmed:
        type: text
        mappings:
        - type: from_intent
          intent: affirm
          value: yes
      city:
        type: text
        mappings:
        - type: from_entity
          entity: city
      subscribed:
        type: bool
        initial_value: false
        mappings:
        - type: from_intent
          intent: affirm
          value: true
    responses:
      utter_greet:
      - text: "Hello!"
      utter_ask_confirm:
      - text: "Shall I go on?"
        buttons:
        - title: Yes
          payload: /affirm
        - title: No
          payload: /deny
        - title: on
          payload: /affirm
    """


def test_yes_no_on_off_stay_text_and_only_true_false_are_booleans() -> None:
    data = parse_yaml("a: [yes, No, on, OFF, y, n, true, False, null]\n", Path("f.yml"))

    assert data["a"] == ["yes", "No", "on", "OFF", "y", "n", True, False, None]


def test_a_file_may_still_ask_for_yaml_1_1() -> None:
    assert parse_yaml("%YAML 1.1\n---\na: yes\n", Path("f.yml")) == {"a": True}


def test_button_titles_and_from_intent_values_keep_their_text(
    write_project: WriteProject,
) -> None:
    project = Project.load(write_project({"domain.yml": CONFIRM_DOMAIN}))

    buttons = project.domain.responses["utter_ask_confirm"][0].buttons
    assert [b.title for b in buttons] == ["Yes", "No", "on"]
    confirmed = project.domain.slot("confirmed")
    subscribed = project.domain.slot("subscribed")
    assert confirmed is not None and subscribed is not None
    assert confirmed.mappings[0].value == "yes"
    assert subscribed.mappings[0].value is True


def test_slot_was_set_values_in_stories_keep_their_text(write_project: WriteProject) -> None:
    stories = """\
        version: "3.1"
        stories:
        - story: confirm
          steps:
          - intent: affirm
          - slot_was_set:
            - confirmed: yes
            - subscribed: true
          - action: utter_greet
        """
    project = Project.load(
        write_project({"domain.yml": CONFIRM_DOMAIN, "data/stories.yml": stories})
    )

    slots = [s for s in project.stories[0].steps if isinstance(s, SlotStep)]
    assert [(s.name, s.value) for s in slots] == [("confirmed", "yes"), ("subscribed", True)]


def test_a_key_written_twice_is_an_error_at_its_second_line() -> None:
    with pytest.raises(ProjectFileError) as raised:
        parse_yaml("intents:\n  - greet\nintents:\n  - bye\n", Path("domain.yml"))

    assert str(raised.value).startswith("domain.yml:3:1: duplicate key 'intents'")


def test_a_merge_key_may_be_overridden_by_the_mapping_that_merges_it() -> None:
    text = "base: &base {text: hi, image: a.png}\nother:\n  <<: *base\n  text: hello\n"

    assert parse_yaml(text, Path("f.yml"))["other"] == {"text": "hello", "image": "a.png"}


def test_syntax_errors_name_file_line_and_column(write_project: WriteProject) -> None:
    root = write_project({"domain.yml": "intents:\n  - greet\n responses: [\n"})

    with pytest.raises(ProjectFileError) as raised:
        Project.load(root)

    assert raised.value.location.path == root / "domain.yml"
    assert raised.value.location.line == 3
    assert "YAML syntax error" in raised.value.message
