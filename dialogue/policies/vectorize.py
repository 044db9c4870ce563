"""Dialogue histories as sparse one-hot vectors, for learned policies.

A history's last ``max_history`` states are read newest first; every feature of
the state ``age`` steps back becomes the column ``"<age>|<feature>"``. A history
shorter than the window gets a ``"<age>|<before start>"`` column, so that "near
the start of the conversation" is visible too. Columns unseen in training are
dropped at prediction time. Any learned policy (the linear one here, a bigger
model later) can share this vectorizer and its persisted vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from dialogue.policies.featurize import State

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

BEFORE_START = "<before start>"
START = "<start>"


class HistoryVectorizer:
    def __init__(self, max_history: int, vocabulary: Sequence[str]) -> None:
        self.max_history = max_history
        self.vocabulary = tuple(vocabulary)
        self._column = {name: i for i, name in enumerate(self.vocabulary)}

    @classmethod
    def fit(cls, histories: Iterable[Sequence[State]], max_history: int) -> HistoryVectorizer:
        """A vectorizer whose columns are every feature the training histories show."""
        names = {name for history in histories for name in feature_names(history, max_history)}
        return cls(max_history, sorted(names))

    def transform(self, histories: Sequence[Sequence[State]]) -> csr_matrix:
        """One row per history, 1.0 where a known column is present."""
        from scipy.sparse import csr_matrix

        rows: list[int] = []
        columns: list[int] = []
        for row, history in enumerate(histories):
            found = {
                self._column[name]
                for name in feature_names(history, self.max_history)
                if name in self._column
            }
            rows += [row] * len(found)
            columns += sorted(found)
        data = np.ones(len(rows), dtype=np.float64)
        shape = (len(histories), len(self.vocabulary))
        return csr_matrix((data, (rows, columns)), shape=shape)


def feature_names(history: Sequence[State], max_history: int) -> Iterator[str]:
    window = history[-max_history:]
    for age, state in enumerate(reversed(window)):
        for feature in state.features():
            yield f"{age}|{feature}"
        if state.is_start:
            yield f"{age}|{START}"
    if len(window) < max_history:
        yield f"{len(window)}|{BEFORE_START}"
