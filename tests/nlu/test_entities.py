"""Entity extraction: regexes and lookup tables, synonyms, and the learned tagger."""

from __future__ import annotations

from typing import Any

import pytest

from nlu import Entity, NLUPipeline, TrainingData, TrainingExample
from tests.nlu.data import FLIGHTS, example, examples, flights

TOKENS: dict[str, Any] = {"name": "WhitespaceTokenizer"}
FEATURES: list[dict[str, Any]] = [
    TOKENS,
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
]


def trained(pipeline: list[dict[str, Any]], data: TrainingData) -> NLUPipeline:
    nlu = NLUPipeline.build(pipeline)
    nlu.train(data)
    return nlu


def spans(text: str, entities: tuple[Entity, ...]) -> list[tuple[str, str, str | None]]:
    """``(type, text at the offsets, role)`` per entity, checking offsets against values."""
    return [(e.entity, text[e.start or 0 : e.end or 0], e.role) for e in entities]


ORDERS = TrainingData(
    examples=(
        example("order 12345 please", "order", ("order_id", "12345")),
        example("i want a pizza", "order", ("food", "pizza")),
    ),
    regexes={"order_id": (r"\d{5}",), "zipcode": (r"\d{4}",)},
    lookups={"food": ("pizza", "pasta", "ice cream")},
)


@pytest.fixture(scope="module")
def regex_nlu() -> NLUPipeline:
    return trained([TOKENS, {"name": "RegexEntityExtractor"}], ORDERS)


def test_regex_and_lookup_matches_become_entities_at_their_offsets(regex_nlu: NLUPipeline) -> None:
    text = "Is order 98765 with Ice Cream and pasta ready?"

    result = regex_nlu.parse(text)

    assert [(e.entity, e.value, e.start, e.end) for e in result.entities] == [
        ("order_id", "98765", 9, 14),
        ("food", "Ice Cream", 20, 29),
        ("food", "pasta", 34, 39),
    ]
    assert {e.extractor for e in result.entities} == {"RegexEntityExtractor"}


def test_patterns_match_whole_words_only(regex_nlu: NLUPipeline) -> None:
    assert regex_nlu.parse("pizzas and 1234567").entities == ()


def test_patterns_not_named_like_an_annotated_entity_extract_nothing(
    regex_nlu: NLUPipeline,
) -> None:
    assert regex_nlu.parse("my zip is 1234").entities == ()


def test_synonyms_replace_values_case_insensitively_and_are_recorded() -> None:
    data = TrainingData(
        examples=(example("i live in NYC", "inform", ("city", "NYC")),),
        synonyms={"nyc": "New York", "big apple": "New York"},
        lookups={"city": ("NYC", "big apple", "Boston")},
    )
    nlu = trained([TOKENS, {"name": "RegexEntityExtractor"}, {"name": "EntitySynonymMapper"}], data)

    result = nlu.parse("from nyc via the Big Apple to Boston")

    assert [(e.value, e.processors) for e in result.entities] == [
        ("New York", ("EntitySynonymMapper",)),
        ("New York", ("EntitySynonymMapper",)),
        ("Boston", ()),
    ]
    assert [e.start for e in result.entities] == [5, 17, 30]


def test_an_annotated_value_that_differs_from_its_text_is_a_synonym() -> None:
    annotated = TrainingExample("fly to LA", "inform", (Entity("city", "Los Angeles", 7, 9),))
    data = TrainingData(examples=(annotated,), lookups={"city": ("LA",)})
    nlu = trained([TOKENS, {"name": "RegexEntityExtractor"}, {"name": "EntitySynonymMapper"}], data)

    assert [e.value for e in nlu.parse("going to la").entities] == ["Los Angeles"]


@pytest.fixture(scope="module")
def tagger() -> NLUPipeline:
    return trained([*FEATURES, {"name": "DIETClassifier", "epochs": 100}], flights())


def test_tagger_learns_entities_with_their_roles(tagger: NLUPipeline) -> None:
    text = "a flight from Dublin to Berlin"

    result = tagger.parse(text)

    assert spans(text, result.entities) == [("city", "Dublin", "from"), ("city", "Berlin", "to")]
    assert [e.value for e in result.entities] == ["Dublin", "Berlin"]
    assert all(e.extractor == "DIETClassifier" for e in result.entities)
    assert all(0.0 < (e.confidence or 0.0) <= 1.0 for e in result.entities)
    assert result.intent_name == "book"


def test_tagger_keeps_the_group_of_an_entity_label() -> None:
    def order(text: str, size: str) -> TrainingExample:
        start = text.index(size)
        size_entity = Entity("size", size, start, start + len(size), group="first")
        return TrainingExample(text, "order", (size_entity,))

    data = TrainingData(
        examples=(
            order("a large pizza", "large"),
            order("one small coffee please", "small"),
            order("i want a medium soda", "medium"),
            *examples("greet", "hello", "hi there"),
        )
    )
    nlu = trained([*FEATURES, {"name": "CRFEntityExtractor"}], data)

    found = nlu.parse("a small pizza").entities

    assert [(e.entity, e.value, e.group) for e in found] == [("size", "small", "first")]


def test_tagger_finds_no_entities_in_a_greeting(tagger: NLUPipeline) -> None:
    assert tagger.parse("hello there").entities == ()


def test_crf_entity_extractor_name_gives_the_tagger_alone() -> None:
    nlu = trained([*FEATURES, {"name": "CRFEntityExtractor"}], flights())
    text = "travel from Oslo to Rome"

    result = nlu.parse(text)

    assert spans(text, result.entities) == [("city", "Oslo", "from"), ("city", "Rome", "to")]
    assert {e.extractor for e in result.entities} == {"CRFEntityExtractor"}
    assert result.intent is None


def test_without_annotated_entities_the_tagger_is_skipped() -> None:
    data = TrainingData(examples=(*examples("greet", "hi", "hello"), *examples("bye", "bye")))
    nlu = trained([*FEATURES, {"name": "DIETClassifier"}], data)

    result = nlu.parse("hi Berlin")

    assert result.entities == ()
    assert result.intent_name == "greet"


def test_entity_recognition_can_be_switched_off() -> None:
    nlu = trained([*FEATURES, {"name": "DIETClassifier", "entity_recognition": False}], flights())

    assert nlu.parse(FLIGHTS[0].text).entities == ()
