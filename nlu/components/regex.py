"""Regex and lookup-table patterns from the training data: as features and as entities."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import StrictBool

from nlu.components.features import SparseFeatures, SparseRow
from nlu.components.options import ComponentOptions, read_options
from nlu.components.patterns import (
    NamedPattern,
    PatternOptions,
    collect_patterns,
    find_spans,
    load_patterns,
    save_patterns,
)
from nlu.components.rasa_options import options_of
from nlu.components.tokenizer import covered_text
from nlu.interfaces import Entity, Message, Token, TrainingData

logger = logging.getLogger(__name__)

PATTERNS_FILE = "patterns.json"
Compiled = list[tuple[NamedPattern, re.Pattern[str]]]


class RegexFeaturizerOptions(ComponentOptions):
    """Rasa's names: ``case_sensitive`` (default true), ``use_word_boundaries``,
    ``use_regexes``, ``use_lookup_tables`` (each default true)."""

    rasa_options: ClassVar[frozenset[str]] = options_of("RegexFeaturizer")

    case_sensitive: StrictBool = True
    use_word_boundaries: StrictBool = True
    use_regexes: StrictBool = True
    use_lookup_tables: StrictBool = True

    def pattern_options(self) -> PatternOptions:
        return PatternOptions(
            case_sensitive=self.case_sensitive,
            word_boundaries=self.use_word_boundaries,
            use_regexes=self.use_regexes,
            use_lookups=self.use_lookup_tables,
        )


class RegexExtractorOptions(RegexFeaturizerOptions):
    """As the featurizer's, but ``case_sensitive`` defaults to false."""

    rasa_options: ClassVar[frozenset[str]] = options_of("RegexEntityExtractor")

    case_sensitive: StrictBool = False


class RegexFeaturizer:
    """One feature per regex and per lookup table: does it match the message / this token?
    Options in :class:`RegexFeaturizerOptions`."""

    name: ClassVar[str] = "RegexFeaturizer"
    options_model: ClassVar[type[ComponentOptions]] = RegexFeaturizerOptions

    def __init__(self, key: str, options: PatternOptions) -> None:
        self.key = key
        self.options = options
        self.patterns: Compiled = []

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        parsed = read_options(RegexFeaturizerOptions, cls.name, options)
        return cls(key, parsed.pattern_options())

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        self.patterns = [(p, p.compile()) for p in collect_patterns(data, self.options)]

    def _features(self, message: Message) -> SparseFeatures:
        text = covered_text(message)
        sentence: dict[int, float] = {}
        tokens: list[dict[int, float]] = [{} for _ in message.tokens]
        for column, (_, regex) in enumerate(self.patterns):
            for start, end in find_spans(regex, text):
                sentence[column] = 1.0
                for i in _overlapping(message.tokens, start, end):
                    tokens[i][column] = 1.0
        rows: tuple[SparseRow, ...] = tuple(tokens)
        return SparseFeatures(len(self.patterns), sentence, rows)

    def process(self, messages: Sequence[Message]) -> None:
        for message in messages:
            message.features[self.key] = self._features(message)

    def persist(self, directory: Path) -> None:
        save_patterns(directory / PATTERNS_FILE, self.key, (p for p, _ in self.patterns))

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        key, patterns = load_patterns(directory / PATTERNS_FILE)
        featurizer = cls.create(config, key)
        featurizer.patterns = patterns
        return featurizer


def _overlapping(tokens: Sequence[Token], start: int, end: int) -> list[int]:
    return [i for i, t in enumerate(tokens) if t.start < end and t.end > start]


class RegexEntityExtractor:
    """Entities from regexes and lookup tables named like an annotated entity type.

    Options in :class:`RegexExtractorOptions`. Of overlapping matches the leftmost-longest
    wins.
    """

    name: ClassVar[str] = "RegexEntityExtractor"
    reads_training_messages: ClassVar[bool] = False  # trains on the data alone
    options_model: ClassVar[type[ComponentOptions]] = RegexExtractorOptions

    def __init__(self, options: PatternOptions) -> None:
        self.options = options
        self.patterns: Compiled = []

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        return cls(read_options(RegexExtractorOptions, cls.name, options).pattern_options())

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        entity_types = set(data.entity_types)
        unused = (set(data.regexes) | set(data.lookups)) - entity_types
        if unused:
            logger.info(
                "%s: no annotated examples for %s; those patterns only serve as features",
                self.name,
                ", ".join(sorted(unused)),
            )
        patterns = collect_patterns(data, self.options, names=entity_types)
        self.patterns = [(p, p.compile()) for p in patterns]

    def extract(self, text: str) -> list[Entity]:
        found = [
            (start, end, pattern.name)
            for pattern, regex in self.patterns
            for start, end in find_spans(regex, text)
        ]
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        entities: list[Entity] = []
        for start, end, name in found:
            if entities and start < (entities[-1].end or 0):
                continue
            entities.append(Entity(name, text[start:end], start, end, extractor=self.name))
        return entities

    def process(self, messages: Sequence[Message]) -> None:
        for message in messages:
            message.entities.extend(self.extract(covered_text(message)))

    def persist(self, directory: Path) -> None:
        save_patterns(directory / PATTERNS_FILE, "", (p for p, _ in self.patterns))

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        _, patterns = load_patterns(directory / PATTERNS_FILE)
        extractor = cls.create(config, "")
        extractor.patterns = patterns
        return extractor
