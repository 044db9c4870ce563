"""Token-shape features (case, digits, affixes) of each token and its neighbours."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, StrictStr

from nlu.components.features import SparseFeatures, SparseRow
from nlu.components.options import ComponentOptions, read_options
from nlu.components.rasa_options import options_of
from nlu.components.storage import read_vocabulary, write_vocabulary
from nlu.interfaces import Message, Token, TrainingData

logger = logging.getLogger(__name__)


ShapeFunction = Callable[[Sequence[Token], int], str | bool]

SHAPES: dict[str, ShapeFunction] = {
    "BOS": lambda tokens, i: i == 0,
    "EOS": lambda tokens, i: i == len(tokens) - 1,
    "low": lambda tokens, i: tokens[i].text.lower(),
    "upper": lambda tokens, i: tokens[i].text.isupper(),
    "title": lambda tokens, i: tokens[i].text.istitle(),
    "digit": lambda tokens, i: tokens[i].text.isdigit(),
    "prefix5": lambda tokens, i: tokens[i].text.lower()[:5],
    "prefix2": lambda tokens, i: tokens[i].text.lower()[:2],
    "suffix5": lambda tokens, i: tokens[i].text.lower()[-5:],
    "suffix3": lambda tokens, i: tokens[i].text.lower()[-3:],
    "suffix2": lambda tokens, i: tokens[i].text.lower()[-2:],
}
NEEDS_SPACY = frozenset({"pos", "pos2"})

DEFAULT_WINDOW: tuple[tuple[str, ...], ...] = (
    ("low", "title", "upper"),
    ("BOS", "EOS", "low", "upper", "title", "digit", "prefix5", "prefix2", "suffix5", "suffix3",
     "suffix2"),
    ("low", "title", "upper"),
)  # fmt: skip


def _known_window(window: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    if len(window) % 2 != 1:
        raise ValueError("must be an odd-length list of lists of feature names")
    unknown = {s for shapes in window for s in shapes} - set(SHAPES) - NEEDS_SPACY
    if unknown:
        raise ValueError(f"names unknown features {sorted(unknown)}; known: {sorted(SHAPES)}")
    return window


Window = Annotated[tuple[tuple[StrictStr, ...], ...], AfterValidator(_known_window)]


class LexicalOptions(ComponentOptions):
    """``features``: Rasa's list of lists, one list of shape names per window position, the
    middle list being the token itself (e.g. ``[[low], [BOS, low, digit], [low]]``)."""

    rasa_options: ClassVar[frozenset[str]] = options_of("LexicalSyntacticFeaturizer")

    features: Window = DEFAULT_WINDOW


class LexicalSyntacticFeaturizer:
    """One-hot token shapes over a window of neighbouring tokens (token view only); options
    in :class:`LexicalOptions`."""

    name: ClassVar[str] = "LexicalSyntacticFeaturizer"
    options_model: ClassVar[type[ComponentOptions]] = LexicalOptions

    def __init__(self, key: str, window: Sequence[Sequence[str]] = DEFAULT_WINDOW) -> None:
        self.key = key
        half = len(window) // 2
        self._positions = [
            (offset - half, [(shape, SHAPES[shape]) for shape in shapes])
            for offset, shapes in enumerate(window)
        ]
        self.vocabulary: dict[str, int] = {}

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        return cls(key, _without_spacy(read_options(LexicalOptions, cls.name, options).features))

    def _names(self, tokens: Sequence[Token], i: int) -> list[str]:
        names = []
        for offset, shapes in self._positions:
            j = i + offset
            if not 0 <= j < len(tokens):
                continue
            for shape, function in shapes:
                value = function(tokens, j)
                if value is True:
                    names.append(f"{offset}:{shape}")
                elif value:
                    names.append(f"{offset}:{shape}:{value}")
        return names

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        seen = {
            name
            for message in messages
            for i in range(len(message.tokens))
            for name in self._names(message.tokens, i)
        }
        self.vocabulary = {name: column for column, name in enumerate(sorted(seen))}

    def _row(self, tokens: Sequence[Token], i: int) -> SparseRow:
        columns = (self.vocabulary.get(name) for name in self._names(tokens, i))
        return {column: 1.0 for column in columns if column is not None}

    def process(self, messages: Sequence[Message]) -> None:
        for message in messages:
            rows = tuple(self._row(message.tokens, i) for i in range(len(message.tokens)))
            message.features[self.key] = SparseFeatures(len(self.vocabulary), None, rows)

    def persist(self, directory: Path) -> None:
        write_vocabulary(directory, self.key, self.vocabulary)

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        key, vocabulary = read_vocabulary(directory)
        featurizer = cls.create(config, key)
        featurizer.vocabulary = vocabulary
        return featurizer


def _without_spacy(window: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    if any(s in NEEDS_SPACY for shapes in window for s in shapes):
        logger.warning(
            "%s: features 'pos'/'pos2' need spaCy and are skipped",
            LexicalSyntacticFeaturizer.name,
        )
    return tuple(tuple(s for s in shapes if s in SHAPES) for shapes in window)
