"""Constrained decoding: which tokens of a vocabulary can spell a set of allowed words.

:class:`VocabularyMask` reads each token's text once. For a set of allowed
words it marks a token allowed when its text is punctuation a sentence may
hold (``. , ! '``) or a piece of an allowed word: a token that starts a word
(``" sorry"``, ``"Happy"``) must begin one, a continuation (``"ies"``) must
occur in one. The mask is a necessary condition, not a sufficient one (pieces
of two words may join into a third), so the caller still checks the text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import torch
from torch import Tensor

_PUNCTUATION = frozenset(".,!'\u2019")
_WORD_START = re.compile(r"^[\s\u0120\u2581]")  # a leading space (byte-level or sentencepiece)


class VocabularyMask:
    """Allowed-token masks for a tokenizer, cached per word set."""

    def __init__(self, tokenizer: Any, always: set[int] | None = None) -> None:
        size = len(tokenizer)
        texts = tokenizer.convert_ids_to_tokens(list(range(size)))
        decoded = [tokenizer.convert_tokens_to_string([t]) if t else "" for t in texts]
        self._pieces = [(bool(_WORD_START.match(d)), d.strip().lower()) for d in decoded]
        self._always = always or set()
        self._mask = lru_cache(maxsize=256)(self._build)

    def mask(self, words: frozenset[str]) -> Tensor:
        """``[vocab]`` booleans: the tokens that may appear while spelling ``words``."""
        return self._mask(words)

    def _build(self, words: frozenset[str]) -> Tensor:
        starts = {w[:i] for w in words for i in range(1, len(w) + 1)}
        inner = {w[i:j] for w in words for i in range(len(w)) for j in range(i + 1, len(w) + 1)}
        allowed = torch.zeros(len(self._pieces), dtype=torch.bool)
        for token, (starts_word, text) in enumerate(self._pieces):
            if token in self._always or _spells(text, starts_word, starts, inner):
                allowed[token] = True
        return allowed


def _spells(text: str, starts_word: bool, starts: set[str], inner: set[str]) -> bool:
    if not text:
        return False
    if all(c in _PUNCTUATION for c in text):
        return True
    core = text.rstrip(".,!")
    if core in starts:
        return True
    return not starts_word and core in inner
