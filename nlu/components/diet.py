"""``DIETClassifier``'s role (intents and entities in one step) filled by two linear models."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import Field, StrictBool, StrictInt

from nlu.components.entities import DEFAULT_SETTINGS as TAGGER_SETTINGS
from nlu.components.entities import LinearEntityTagger
from nlu.components.intent import DEFAULT_RANKING_LENGTH, LinearIntentClassifier
from nlu.components.linear import LinearOptions
from nlu.components.options import ComponentOptions, read_options
from nlu.components.rasa_options import options_of
from nlu.interfaces import Message, TrainingData

INTENT_DIRECTORY = "intent"
ENTITY_DIRECTORY = "entities"


class IntentEntityOptions(LinearOptions):
    """Rasa's ``intent_classification`` and ``entity_recognition`` (both default true),
    ``ranking_length``, and the linear-model options of both parts (``C``, ...). Rasa's
    neural-network options (``epochs``, ``constrain_similarities``, ...) have no effect."""

    rasa_options: ClassVar[frozenset[str]] = options_of("DIETClassifier")

    intent_classification: StrictBool = True
    entity_recognition: StrictBool = True
    ranking_length: StrictInt = Field(DEFAULT_RANKING_LENGTH, ge=1)


class IntentEntityClassifier:
    """The linear intent classifier followed by the linear entity tagger (options in
    :class:`IntentEntityOptions`)."""

    name: ClassVar[str] = "DIETClassifier"
    options_model: ClassVar[type[ComponentOptions]] = IntentEntityOptions

    def __init__(
        self, intents: LinearIntentClassifier | None, entities: LinearEntityTagger | None
    ) -> None:
        self.intents = intents
        self.entities = entities

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        parsed = read_options(IntentEntityOptions, cls.name, options)
        intents = entities = None
        if parsed.intent_classification:
            intents = LinearIntentClassifier(parsed.linear_settings(), parsed.ranking_length)
        if parsed.entity_recognition:
            entities = LinearEntityTagger(cls.name, parsed.linear_settings(TAGGER_SETTINGS))
        return cls(intents, entities)

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        if self.intents is not None:
            self.intents.train(data, messages)
        if self.entities is not None:
            self.entities.train(data, messages)

    def process(self, messages: Sequence[Message]) -> None:
        if self.intents is not None:
            self.intents.process(messages)
        if self.entities is not None:
            self.entities.process(messages)

    def persist(self, directory: Path) -> None:
        if self.intents is not None:
            (directory / INTENT_DIRECTORY).mkdir(exist_ok=True)
            self.intents.persist(directory / INTENT_DIRECTORY)
        if self.entities is not None:
            (directory / ENTITY_DIRECTORY).mkdir(exist_ok=True)
            self.entities.persist(directory / ENTITY_DIRECTORY)

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        classifier = cls.create(config, "")
        if classifier.intents is not None:
            classifier.intents.restore(directory / INTENT_DIRECTORY)
        if classifier.entities is not None:
            classifier.entities.restore(directory / ENTITY_DIRECTORY)
        return classifier
