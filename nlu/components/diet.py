"""``DIETClassifier``'s role (intents and entities in one step) filled by two linear models."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from nlu.components.entities import DEFAULT_SETTINGS as TAGGER_SETTINGS
from nlu.components.entities import LinearEntityTagger
from nlu.components.intent import DEFAULT_RANKING_LENGTH, LinearIntentClassifier
from nlu.components.linear import LinearSettings
from nlu.components.options import Options
from nlu.interfaces import Message, TrainingData

INTENT_DIRECTORY = "intent"
ENTITY_DIRECTORY = "entities"


class IntentEntityClassifier:
    """The linear intent classifier followed by the linear entity tagger.

    Options: Rasa's ``intent_classification`` and ``entity_recognition`` (both default
    true), ``ranking_length``, and the linear-model options of both parts (``C``, ...).
    Rasa's neural-network options (``epochs``, ``constrain_similarities``, ...) are ignored.
    """

    name: ClassVar[str] = "DIETClassifier"

    def __init__(
        self, intents: LinearIntentClassifier | None, entities: LinearEntityTagger | None
    ) -> None:
        self.intents = intents
        self.entities = entities

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        reader = Options(cls.name, options)
        intents = entities = None
        if reader.boolean("intent_classification", True):
            ranking_length = reader.integer("ranking_length", DEFAULT_RANKING_LENGTH, minimum=1)
            intents = LinearIntentClassifier(LinearSettings.read(reader), ranking_length)
        if reader.boolean("entity_recognition", True):
            entities = LinearEntityTagger(cls.name, LinearSettings.read(reader, TAGGER_SETTINGS))
        reader.finish()
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
