"""Button payloads (``/intent{"entity": "value"}``) name the intent; the NLU is skipped."""

from __future__ import annotations

import pytest

from nlu.interfaces import Entity, IntentPrediction, ParseResult
from nlu.payloads import parse_payload

INTENTS = ("greet", "inform", "order_status", "affirm")


def test_a_bare_payload_names_the_intent_with_full_confidence() -> None:
    assert parse_payload("/greet", INTENTS, message_id="m-1") == ParseResult(
        text="/greet",
        intent=IntentPrediction("greet", 1.0),
        intent_ranking=(IntentPrediction("greet", 1.0),),
        message_id="m-1",
    )


def test_the_json_object_after_the_intent_becomes_entities() -> None:
    parse = parse_payload('/inform{"city": "Berlin", "guests": 2}', INTENTS)

    assert parse is not None
    assert parse.intent_name == "inform"
    assert parse.entities == (
        Entity(entity="city", value="Berlin", extractor="payload"),
        Entity(entity="guests", value=2, extractor="payload"),
    )


def test_a_list_value_becomes_one_entity_per_element_as_in_rasa() -> None:
    parse = parse_payload('/inform{"topping": ["cheese", "ham"], "size": "large"}', INTENTS)

    assert parse is not None
    assert [(e.entity, e.value) for e in parse.entities] == [
        ("topping", "cheese"),
        ("topping", "ham"),
        ("size", "large"),
    ]


@pytest.mark.parametrize(
    ("text", "confidence"),
    [("/affirm@0.75", 0.75), ('/inform@.5{"city": "Rome"}', 0.5), ("/affirm@3", 1.0)],
    ids=["confidence", "confidence-and-entities", "capped-at-one"],
)
def test_an_at_sign_after_the_intent_gives_its_confidence(text: str, confidence: float) -> None:
    parse = parse_payload(text, INTENTS)

    assert parse is not None
    assert parse.intent == IntentPrediction(parse.intent_name or "", confidence)
    assert parse.intent_ranking == (parse.intent,)


def test_surrounding_whitespace_is_ignored_but_the_text_is_kept() -> None:
    parse = parse_payload("  /order_status \n", INTENTS)

    assert parse is not None
    assert parse.intent_name == "order_status"
    assert parse.text == "  /order_status \n"


@pytest.mark.parametrize(
    "text",
    [
        "greet",
        "hello there",
        "/",
        "/ greet",
        "/unknown_intent",
        "/greet please",
        "where is /order_status",
    ],
    ids=[
        "no-slash",
        "plain-text",
        "slash-only",
        "space-after-slash",
        "unknown-intent",
        "trailing-words",
        "slash-inside-text",
    ],
)
def test_text_that_is_not_a_payload_of_a_known_intent_is_left_to_the_nlu(text: str) -> None:
    assert parse_payload(text, INTENTS) is None


@pytest.mark.parametrize(
    "text",
    ['/inform{"city": }', '/inform{"city": "Rome"', "/inform{not json}"],
    ids=["missing-value", "unclosed", "not-json"],
)
def test_a_payload_with_malformed_entities_is_left_to_the_nlu(text: str) -> None:
    assert parse_payload(text, INTENTS) is None
