"""Reading domain.yml or a domain/ folder; every schema problem names its file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from parley.project import MissingProjectFileError, ProjectFileError, SchemaError, load_domain


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_rasa_shorthands_become_typed_domain(tmp_path: Path) -> None:
    path = write(
        tmp_path / "domain.yml",
        """\
        intents:
          - greet
          - request_restaurant:
              use_entities: []
        slots:
          cuisine:
            type: text
            mappings:
            - type: from_entity
              entity: cuisine
        responses:
          utter_greet:
          - "Hello"
        """,
    )

    domain = load_domain(path)

    assert domain.intent("request_restaurant") is not None
    assert domain.intent("request_restaurant").use_entities == ()  # type: ignore[union-attr]
    assert domain.slot("cuisine").mappings[0].entity == "cuisine"  # type: ignore[union-attr]
    assert domain.responses["utter_greet"][0].text == "Hello"


def test_a_domain_folder_is_merged_in_path_order(tmp_path: Path) -> None:
    write(
        tmp_path / "domain/a_intents.yml", "intents: [greet]\nresponses:\n  utter_x: [{text: A}]\n"
    )
    write(tmp_path / "domain/sub/b_responses.yml", "responses:\n  utter_x: [{text: B}]\n")

    domain = load_domain(tmp_path / "domain")

    assert "greet" in domain.intent_names
    assert domain.responses["utter_x"][0].text == "B"


def test_wrong_slot_type_names_the_line_of_the_type_key(tmp_path: Path) -> None:
    path = write(
        tmp_path / "domain.yml",
        """\
        intents:
          - greet
        slots:
          cuisine:
            type: txt
            mappings: [{type: from_text}]
        """,
    )

    with pytest.raises(ProjectFileError) as raised:
        load_domain(path)

    assert str(raised.value).startswith(f"{path}:5: slots.cuisine.type: Input should be")
    assert "'txt'" in str(raised.value)


def test_unknown_top_level_key_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "domain.yml", "intents: [greet]\n\nintnets: [bye]\n")

    with pytest.raises(ProjectFileError, match=r"domain\.yml:3: unknown key 'intnets'"):
        load_domain(path)


def test_bad_property_in_named_shorthand_points_inside_it(tmp_path: Path) -> None:
    path = write(
        tmp_path / "domain.yml",
        """\
        intents:
          - greet
          - inform:
              use_entities: 5
        """,
    )

    with pytest.raises(ProjectFileError, match=r"domain\.yml:4: intents\.inform\.use_entities"):
        load_domain(path)


def test_slots_written_as_a_list_are_a_located_error(tmp_path: Path) -> None:
    path = write(tmp_path / "domain.yml", "intents: [greet]\nslots:\n  - cuisine\n")

    with pytest.raises(ProjectFileError, match=r"domain\.yml:2: 'slots' must be a mapping"):
        load_domain(path)


def test_every_schema_problem_of_a_file_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path / "domain.yml",
        """\
        slots:
          a:
            type: nope
          b:
            mappings: []
        colour: red
        """,
    )

    with pytest.raises(SchemaError) as raised:
        load_domain(path)

    found = [(e.location.line, e.message) for e in raised.value.errors]
    assert [line for line, _ in found] == [3, 4, 6]
    assert found[1][1] == "slots.b: missing required key 'type'"
    assert str(raised.value).count(f"{path}:") == 3


def test_missing_domain_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(MissingProjectFileError, match=r"domain\.yml"):
        load_domain(tmp_path / "domain.yml")


def test_two_missing_keys_are_two_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "domain.yml", "responses:\n  utter_x:\n  - buttons:\n    - {}\n")

    with pytest.raises(SchemaError) as raised:
        load_domain(path)

    assert [e.message for e in raised.value.errors] == [
        "responses.utter_x[0].buttons[0]: missing required key 'title'",
        "responses.utter_x[0].buttons[0]: missing required key 'payload'",
    ]
