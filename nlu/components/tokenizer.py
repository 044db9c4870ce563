"""Whitespace tokenization with character offsets into the original text."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from nlu.components.options import ComponentOptions, Pattern, read_options
from nlu.components.rasa_options import options_of
from nlu.interfaces import Message, Token, TrainingData

MAX_TOKENS = 512
MAX_CHARS = 5_000
"""Only the first ``MAX_CHARS`` characters, and in them the first ``MAX_TOKENS`` tokens,
are analysed: this bounds the work for huge inputs."""

WORD_PATTERN = r"\w+(?:[-'\u2019.,:/@&]\w+)*"
"""Words, keeping inner punctuation: ``don't``, ``e-mail``, ``3.5``, ``a@b.com``."""


class WhitespaceTokenizerOptions(ComponentOptions):
    """``token_pattern``: what a word is (default :data:`WORD_PATTERN`). It also stands in
    for Rasa's tokenizers Parley does not provide, so their options are accepted too."""

    rasa_options: ClassVar[frozenset[str]] = options_of(
        "WhitespaceTokenizer",
        "MitieTokenizer",
        "JiebaTokenizer",
        "ConveRTTokenizer",
        "LanguageModelTokenizer",
    )

    token_pattern: Pattern = WORD_PATTERN


class WhitespaceTokenizer:
    """Splits text into words; punctuation and symbols between words are dropped."""

    name: ClassVar[str] = "WhitespaceTokenizer"
    options_model: ClassVar[type[ComponentOptions]] = WhitespaceTokenizerOptions

    def __init__(self, token_pattern: str = WORD_PATTERN) -> None:
        self._pattern = re.compile(token_pattern)

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        return cls(read_options(WhitespaceTokenizerOptions, cls.name, options).token_pattern)

    def tokenize(self, text: str) -> list[Token]:
        matches = itertools.islice(self._pattern.finditer(text[:MAX_CHARS]), MAX_TOKENS)
        return [Token(m.group(), m.start(), m.end()) for m in matches if m.end() > m.start()]

    def process(self, messages: Sequence[Message]) -> None:
        for message in messages:
            message.tokens = self.tokenize(message.text)

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        return None

    def persist(self, directory: Path) -> None:
        return None

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        return cls.create(config, "")


def covered_text(message: Message) -> str:
    """The text up to the last token the tokenizer kept (``MAX_CHARS`` if it kept none).

    Components that scan raw text use this, so huge inputs cost them no more than
    the tokenizer analysed.
    """
    return message.text[: message.tokens[-1].end if message.tokens else MAX_CHARS]
