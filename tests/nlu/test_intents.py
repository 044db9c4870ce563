"""Intent classification: the linear classifier learns, ranks and stays deterministic."""

from __future__ import annotations

from typing import Any

import pytest

from nlu import NLUPipeline, PipelineConfigError, TrainingData, TrainingDataError
from tests.nlu.data import HELD_OUT, example, examples, four_intents

FEATURES: list[dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
]


def trained(pipeline: list[dict[str, Any]], data: TrainingData) -> NLUPipeline:
    nlu = NLUPipeline.build(pipeline)
    nlu.train(data)
    return nlu


@pytest.fixture(scope="module")
def classifier() -> NLUPipeline:
    return trained([*FEATURES, {"name": "LogisticRegressionClassifier"}], four_intents())


def test_held_out_paraphrases_are_classified_well_above_chance(classifier: NLUPipeline) -> None:
    results = [classifier.parse(text) for text, _ in HELD_OUT]
    correct = [r.intent_name == intent for r, (_, intent) in zip(results, HELD_OUT, strict=True)]
    confidences = [r.intent.confidence for r in results if r.intent is not None]

    assert sum(correct) / len(correct) >= 0.75  # chance is 0.25
    assert sum(confidences) / len(results) > 0.6  # confident enough to pass a 0.3 fallback


def test_ranking_lists_every_intent_once_most_likely_first(classifier: NLUPipeline) -> None:
    result = classifier.parse("where is my order")

    confidences = [p.confidence for p in result.intent_ranking]
    assert result.intent == result.intent_ranking[0]
    assert result.intent_name == "order_status"
    assert confidences == sorted(confidences, reverse=True)
    assert {p.name for p in result.intent_ranking} == set(four_intents().intents)
    assert sum(confidences) == pytest.approx(1.0)


def test_ranking_is_cut_at_ranking_length() -> None:
    data = TrainingData(
        examples=tuple(example(f"word{i} text{i}", f"intent_{i}") for i in range(12))
    )
    nlu = trained([*FEATURES, {"name": "LogisticRegressionClassifier"}], data)
    short = trained(
        [*FEATURES, {"name": "LogisticRegressionClassifier", "ranking_length": 3}], data
    )

    assert len(nlu.parse("word3").intent_ranking) == 10
    assert len(short.parse("word3").intent_ranking) == 3


def test_training_twice_on_the_same_data_gives_the_same_model(classifier: NLUPipeline) -> None:
    again = trained([*FEATURES, {"name": "LogisticRegressionClassifier"}], four_intents())

    for text, _ in HELD_OUT:
        assert again.parse(text) == classifier.parse(text)


def test_a_single_intent_is_predicted_with_full_confidence() -> None:
    nlu = trained(
        [*FEATURES, {"name": "DIETClassifier"}],
        TrainingData(examples=examples("greet", "hi", "hello")),
    )

    result = nlu.parse("something else entirely")

    assert result.intent_name == "greet"
    assert result.intent is not None and result.intent.confidence == 1.0


@pytest.mark.parametrize(
    "name", ["LogisticRegressionClassifier", "SklearnIntentClassifier", "DIETClassifier"]
)
def test_rasa_classifier_names_all_learn_the_intents(name: str) -> None:
    nlu = trained([*FEATURES, {"name": name}], four_intents())

    assert nlu.parse("cancel my order please").intent_name == "cancel_order"


def test_a_list_of_c_values_is_chosen_from_by_cross_validation() -> None:
    classifier = {"name": "SklearnIntentClassifier", "C": [1, 10, 100], "kernels": ["linear"]}
    nlu = trained([*FEATURES, classifier], four_intents())

    assert nlu.parse("bye bye").intent_name == "goodbye"


def test_a_classifier_without_intent_examples_is_an_error() -> None:
    data = TrainingData(examples=(example("hello", None),))
    nlu = NLUPipeline.build([*FEATURES, {"name": "LogisticRegressionClassifier"}])

    with pytest.raises(TrainingDataError, match="no intent examples"):
        nlu.train(data)


def test_keyword_classifier_matches_whole_example_texts() -> None:
    data = TrainingData(examples=(*examples("greet", "hello"), *examples("help", "help me")))
    keywords = {"name": "KeywordIntentClassifier", "case_sensitive": False}
    nlu = trained([{"name": "WhitespaceTokenizer"}, keywords], data)

    assert nlu.parse("Hello, anyone there?").intent_name == "greet"
    assert nlu.parse("please HELP ME").intent_name == "help"
    assert nlu.parse("othello").intent_name is None


def test_an_option_of_the_wrong_type_names_component_and_option() -> None:
    with pytest.raises(PipelineConfigError, match=r"LogisticRegressionClassifier.*'C'"):
        NLUPipeline.build([*FEATURES, {"name": "LogisticRegressionClassifier", "C": "large"}])
