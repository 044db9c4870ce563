"""Rasa's entity markup in examples: ``[text](entity)``, ``(entity:value)`` and JSON labels."""

from __future__ import annotations

import pytest

from nlu.annotations import AnnotationError, parse_annotated
from nlu.interfaces import Entity


def test_text_without_markup_is_returned_unchanged() -> None:
    assert parse_annotated("where is my order?") == ("where is my order?", ())


def test_entity_offsets_point_into_the_plain_text() -> None:
    text, entities = parse_annotated("fly from [Berlin](city) to [New York](city) today")

    assert text == "fly from Berlin to New York today"
    assert entities == (
        Entity(entity="city", value="Berlin", start=9, end=15),
        Entity(entity="city", value="New York", start=19, end=27),
    )
    assert [text[e.start : e.end] for e in entities] == ["Berlin", "New York"]


def test_synonym_shorthand_replaces_the_value_but_keeps_the_text() -> None:
    text, (entity,) = parse_annotated("serving [gastro pub](cuisine:gastropub) food")

    assert text == "serving gastro pub food"
    assert (entity.entity, entity.value, entity.start, entity.end) == (
        "cuisine",
        "gastropub",
        8,
        18,
    )


def test_json_label_carries_role_group_and_value() -> None:
    text, (entity,) = parse_annotated(
        'to [Munich]{"entity": "city", "role": "destination", "group": "2", "value": "MUC"} now'
    )

    assert text == "to Munich now"
    assert entity == Entity(
        entity="city", value="MUC", start=3, end=9, role="destination", group="2"
    )


def test_json_label_without_value_takes_the_text() -> None:
    _, (entity,) = parse_annotated('[Ann]{"entity": "name", "role": "sender"}')

    assert (entity.value, entity.role, entity.group) == ("Ann", "sender", None)


@pytest.mark.parametrize(
    "text",
    ["see [1] for details", "a [bracket] (with space)", "array[0]", "trailing [", "lone ] here"],
    ids=["footnote", "space-before-paren", "index", "open-at-end", "lone-close"],
)
def test_brackets_that_are_not_annotations_stay_text(text: str) -> None:
    assert parse_annotated(text) == (text, ())


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("go to [Berlin](city", "unclosed '('"),
        ("go to [Berlin]()", "bad entity name"),
        ("go to [Berlin](my city)", "bad entity name"),
        ("go to [Berlin](city:)", "empty synonym value"),
        ("go to [](city)", "empty entity text"),
        ('go to [Berlin]{"entity": "city"', "invalid JSON"),
        ('go to [Berlin]{"role": "to"}', "lacks 'entity'"),
        ('go to [Berlin]{"entity": "city", "colour": "red"}', "unknown key(s) 'colour'"),
        ('go to [Berlin]{"entity": 3}', "must be a non-empty string"),
    ],
    ids=[
        "unclosed",
        "empty-name",
        "space-in-name",
        "empty-synonym",
        "empty-text",
        "broken-json",
        "json-without-entity",
        "json-unknown-key",
        "json-number",
    ],
)
def test_malformed_markup_says_what_is_wrong(text: str, complaint: str) -> None:
    with pytest.raises(AnnotationError) as raised:
        parse_annotated(text)

    assert complaint in str(raised.value)
    assert isinstance(raised.value, ValueError)
