"""The nearest training messages vote on the intent (``joint_neighbours``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nlu import NLUPipeline, TrainingData
from nlu.components.joint_neighbours import NEIGHBOURS_FILE, Neighbours
from nlu.components.joint_options import JointOptions
from nlu.interfaces import Entity, TrainingExample
from tests.nlu.test_joint_calibration import bot_data

EAST, NORTH = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])


def memory(k: int = 3, weight: float = 0.3) -> Neighbours:
    """Three training messages of intent 0 pointing east, three of intent 1 pointing north."""
    jitter = np.array([[0.0, 0.0, 0.0], [0.0, 0.05, 0.02], [0.0, 0.02, 0.05]])
    vectors = np.vstack([EAST + jitter, NORTH + jitter[:, [1, 0, 2]]])
    return Neighbours.of(vectors, np.array([0, 0, 0, 1, 1, 1]), k, weight)


def test_a_message_worded_like_training_examples_is_pulled_toward_their_intent() -> None:
    unsure = np.array([[0.45, 0.55], [0.45, 0.55]])  # the classifier leans to intent 1
    like_east, like_north = 2 * EAST + np.array([0.0, 0.1, 0.0]), NORTH + np.array([0.1, 0, 0])

    mixed = memory().mix(unsure, np.vstack([like_east, like_north]))

    assert mixed[0].argmax() == 0 and mixed[0, 0] == pytest.approx(0.7 * 0.45 + 0.3)
    assert mixed[1].argmax() == 1 and mixed[1, 1] == pytest.approx(0.7 * 0.55 + 0.3)
    assert mixed.sum(axis=1) == pytest.approx([1.0, 1.0])


def test_closer_neighbours_outvote_farther_ones() -> None:
    between = (EAST + 0.9 * NORTH)[None, :]  # nearer east, but not by much
    votes = memory(k=6).votes(between, np.array([[0.5, 0.5]]))[0]

    assert votes.sum() == pytest.approx(1.0)
    assert votes[0] > 0.8  # not the even split that counting the six would give


def test_only_the_classifiers_most_likely_intents_are_voted_for() -> None:
    """Seven intents; the message is worded like intent 6's examples, which the classifier
    ranks last: its examples are not compared, and the five likeliest intents share the vote."""
    axes = np.eye(7)
    confidences = np.array([[0.3, 0.2, 0.15, 0.12, 0.1, 0.08, 0.05]])
    kept = Neighbours.of(np.vstack([axes, axes]), np.tile(np.arange(7), 2), 3, 0.3)

    votes = kept.votes(axes[6][None, :] + 0.3 * axes[0], confidences)[0]

    assert votes[5] == votes[6] == 0.0
    assert votes.sum() == pytest.approx(1.0) and votes[0] > 0.9


def test_with_no_weight_the_classifier_decides_alone() -> None:
    unsure = np.array([[0.45, 0.55]])
    mixed = memory(weight=0.0).mix(unsure, EAST[None, :])
    assert mixed == pytest.approx(unsure)


def test_a_batch_is_mixed_like_its_messages_one_by_one() -> None:
    rng = np.random.default_rng(3)
    confidences = rng.dirichlet(np.ones(2), size=8)
    sentences = rng.normal(size=(8, 3))
    together = memory().mix(confidences, sentences)
    alone = np.vstack(
        [memory().mix(confidences[i : i + 1], sentences[i : i + 1]) for i in range(8)]
    )
    assert np.array_equal(together, alone)


def test_the_memory_is_stored_and_read_back(tmp_path: Path) -> None:
    kept = memory(k=4, weight=0.25)
    kept.save(tmp_path)
    read = Neighbours.load(tmp_path)

    assert read is not None and (read.k, read.weight) == (4, 0.25)
    assert np.array_equal(read.intents, kept.intents)
    assert read.vectors == pytest.approx(kept.vectors, abs=1e-3)  # stored as float16
    assert Neighbours.load(tmp_path / "elsewhere") is None


def test_a_fine_tuned_encoder_gets_ten_neighbours_by_default_frozen_features_none() -> None:
    recipe = JointOptions.model_validate({}).recipe()
    assert recipe.fine_tuned.neighbours == 10
    assert recipe.frozen.neighbours == 0
    assert JointOptions.model_validate({"neighbours": 3}).recipe().frozen.neighbours == 3
    with pytest.raises(ValueError, match="neighbour_weight"):
        JointOptions.model_validate({"neighbour_weight": 1.5})


PIPELINE: list[dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "LanguageModelFeaturizer"},
    {"name": "DIETClassifier", "fine_tune_encoder": False, "neighbours": 5, "epochs": 5},
]


def classifier(nlu: NLUPipeline) -> Any:
    return nlu.steps[-1][1]


def test_an_intent_model_keeps_its_training_messages_and_parses_alike_once_loaded(
    tmp_path: Path,
) -> None:
    data = TrainingData(examples=bot_data().examples[::8])
    nlu = NLUPipeline.build(PIPELINE)
    nlu.train(data)
    nlu.persist(tmp_path)
    loaded = NLUPipeline.load(tmp_path)
    text = "how much money is left in my travel account"

    kept = classifier(nlu).neighbours
    assert kept is not None and len(kept.intents) == len(data.examples) and kept.k == 5
    assert list(tmp_path.glob(f"*_DIETClassifier/{NEIGHBOURS_FILE}"))
    before = [(r.name, round(r.confidence, 3)) for r in nlu.parse(text).intent_ranking]
    after = [(r.name, round(r.confidence, 3)) for r in loaded.parse(text).intent_ranking]
    assert before == after


def test_an_entity_model_keeps_no_neighbours(tmp_path: Path) -> None:
    examples = [
        TrainingExample(
            f"weather in {city}", "weather", (Entity("city", city, 11, 11 + len(city)),)
        )
        for city in ("paris", "rome", "oslo", "berlin")
    ] + [TrainingExample(f"order a {food}", "order_food") for food in ("pizza", "curry")]
    nlu = NLUPipeline.build(PIPELINE)
    nlu.train(TrainingData(examples=tuple(examples)))
    nlu.persist(tmp_path)

    assert classifier(nlu).neighbours is None
    assert not list(tmp_path.glob(f"*_DIETClassifier/{NEIGHBOURS_FILE}"))
