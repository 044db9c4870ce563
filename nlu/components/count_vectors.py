"""Bag-of-n-grams features over a vocabulary learned from the training examples."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, StrictBool, StrictInt, StrictStr

from nlu.components.features import SparseFeatures, SparseRow
from nlu.components.options import ComponentOptions, Pattern, Strings, read_options
from nlu.components.rasa_options import options_of
from nlu.components.storage import read_vocabulary, write_vocabulary
from nlu.errors import PipelineConfigError
from nlu.interfaces import Message, TrainingData

Analyzer = Literal["word", "char", "char_wb"]


@dataclass(frozen=True)
class CountSettings:
    analyzer: Analyzer = "word"
    min_ngram: int = 1
    max_ngram: int = 1
    token_pattern: str = r"(?u)\b\w+\b"
    lowercase: bool = True
    min_df: int = 1
    max_features: int | None = None
    oov_token: str | None = None
    oov_words: tuple[str, ...] = ()


class CountVectorsOptions(ComponentOptions):
    """Rasa's names: ``analyzer`` (word | char | char_wb), ``min_ngram``, ``max_ngram``,
    ``token_pattern`` (applied inside each token, word analyzer), ``lowercase``,
    ``min_df``, ``max_features`` (0: no limit), ``OOV_token``, ``OOV_words``."""

    rasa_options: ClassVar[frozenset[str]] = options_of("CountVectorsFeaturizer")

    analyzer: Analyzer = CountSettings.analyzer
    min_ngram: StrictInt = Field(CountSettings.min_ngram, ge=1)
    max_ngram: StrictInt = Field(CountSettings.max_ngram, ge=1)
    token_pattern: Pattern = CountSettings.token_pattern
    lowercase: StrictBool = CountSettings.lowercase
    min_df: StrictInt = Field(CountSettings.min_df, ge=1)
    max_features: StrictInt = Field(0, ge=0)
    OOV_token: StrictStr | None = None
    OOV_words: Strings = ()

    def count_settings(self, component: str) -> CountSettings:
        if self.max_ngram < self.min_ngram:
            raise PipelineConfigError(
                f"{component}: max_ngram ({self.max_ngram}) is smaller than "
                f"min_ngram ({self.min_ngram})",
                component=component,
                option="max_ngram",
            )
        return CountSettings(
            analyzer=self.analyzer,
            min_ngram=self.min_ngram,
            max_ngram=self.max_ngram,
            token_pattern=self.token_pattern,
            lowercase=self.lowercase,
            min_df=self.min_df,
            max_features=self.max_features or None,
            oov_token=self.OOV_token,
            oov_words=self.OOV_words,
        )


class CountVectorsFeaturizer:
    """Counts word or character n-grams, for the whole message and for each token.

    Options in :class:`CountVectorsOptions`. Several instances may share a pipeline; each
    writes its own feature block.
    """

    name: ClassVar[str] = "CountVectorsFeaturizer"
    options_model: ClassVar[type[ComponentOptions]] = CountVectorsOptions

    def __init__(self, key: str, settings: CountSettings) -> None:
        self.key = key
        self.settings = settings
        self._token_pattern = re.compile(settings.token_pattern)
        self._oov_words = frozenset(self._normal(w) for w in settings.oov_words)
        self.vocabulary: dict[str, int] = {}

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        parsed = read_options(CountVectorsOptions, cls.name, options)
        return cls(key, parsed.count_settings(cls.name))

    def _normal(self, text: str) -> str:
        return text.lower() if self.settings.lowercase else text

    def _token_units(self, message: Message) -> list[list[str]]:
        """For each token, the grams that describe it on its own."""
        s = self.settings
        texts = [self._normal(t.text) for t in message.tokens]
        if s.analyzer == "word":
            return [self._token_pattern.findall(text) for text in texts]
        pad = " " if s.analyzer == "char_wb" else ""
        return [list(_char_grams(pad + text + pad, s.min_ngram, s.max_ngram)) for text in texts]

    def _sentence_grams(self, message: Message, units: list[list[str]]) -> Iterable[str]:
        s = self.settings
        if s.analyzer == "char_wb":
            return (gram for grams in units for gram in grams)
        if s.analyzer == "char":
            text = " ".join(self._normal(t.text) for t in message.tokens)
            return _char_grams(text, s.min_ngram, s.max_ngram)
        words = [w for words in units for w in words]
        return _word_grams(words, s.min_ngram, s.max_ngram)

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        document_frequency: Counter[str] = Counter()
        for message in messages:
            grams = self._sentence_grams(message, self._token_units(message))
            document_frequency.update(set(grams) - self._oov_words)
        kept = [g for g, df in document_frequency.items() if df >= self.settings.min_df]
        if self.settings.max_features:
            kept.sort(key=lambda g: (-document_frequency[g], g))
            kept = kept[: self.settings.max_features]
        columns = sorted(kept)
        if self.settings.oov_token is not None:
            columns.append(self.settings.oov_token)
        self.vocabulary = {gram: i for i, gram in enumerate(columns)}

    def _row(self, grams: Iterable[str]) -> SparseRow:
        counts: dict[int, float] = {}
        oov = self.vocabulary.get(self.settings.oov_token) if self.settings.oov_token else None
        for gram in grams:
            column = self.vocabulary.get(gram, oov)
            if column is not None:
                counts[column] = counts.get(column, 0.0) + 1.0
        return counts

    def process(self, messages: Sequence[Message]) -> None:
        for message in messages:
            units = self._token_units(message)
            message.features[self.key] = SparseFeatures(
                dim=len(self.vocabulary),
                sentence=self._row(self._sentence_grams(message, units)),
                tokens=tuple(self._row(grams) for grams in units),
            )

    def persist(self, directory: Path) -> None:
        write_vocabulary(directory, self.key, self.vocabulary)

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        key, vocabulary = read_vocabulary(directory)
        featurizer = cls.create(config, key)
        featurizer.vocabulary = vocabulary
        return featurizer


def _char_grams(text: str, low: int, high: int) -> Iterable[str]:
    for n in range(low, high + 1):
        for i in range(len(text) - n + 1):
            yield text[i : i + n]


def _word_grams(words: Sequence[str], low: int, high: int) -> Iterable[str]:
    for n in range(low, high + 1):
        for i in range(len(words) - n + 1):
            yield " ".join(words[i : i + n])
