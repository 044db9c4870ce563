"""FallbackClassifier: unsure predictions become ``nlu_fallback``."""

from __future__ import annotations

import pytest

from nlu import INTENT_NLU_FALLBACK, IntentPrediction, NLUPipeline, PipelineConfigError
from nlu.components.fallback import FallbackClassifier
from nlu.interfaces import Message
from tests.nlu.data import four_intents


def classified(*ranking: tuple[str, float]) -> Message:
    predictions = [IntentPrediction(name, confidence) for name, confidence in ranking]
    return Message(text="some text", intent=predictions[0], intent_ranking=predictions)


def after_fallback(message: Message, **options: float) -> Message:
    FallbackClassifier.create(options, "").process([message])
    return message


def test_a_confident_clear_prediction_is_kept() -> None:
    message = after_fallback(classified(("greet", 0.7), ("bye", 0.2)))

    assert message.intent == IntentPrediction("greet", 0.7)


def test_below_threshold_the_fallback_leads_and_the_ranking_is_kept() -> None:
    message = after_fallback(classified(("greet", 0.25), ("bye", 0.1)))

    assert message.intent == IntentPrediction(INTENT_NLU_FALLBACK, 0.4)
    assert message.intent_ranking == [
        IntentPrediction(INTENT_NLU_FALLBACK, 0.4),
        IntentPrediction("greet", 0.25),
        IntentPrediction("bye", 0.1),
    ]


@pytest.mark.parametrize(
    ("top", "second", "falls_back"),
    [(0.45, 0.40, True), (0.55, 0.40, False)],
    ids=["closer-than-ambiguity-threshold", "clear-winner"],
)
def test_two_close_intents_are_ambiguous(top: float, second: float, falls_back: bool) -> None:
    message = after_fallback(classified(("greet", top), ("bye", second)))

    assert message.intent is not None
    assert (message.intent.name == INTENT_NLU_FALLBACK) is falls_back


def test_thresholds_come_from_the_options() -> None:
    message = after_fallback(classified(("greet", 0.6), ("bye", 0.1)), threshold=0.7)

    assert message.intent == IntentPrediction(INTENT_NLU_FALLBACK, 0.7)


def test_no_prediction_at_all_falls_back() -> None:
    message = after_fallback(Message(text=""))

    assert message.intent == IntentPrediction(INTENT_NLU_FALLBACK, 0.4)


def test_a_threshold_outside_zero_to_one_is_rejected() -> None:
    with pytest.raises(PipelineConfigError, match=r"FallbackClassifier.*'threshold'"):
        NLUPipeline.build([{"name": "FallbackClassifier", "threshold": 3}])


def test_the_pipeline_falls_back_on_text_unlike_any_example() -> None:
    nlu = NLUPipeline.build(
        [
            {"name": "WhitespaceTokenizer"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "LogisticRegressionClassifier"},
            {"name": "FallbackClassifier", "threshold": 0.5},
        ]
    )
    nlu.train(four_intents())

    unclear = nlu.parse("zebra xylophone quantum")
    clear = nlu.parse("where is my order")

    assert unclear.intent == IntentPrediction(INTENT_NLU_FALLBACK, 0.5)
    assert {p.name for p in unclear.intent_ranking[1:]} == set(four_intents().intents)
    assert clear.intent_name == "order_status"
