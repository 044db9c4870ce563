"""Calibrated intent confidences of the joint classifier (``joint_calibration``), and the
default fallback that they make meaningful."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nlu import INTENT_NLU_FALLBACK, NLUPipeline, TrainingData
from nlu.components.joint_calibration import (
    CALIBRATION_MIN_EXAMPLES,
    Calibration,
    calibration_split,
    fit_temperature,
)
from nlu.interfaces import TrainingExample

TEMPLATES = {
    "check_balance": [
        "what is the balance of my {} account",
        "how much money is left in my {} account",
        "show me my {} account balance",
        "tell me the balance on my {} account",
    ],
    "order_food": [
        "order a {} for dinner",
        "i would like a {} delivered",
        "can you get me a {} to eat",
        "please order me a {} now",
    ],
    "weather": [
        "what is the weather like in {}",
        "will it rain in {} tomorrow",
        "how warm is it in {} today",
        "weather forecast for {} please",
    ],
}
FILLERS = {
    "check_balance": "savings checking joint business student travel household pension",
    "order_food": "pizza burger salad curry sandwich burrito noodle kebab",
    "weather": "paris berlin london rome madrid vienna oslo lisbon",
}
OPENINGS = ["", "hey ", "please ", "hi bot ", "quick question ", "excuse me ", "so ", "ok "]
OPENINGS += ["hello ", "um ", "right "]


MISLABELLED = 6
"""Every 6th example is labelled with another intent, as annotators do: a model that learns
those by heart is overconfident on messages it has not seen, which calibration corrects."""


def bot_data() -> TrainingData:
    names = list(TEMPLATES)
    made = [
        TrainingExample(opening + pattern.format(word), intent)
        for intent, patterns in TEMPLATES.items()
        for opening, pattern, word in itertools.product(OPENINGS, patterns, FILLERS[intent].split())
    ]
    for i in range(0, len(made), MISLABELLED):
        wrong = names[(names.index(made[i].intent or "") + 1) % len(names)]
        made[i] = TrainingExample(made[i].text, wrong)
    return TrainingData(examples=tuple(made))


IN_SCOPE = [
    ("what is the balance of my credit account", "check_balance"),
    ("order a soup for lunch please", "order_food"),
    ("will it snow in munich tomorrow", "weather"),
]
UNCLAIMED = ["hello there", "cancel my gym membership"]
"""Messages no intent claims: each intent gets a share, none a calibrated majority."""
PIPELINE: list[dict[str, object]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4},
    {"name": "LanguageModelFeaturizer"},
    # Defaults, except that 1,000 examples would fine-tune the encoder: minutes, not seconds.
    {"name": "DIETClassifier", "fine_tune_encoder": False},
    {"name": "FallbackClassifier"},
]


def classifier(nlu: NLUPipeline) -> Any:
    return next(c for spec, c in nlu.steps if spec.name == "DIETClassifier")


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert len(bot_data().examples) >= CALIBRATION_MIN_EXAMPLES
    nlu = NLUPipeline.build(PIPELINE)
    nlu.train(bot_data())
    directory = tmp_path_factory.mktemp("calibrated")
    nlu.persist(directory)
    return directory


@pytest.mark.parametrize(("text", "intent"), IN_SCOPE, ids=[i for _, i in IN_SCOPE])
def test_an_in_scope_message_is_classified_with_the_default_fallback(
    calibrated: Path, text: str, intent: str
) -> None:
    assert NLUPipeline.load(calibrated).parse(text).intent_name == intent


@pytest.mark.parametrize("text", UNCLAIMED, ids=["greeting", "gym"])
def test_a_message_no_intent_claims_falls_back_with_the_default_fallback(
    calibrated: Path, text: str
) -> None:
    assert NLUPipeline.load(calibrated).parse(text).intent_name == INTENT_NLU_FALLBACK


def test_confidences_differ_from_the_raw_softmax_as_the_fitted_temperature_says(
    calibrated: Path,
) -> None:
    nlu = NLUPipeline.load(calibrated)
    temperature = classifier(nlu).calibration.temperature
    text = "how much money is in my bank"

    calibrated_ranking = nlu.parse(text).intent_ranking[1:]  # after nlu_fallback, if any
    classifier(nlu).calibration = None
    raw = {r.name: r.confidence for r in nlu.parse(text).intent_ranking}

    assert list(calibrated.glob("*_DIETClassifier/calibration.npz"))
    assert abs(math.log(temperature)) > 0.05
    first, second = calibrated_ranking[0], calibrated_ranking[1]
    raw_gap = math.log(raw[first.name] / raw[second.name])
    assert math.log(first.confidence / second.confidence) == pytest.approx(
        raw_gap / temperature, rel=1e-3
    )


def test_a_tiny_bot_keeps_the_plain_softmax(tmp_path: Path) -> None:
    small = TrainingData(examples=bot_data().examples[::10])
    nlu = NLUPipeline.build([*PIPELINE[:3], {"name": "DIETClassifier", "epochs": 5}])
    nlu.train(small)
    nlu.persist(tmp_path)

    assert classifier(nlu).calibration is None
    assert not list(tmp_path.glob("*_DIETClassifier/calibration.npz"))


def test_the_fitted_temperature_is_the_one_that_made_the_labels() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=4.0, size=(4000, 5))
    scaled = np.exp(logits / 2.5)
    labels = [rng.choice(5, p=row / row.sum()) for row in scaled]

    assert fit_temperature(logits, np.asarray(labels)) == pytest.approx(2.5, rel=0.1)


def test_a_calibrated_confidence_is_the_softmax_of_the_logits_over_the_temperature() -> None:
    logits = np.asarray([[2.0, 0.0, -1.0]])

    confidences = Calibration(2.0).confidences(logits)

    expected = np.exp(logits / 2.0) / np.exp(logits / 2.0).sum()
    np.testing.assert_allclose(confidences, expected, rtol=1e-6)
    assert confidences[0, 0] < np.exp(2.0) / np.exp(logits).sum()


@pytest.mark.parametrize(
    ("examples", "held_out"),
    [
        (1_000, 100),  # 10% of each intent
        (4_000, 400),
        (6_000, 500),  # 500 messages fit a temperature; the rest train
        (10_000, 500),
        (20_000, 1_000),  # never under 5%
    ],
)
def test_the_calibration_split_holds_out_a_tenth_up_to_500_messages_and_at_least_5_percent(
    examples: int, held_out: int
) -> None:
    intents = np.repeat(np.arange(4), examples // 4)

    held = calibration_split(intents, seed=1)

    assert held.sum() == pytest.approx(held_out, abs=4)  # rounded down per intent
    counts = np.bincount(intents[held], minlength=4)
    assert counts.max() - counts.min() <= 1  # the same share of each intent
