"""The entity report of ``parley test nlu`` says when the pipeline could not extract
entities (no extractor, or ``entity_recognition: false``) instead of scoring F1 0.0,
and still scores the entities of a pipeline that can extract them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from nlu.interfaces import Entity, IntentPrediction, ParseResult, TrainingData, TrainingExample
from nlu.pipeline import ComponentSpec, NLUPipeline
from parley.nlu_entities import entity_recognition_off, entity_report, entity_summary
from parley.nlu_evaluation import Prediction, cross_validate, evaluate

INTENT_ONLY = [
    {"name": "WhitespaceTokenizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "LogisticRegressionClassifier"},
]
WITH_EXTRACTOR = [*INTENT_ONLY, {"name": "CRFEntityExtractor"}]


def order(number: str, template: str = "where is order {}") -> TrainingExample:
    text = template.format(number)
    start = text.index(number)
    entity = Entity("order_number", number, start, start + len(number))
    return TrainingExample(text, "order_status", (entity,))


def small_training_data() -> TrainingData:
    orders = [
        order("12345"),
        order("88812", "status of order {} please"),
        order("40404", "has order {} shipped"),
        order("77001", "where is my order {}"),
        order("31337", "track order {}"),
        order("99120", "order {} status"),
    ]
    greetings = ["hi", "hello", "hello there", "good morning", "hey", "hi bot"]
    return TrainingData((*orders, *(TrainingExample(g, "greet") for g in greetings)))


def trained(pipeline: Sequence[Mapping[str, object]]) -> NLUPipeline:
    nlu = NLUPipeline.build(pipeline)
    nlu.train(small_training_data())
    return nlu


def test_with_no_entity_extractor_the_entity_report_says_entity_recognition_was_off() -> None:
    predictions = evaluate(trained(INTENT_ONLY), [order("55555"), order("12121", "track order {}")])

    report = entity_report(predictions)

    assert report == {
        "entity_recognition": "off",
        "reason": "the NLU pipeline has no entity extractor",
        "gold_entities_not_scored": 2,
        "gold_entities_by_type": {"order_number": 2},
    }
    assert entity_summary(report) == (
        "Entities: not scored, entity recognition was off (the NLU pipeline has no entity "
        "extractor); 2 gold entities in the test data"
    )


def test_with_an_entity_extractor_the_entity_report_still_scores_f1() -> None:
    predictions = evaluate(
        trained(WITH_EXTRACTOR), [order("55555"), order("12121", "track order {}")]
    )

    report = entity_report(predictions)

    assert "entity_recognition" not in report
    assert report["order_number"]["support"] == 2
    assert report["micro avg"]["f1-score"] > 0.0
    assert entity_summary(report).startswith("Entities: micro avg precision")


def test_cross_validation_without_an_entity_extractor_reports_entity_recognition_off() -> None:
    predictions = cross_validate(INTENT_ONLY, "en", small_training_data(), folds=2)

    assert entity_report(predictions)["entity_recognition"] == "off"


@pytest.mark.parametrize(
    ("classifier", "reason"),
    [
        (
            {"name": "DIETClassifier", "entity_recognition": False},
            "entity_recognition is false in DIETClassifier",
        ),
        (
            {"name": "LinearIntentEntityClassifier", "entity_recognition": False},
            "entity_recognition is false in LinearIntentEntityClassifier",
        ),
        ({"name": "MLPIntentClassifier"}, "entity_recognition is false in MLPIntentClassifier"),
        ({"name": "LogisticRegressionClassifier"}, "the NLU pipeline has no entity extractor"),
    ],
)
def test_a_pipeline_that_cannot_extract_entities_says_why(
    classifier: dict[str, object], reason: str
) -> None:
    pipeline = NLUPipeline.build([*INTENT_ONLY[:2], classifier, {"name": "FallbackClassifier"}])

    assert entity_recognition_off(pipeline) == reason


@pytest.mark.parametrize(
    "components",
    [
        [{"name": "DIETClassifier"}],
        [{"name": "LinearIntentEntityClassifier"}],
        [{"name": "DIETClassifier", "entity_recognition": False}, {"name": "RegexEntityExtractor"}],
        [{"name": "LogisticRegressionClassifier"}, {"name": "CRFEntityExtractor"}],
    ],
)
def test_a_pipeline_with_an_enabled_entity_extractor_is_not_off(
    components: list[dict[str, object]],
) -> None:
    assert entity_recognition_off(NLUPipeline.build([*INTENT_ONLY[:2], *components])) is None


class PluginComponent:
    """A component from outside ``nlu``: it may extract entities unless it says not."""

    def __init__(self, extracts: bool | None) -> None:
        if extracts is not None:
            self.extracts_entities = extracts


def test_a_plugin_component_may_extract_entities_unless_it_says_it_does_not() -> None:
    def pipeline(extracts: bool | None) -> NLUPipeline:
        spec = ComponentSpec("Plugin", "0_Plugin", {})
        return NLUPipeline([(spec, PluginComponent(extracts))])  # type: ignore[list-item]

    assert entity_recognition_off(pipeline(None)) is None
    assert entity_recognition_off(pipeline(True)) is None
    assert entity_recognition_off(pipeline(False)) == "the NLU pipeline has no entity extractor"


def test_a_prediction_holding_entities_is_scored_even_if_recognition_looked_off() -> None:
    example = order("12345")
    result = ParseResult(example.text, IntentPrediction("order_status", 0.9), example.entities)

    report = entity_report(
        [Prediction(example, result, "the NLU pipeline has no entity extractor")]
    )

    assert report["order_number"]["f1-score"] == 1.0
