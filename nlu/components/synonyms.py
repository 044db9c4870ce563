"""Replace extracted entity values by their canonical value from the training synonyms."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from nlu.components.options import ComponentOptions, read_options
from nlu.components.storage import read_json_object, write_json
from nlu.interfaces import Entity, Message, TrainingData

SYNONYMS_FILE = "synonyms.json"


def learned_synonyms(data: TrainingData) -> dict[str, str]:
    """``synonym:`` entries plus annotations whose value differs from their text, keyed
    by lower-cased surface text."""
    synonyms: dict[str, str] = {}
    for example in data.examples:
        for entity in example.entities:
            if entity.start is None or entity.end is None or not isinstance(entity.value, str):
                continue
            surface = example.text[entity.start : entity.end]
            if surface != entity.value:
                synonyms[surface.lower()] = entity.value
    synonyms.update({surface.lower(): value for surface, value in data.synonyms.items()})
    return synonyms


class EntitySynonymMapperOptions(ComponentOptions):
    """None: Rasa's EntitySynonymMapper has none either."""


class EntitySynonymMapper:
    """Maps string entity values case-insensitively; mapped entities list this component
    in ``processors``."""

    name: ClassVar[str] = "EntitySynonymMapper"
    reads_training_messages: ClassVar[bool] = False  # trains on the data alone
    options_model: ClassVar[type[ComponentOptions]] = EntitySynonymMapperOptions

    def __init__(self) -> None:
        self.synonyms: dict[str, str] = {}

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        read_options(EntitySynonymMapperOptions, cls.name, options)
        return cls()

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        self.synonyms = learned_synonyms(data)

    def map(self, entity: Entity) -> Entity:
        if not isinstance(entity.value, str):
            return entity
        value = self.synonyms.get(entity.value.lower())
        if value is None or value == entity.value:
            return entity
        return dataclasses.replace(entity, value=value, processors=(*entity.processors, self.name))

    def process(self, messages: Sequence[Message]) -> None:
        for message in messages:
            message.entities = [self.map(entity) for entity in message.entities]

    def persist(self, directory: Path) -> None:
        write_json(directory / SYNONYMS_FILE, {"synonyms": self.synonyms})

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        stored = read_json_object(directory / SYNONYMS_FILE, "synonyms")
        mapper = cls.create(config, "")
        mapper.synonyms = {str(k): str(v) for k, v in dict(stored["synonyms"]).items()}
        return mapper
