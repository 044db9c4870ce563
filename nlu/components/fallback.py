"""Replace an unsure intent prediction by ``nlu_fallback``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import Field, StrictFloat

from nlu.components.options import ComponentOptions, read_options
from nlu.components.rasa_options import options_of
from nlu.interfaces import INTENT_NLU_FALLBACK, IntentPrediction, Message, TrainingData

DEFAULT_THRESHOLD = 0.4
"""Chosen on BANKING77's train split with 19 of its 77 intents held out as unknown (a model
fine-tuned on 50 examples of each known intent): on the joint classifier's calibrated
confidences, the highest threshold in steps of 0.05 that, with the default
``ambiguity_threshold``, loses under 1 point of accuracy on held-out known-intent examples
(0.4: -0.7 points, 26.4% of the unknown intents' examples refused; 0.45: -1.0). Rasa's
default is 0.3."""


class FallbackOptions(ComponentOptions):
    """``threshold`` and ``ambiguity_threshold``, each between 0 and 1."""

    rasa_options: ClassVar[frozenset[str]] = options_of("FallbackClassifier")

    threshold: StrictFloat = Field(DEFAULT_THRESHOLD, ge=0.0, le=1.0)
    ambiguity_threshold: StrictFloat = Field(0.1, ge=0.0, le=1.0)


class FallbackClassifier:
    """Predicts ``nlu_fallback`` (confidence = ``threshold``) when there is no intent, the top
    confidence is below ``threshold`` (default 0.4, see :data:`DEFAULT_THRESHOLD`), or the
    top two are closer than ``ambiguity_threshold`` (default 0.1). The fallback is put first
    in the ranking, the original ranking follows it.
    """

    name: ClassVar[str] = "FallbackClassifier"
    reads_training_messages: ClassVar[bool] = False  # trains on the data alone
    options_model: ClassVar[type[ComponentOptions]] = FallbackOptions

    def __init__(
        self, threshold: float = DEFAULT_THRESHOLD, ambiguity_threshold: float = 0.1
    ) -> None:
        self.threshold = threshold
        self.ambiguity_threshold = ambiguity_threshold

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        parsed = read_options(FallbackOptions, cls.name, options)
        return cls(parsed.threshold, parsed.ambiguity_threshold)

    def is_unsure(self, message: Message) -> bool:
        if message.intent is None or message.intent.confidence < self.threshold:
            return True
        ranking = message.intent_ranking
        return len(ranking) > 1 and (
            ranking[0].confidence - ranking[1].confidence < self.ambiguity_threshold
        )

    def process(self, messages: Sequence[Message]) -> None:
        for message in messages:
            if message.intent is not None and message.intent.name == INTENT_NLU_FALLBACK:
                continue
            if self.is_unsure(message):
                message.intent = IntentPrediction(INTENT_NLU_FALLBACK, self.threshold)
                message.intent_ranking = [message.intent, *message.intent_ranking]

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        return None

    def persist(self, directory: Path) -> None:
        return None

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        return cls.create(config, "")
