"""ResponseSelector: retrieval intents (``faq/...``) get a response key in Rasa's shape."""

from __future__ import annotations

from typing import Any

import pytest

from nlu import NLUPipeline, TrainingData
from tests.nlu.data import examples

FEATURES: list[dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "DIETClassifier"},
]

FAQ = TrainingData(
    examples=(
        *examples("greet", "hello", "hi there", "good morning"),
        *examples(
            "faq/shipping",
            "how long does shipping take",
            "when will you ship it",
            "what does delivery cost",
            "do you ship abroad",
        ),
        *examples(
            "faq/returns",
            "can i return my item",
            "what is your return policy",
            "how do i send it back",
            "i want a refund",
        ),
        *examples("chitchat/weather", "how is the weather", "is it raining", "will it be sunny"),
    )
)


@pytest.fixture(scope="module")
def selector() -> NLUPipeline:
    nlu = NLUPipeline.build([*FEATURES, {"name": "ResponseSelector", "epochs": 100}])
    nlu.train(FAQ)
    return nlu


def test_the_intent_classifier_predicts_the_base_intent(selector: NLUPipeline) -> None:
    result = selector.parse("how long will shipping take")

    assert result.intent_name == "faq"
    assert {p.name for p in result.intent_ranking} == {"greet", "faq", "chitchat"}


@pytest.mark.parametrize(
    ("text", "key"),
    [("how long will shipping take", "faq/shipping"), ("i want to return it", "faq/returns")],
    ids=["shipping", "returns"],
)
def test_the_selector_picks_the_response_key(selector: NLUPipeline, text: str, key: str) -> None:
    selection = selector.parse(text).response_selector

    assert selection["faq"]["response"]["intent_response_key"] == key
    assert selection["default"]["response"]["intent_response_key"] == key


def test_the_selection_has_rasas_parse_data_shape(selector: NLUPipeline) -> None:
    selection = selector.parse("what is your return policy").response_selector

    response = selection["faq"]["response"]
    assert response == {
        "intent_response_key": "faq/returns",
        "responses": None,
        "confidence": response["confidence"],
        "utter_action": "utter_faq/returns",
    }
    assert 0.5 < response["confidence"] <= 1.0
    ranking = selection["faq"]["ranking"]
    assert [r["intent_response_key"] for r in ranking] == ["faq/returns", "faq/shipping"]
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    assert selection["all_retrieval_intents"] == ["chitchat", "faq"]


def test_each_base_intent_gets_its_best_key(selector: NLUPipeline) -> None:
    selection = selector.parse("do you ship abroad").response_selector

    assert selection["chitchat"]["response"]["intent_response_key"] == "chitchat/weather"
    assert selection["chitchat"]["response"]["confidence"] == pytest.approx(1.0)


def test_a_selector_for_one_retrieval_intent_ignores_the_others() -> None:
    nlu = NLUPipeline.build([*FEATURES, {"name": "ResponseSelector", "retrieval_intent": "faq"}])
    nlu.train(FAQ)

    selection = nlu.parse("how is the weather").response_selector

    assert set(selection) == {"all_retrieval_intents", "faq", "default"}
    assert selection["default"]["response"]["intent_response_key"].startswith("faq/")


def test_without_retrieval_intents_nothing_is_selected() -> None:
    nlu = NLUPipeline.build([*FEATURES, {"name": "ResponseSelector"}])
    nlu.train(TrainingData(examples=examples("greet", "hi", "hello")))

    assert nlu.parse("hi").response_selector == {}
