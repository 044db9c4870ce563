"""The options of the joint torch classifier (``DIETClassifier``) and of ``MLPIntentClassifier``.

The option names are Rasa's where Rasa has one (``epochs``, ``drop_rate``,
``number_of_transformer_layers``, ...); :class:`JointSettings` is what the classifier
uses, in its own words. Every default is :class:`JointSettings`'s, except that where the
training data is large enough for fine-tuning (:data:`FINE_TUNE_MIN_EXAMPLES`) and
``fine_tune_encoder`` is not set, :data:`FINE_TUNED_DEFAULTS` replace the defaults of the
options the config leaves out (:class:`Recipe`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, StrictBool, StrictFloat, StrictInt, StrictStr
from pydantic_core import PydanticUseDefault

from nlu.components.encoder import DEFAULT_MAX_LENGTH
from nlu.components.intent import DEFAULT_RANKING_LENGTH
from nlu.components.options import ComponentOptions, TextOrDefault
from nlu.components.rasa_options import options_of


@dataclass(frozen=True)
class TrainingSettings:
    epochs: int = 40
    min_steps: int = 150
    batch_size: int = 32
    learning_rate: float = 3e-3
    encoder_learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    max_steps: int | None = 4000  # updates; None: no cap (see ``training.epochs_for``)
    validation_examples: int = 0
    patience: int = 5
    seed: int = 42
    max_training_time: float | None = None  # seconds; training stops after the epoch that passes it


@dataclass(frozen=True)
class JointSettings:
    intent_classification: bool = True
    entity_recognition: bool = True
    use_dense_features: bool = True
    fine_tune_encoder: bool = False
    model_weights: str | None = None
    max_length: int = DEFAULT_MAX_LENGTH
    hidden: tuple[int, ...] = ()
    transformer_size: int = 128
    transformer_layers: int = 1
    heads: int = 4
    dropout: float = 0.1
    ranking_length: int = DEFAULT_RANKING_LENGTH
    split_symbol: str = "+"
    neighbours: int = 0  # training messages voting on the intent (joint_neighbours); 0: none
    neighbour_weight: float = 0.3
    training: TrainingSettings = dataclasses.field(default_factory=TrainingSettings)


FINE_TUNE_MIN_EXAMPLES = 1000
"""From this many intent examples the classifier fine-tunes its encoder unless the config says
otherwise; below it, it reads frozen features. The fine-tuning recipe gives 94.19% on BANKING77
(10,003 examples, ``bench/nlu_banking77.py``); a bot of a few hundred examples trains in
seconds on frozen features, where fine-tuning a 22M-parameter encoder would take minutes."""

FINE_TUNED_DEFAULTS: Mapping[str, Any] = {
    "epochs": 4,
    "max_length": 32,
    "encoder_learning_rate": 1e-4,
    "number_of_transformer_layers": 0,
    "neighbours": 10,
}
"""The defaults that differ when the encoder is fine-tuned (tuned on BANKING77 train, 90% of each
intent trained and 10% scored): the encoder learns in 4 passes (3: 93.42%, 4: 93.72%, 5: 93.72%),
32 sub-words hold nearly every chat message, and the 10 nearest training messages vote on the
intent (:mod:`nlu.components.joint_neighbours`: 93.16% without, 93.68% with)."""

FINE_TUNED_ENTITY_DEFAULTS: Mapping[str, Any] = {"epochs": 6, "max_steps": 1100}
"""When fine-tuning on data with entity annotations, these defaults replace the recipe's: the
CRF entity head needs more updates than the intents (ATIS, 4,478 examples: 3 passes gave
entity F1 94.1, 6 passes 95.4), while a large set stops at 1,100 updates (Snips' 13,084
examples: 3 passes), so training time stops growing with the data. The nearest training
messages vote only in intent-only models."""


@dataclass(frozen=True)
class Recipe:
    """The settings to train with on frozen features and when fine-tuning the encoder, and
    the config's own ``fine_tune_encoder`` (``None``: the size of the training data decides)."""

    frozen: JointSettings
    fine_tuned: JointSettings
    fine_tuned_entities: JointSettings  # fine-tuning on data with entity annotations
    fine_tune_encoder: bool | None

    @property
    def before_training(self) -> JointSettings:
        return self.fine_tuned if self.fine_tune_encoder else self.frozen

    def for_examples(self, count: int, entities: bool = False) -> JointSettings:
        """The settings for ``count`` intent examples (``entities``: some carry entity
        annotations): the config's choice if it made one, else fine-tuning from
        :data:`FINE_TUNE_MIN_EXAMPLES` examples."""
        fine_tune = self.fine_tune_encoder
        if fine_tune is None:
            fine_tune = count >= FINE_TUNE_MIN_EXAMPLES
        if not fine_tune:
            return self.frozen
        return self.fine_tuned_entities if entities else self.fine_tuned


def _text_size(value: Any) -> Any:
    """Rasa's ``{text: n, label: m}`` form gives the text size (none: the default)."""
    if isinstance(value, dict):
        value = value.get("text")
        if value is None:
            raise PydanticUseDefault()
    return value


def _first_size(value: Any) -> Any:
    """Rasa grows the batch over training from ``[first, last]``; Parley keeps the first."""
    if isinstance(value, list) and value and all(isinstance(size, int) for size in value):
        return value[0]
    return value


LayerSize = Annotated[StrictInt, Field(ge=0), BeforeValidator(_text_size)]
LayerSizes = Annotated[tuple[Annotated[StrictInt, Field(gt=0)], ...], BeforeValidator(_text_size)]
BatchSize = Annotated[StrictInt, Field(ge=1), BeforeValidator(_first_size)]

_BASE = JointSettings()
_TRAINING = TrainingSettings()


class JointOptions(ComponentOptions):
    """Options of the joint classifier; the README lists what each one does."""

    rasa_options: ClassVar[frozenset[str]] = options_of("DIETClassifier")

    intent_classification: StrictBool = _BASE.intent_classification
    entity_recognition: StrictBool = _BASE.entity_recognition
    use_dense_features: StrictBool = _BASE.use_dense_features
    fine_tune_encoder: StrictBool | None = None
    model_weights: StrictStr | None = _BASE.model_weights
    max_length: StrictInt = Field(_BASE.max_length, ge=8)
    hidden_layers_sizes: LayerSizes = _BASE.hidden
    transformer_size: LayerSize = _BASE.transformer_size
    number_of_transformer_layers: LayerSize = _BASE.transformer_layers
    number_of_attention_heads: StrictInt = Field(_BASE.heads, ge=1)
    drop_rate: StrictFloat = Field(_BASE.dropout, ge=0.0, le=0.9)
    ranking_length: StrictInt = Field(_BASE.ranking_length, ge=1)
    intent_split_symbol: TextOrDefault = _BASE.split_symbol
    neighbours: StrictInt = Field(_BASE.neighbours, ge=0)
    neighbour_weight: StrictFloat = Field(_BASE.neighbour_weight, ge=0.0, le=1.0)
    epochs: StrictInt = Field(_TRAINING.epochs, ge=1)
    min_steps: StrictInt = Field(_TRAINING.min_steps, ge=0)
    max_steps: StrictInt = Field(_TRAINING.max_steps or 0, ge=0)
    batch_size: BatchSize = _TRAINING.batch_size
    learning_rate: StrictFloat = Field(_TRAINING.learning_rate, ge=0.0)
    encoder_learning_rate: StrictFloat = Field(_TRAINING.encoder_learning_rate, ge=0.0)
    weight_decay: StrictFloat = Field(_TRAINING.weight_decay, ge=0.0)
    warmup_fraction: StrictFloat = Field(_TRAINING.warmup_fraction, ge=0.0, le=1.0)
    evaluate_on_number_of_examples: StrictInt = Field(_TRAINING.validation_examples, ge=0)
    early_stopping_patience: StrictInt = Field(_TRAINING.patience, ge=1)
    random_seed: StrictInt = _TRAINING.seed
    max_training_time: StrictFloat | None = Field(_TRAINING.max_training_time, gt=0)

    def recipe(self) -> Recipe:
        """Frozen-feature and fine-tuning settings; options the config sets apply to both."""
        unset = set(type(self).model_fields) - self.model_fields_set
        tuned = {k: v for k, v in FINE_TUNED_DEFAULTS.items() if k in unset}
        tuned["fine_tune_encoder"] = True
        entity = {k: v for k, v in FINE_TUNED_ENTITY_DEFAULTS.items() if k in unset}
        return Recipe(
            frozen=self.model_copy(update={"fine_tune_encoder": False}).joint_settings(),
            fine_tuned=self.model_copy(update=tuned).joint_settings(),
            fine_tuned_entities=self.model_copy(update=tuned | entity).joint_settings(),
            fine_tune_encoder=self.fine_tune_encoder,
        )

    def joint_settings(self) -> JointSettings:
        return JointSettings(
            intent_classification=self.intent_classification,
            entity_recognition=self.entity_recognition,
            use_dense_features=self.use_dense_features,
            fine_tune_encoder=bool(self.fine_tune_encoder),
            model_weights=self.model_weights,
            max_length=self.max_length,
            hidden=self.hidden_layers_sizes,
            transformer_size=self.transformer_size,
            transformer_layers=self.number_of_transformer_layers,
            heads=self.number_of_attention_heads,
            dropout=self.drop_rate,
            ranking_length=self.ranking_length,
            split_symbol=self.intent_split_symbol,
            neighbours=self.neighbours,
            neighbour_weight=self.neighbour_weight,
            training=self.training_settings(),
        )

    def training_settings(self) -> TrainingSettings:
        return TrainingSettings(
            epochs=self.epochs,
            min_steps=self.min_steps,
            max_steps=self.max_steps or None,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            encoder_learning_rate=self.encoder_learning_rate,
            weight_decay=self.weight_decay,
            warmup_fraction=self.warmup_fraction,
            validation_examples=self.evaluate_on_number_of_examples,
            patience=self.early_stopping_patience,
            seed=self.random_seed,
            max_training_time=self.max_training_time,
        )


class MLPOptions(JointOptions):
    """The joint classifier's options with an MLP's defaults; a Parley component, so no
    Rasa option is accepted without effect."""

    rasa_options: ClassVar[frozenset[str]] = frozenset()

    entity_recognition: StrictBool = False
    fine_tune_encoder: StrictBool | None = False
    number_of_transformer_layers: LayerSize = 0
    hidden_layers_sizes: LayerSizes = (256,)
