"""The joint classifier's default recipe: fine-tuning on large data, frozen features on tiny
data, and the config's own options over both (``joint_options.Recipe``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nlu import NLUPipeline
from nlu.components.joint_options import (
    FINE_TUNE_MIN_EXAMPLES,
    FINE_TUNED_DEFAULTS,
    FINE_TUNED_ENTITY_DEFAULTS,
    JointOptions,
    MLPOptions,
    Recipe,
)
from nlu.components.training import epochs_for
from tests.nlu.data import flights, four_intents

LARGE = 10 * FINE_TUNE_MIN_EXAMPLES
TINY = 300


def test_without_options_large_data_fine_tunes_the_encoder_with_the_tuned_recipe() -> None:
    settings = JointOptions().recipe().for_examples(LARGE)

    assert settings.fine_tune_encoder
    assert settings.training.epochs == FINE_TUNED_DEFAULTS["epochs"] == 4
    assert settings.max_length == FINE_TUNED_DEFAULTS["max_length"] == 32
    assert settings.training.encoder_learning_rate == FINE_TUNED_DEFAULTS["encoder_learning_rate"]
    assert settings.transformer_layers == 0


def test_without_options_tiny_data_reads_frozen_features_with_the_usual_defaults() -> None:
    settings = JointOptions().recipe().for_examples(TINY)

    assert not settings.fine_tune_encoder
    assert settings.training.epochs == 40
    assert settings.transformer_layers == 1


def test_the_rule_switches_at_the_documented_size() -> None:
    recipe = JointOptions().recipe()

    assert not recipe.for_examples(FINE_TUNE_MIN_EXAMPLES - 1).fine_tune_encoder
    assert recipe.for_examples(FINE_TUNE_MIN_EXAMPLES).fine_tune_encoder


@pytest.mark.parametrize(
    ("choice", "examples"), [(False, LARGE), (True, TINY)], ids=["frozen-large", "tuned-tiny"]
)
def test_an_explicit_fine_tune_encoder_wins_over_the_rule(choice: bool, examples: int) -> None:
    options = JointOptions.model_validate({"fine_tune_encoder": choice})

    assert options.recipe().for_examples(examples).fine_tune_encoder is choice


def test_an_explicit_option_wins_over_the_tuned_recipe() -> None:
    options = JointOptions.model_validate({"epochs": 7, "number_of_transformer_layers": 2})

    settings = options.recipe().for_examples(LARGE)

    assert settings.fine_tune_encoder
    assert settings.training.epochs == 7
    assert settings.transformer_layers == 2
    assert settings.max_length == 32


def test_fine_tuning_on_entity_annotations_takes_6_passes_up_to_1100_updates() -> None:
    recipe = JointOptions().recipe()

    with_entities = recipe.for_examples(LARGE, entities=True).training
    without = recipe.for_examples(LARGE, entities=False).training

    assert dict(FINE_TUNED_ENTITY_DEFAULTS) == {"epochs": 6, "max_steps": 1100}
    assert (with_entities.epochs, with_entities.max_steps) == (6, 1100)
    assert (without.epochs, without.max_steps) == (4, 4000)
    assert recipe.for_examples(LARGE, entities=True).fine_tune_encoder
    assert recipe.for_examples(TINY, entities=True).training.epochs == 40  # frozen features
    # ATIS-sized data gets its 6 passes; Snips-sized data stops after 3 (1,104 updates).
    assert epochs_for(with_entities, batches=4030 // 32 + 1) == 6
    assert epochs_for(with_entities, batches=11776 // 32 + 1) == 3
    assert epochs_for(with_entities, batches=900 // 32 + 1) == 6


def test_configured_epochs_win_over_the_entity_defaults() -> None:
    options = JointOptions.model_validate({"epochs": 2})

    assert options.recipe().for_examples(LARGE, entities=True).training.epochs == 2


def test_mlp_intent_classifier_stays_on_frozen_features_on_large_data() -> None:
    assert not MLPOptions().recipe().for_examples(LARGE).fine_tune_encoder


def test_a_tiny_bot_trained_with_defaults_stores_no_encoder_of_its_own(tmp_path: Path) -> None:
    nlu = NLUPipeline.build(
        [
            {"name": "WhitespaceTokenizer"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "DIETClassifier"},
        ]
    )
    nlu.train(four_intents())
    nlu.persist(tmp_path)

    assert list(tmp_path.glob("*_DIETClassifier/weights.safetensors"))
    assert not list(tmp_path.glob("*_DIETClassifier/encoder"))
    assert nlu.parse("hello there").intent_name == "greet"


@pytest.mark.parametrize(
    ("data", "entity_recognition", "expected"),
    [(flights, True, True), (four_intents, True, False), (flights, False, False)],
    ids=["annotated", "no-annotations", "entities-off"],
)
def test_training_tells_the_recipe_whether_entities_are_learned(
    data: Any, entity_recognition: bool, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[bool] = []
    for_examples = Recipe.for_examples
    monkeypatch.setattr(
        Recipe,
        "for_examples",
        lambda self, count, entities=False: asked.append(entities) or for_examples(self, count),
    )
    nlu = NLUPipeline.build(
        [
            {"name": "WhitespaceTokenizer"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "DIETClassifier", "epochs": 1, "entity_recognition": entity_recognition},
        ]
    )
    nlu.train(data())

    assert asked == [expected]
