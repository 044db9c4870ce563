"""Sparse features that featurizers attach to messages, and the matrices classifiers read.

A featurizer stores one :class:`SparseFeatures` per message under its own key in
``Message.features``. Classifiers remember the :data:`Layout` (keys and widths)
they were trained on and stack the same blocks, in the same order, at inference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from nlu.errors import NLUError
from nlu.interfaces import Message

if TYPE_CHECKING:
    import scipy.sparse as sp

SparseRow = Mapping[int, float]
Layout = tuple[tuple[str, int], ...]
Level = Literal["sentence", "tokens"]


@dataclass(frozen=True)
class SparseFeatures:
    """One featurizer's output for one message, over columns ``0..dim-1``.

    ``sentence`` describes the whole message (``None`` if the featurizer has no
    sentence view); ``tokens`` has exactly one row per ``Message.tokens`` entry
    (``None`` if the featurizer has no token view).
    """

    dim: int
    sentence: SparseRow | None
    tokens: tuple[SparseRow, ...] | None

    def rows(self, level: Level) -> Sequence[SparseRow] | None:
        if level == "sentence":
            return None if self.sentence is None else (self.sentence,)
        return self.tokens


def layout(messages: Sequence[Message], level: Level) -> Layout:
    """The feature blocks present at ``level``, in the order featurizers added them."""
    if not messages:
        return ()
    return tuple(
        (key, value.dim)
        for key, value in messages[0].features.items()
        if isinstance(value, SparseFeatures) and value.rows(level) is not None
    )


def layout_width(blocks: Layout) -> int:
    return sum(dim for _, dim in blocks)


@dataclass(frozen=True)
class SparseRows:
    """Rows of a sparse matrix as CSR arrays.

    Parsing one short message builds a handful of these; doing the arithmetic in
    numpy directly avoids scipy's per-matrix overhead, which would dominate.
    """

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    width: int

    @property
    def height(self) -> int:
        return len(self.indptr) - 1

    def _row_sums(self, values: np.ndarray) -> np.ndarray:
        sums = np.zeros((self.height, *values.shape[1:]), dtype=np.float64)
        starts = self.indptr[:-1]
        filled = starts < self.indptr[1:]
        if filled.any():
            sums[filled] = np.add.reduceat(values, starts[filled], axis=0)
        return sums

    def normalized(self) -> SparseRows:
        """Each row scaled to unit L2 norm (empty rows stay empty)."""
        norms = np.sqrt(self._row_sums(self.data**2))
        norms[norms == 0.0] = 1.0
        lengths = np.diff(self.indptr)
        data = self.data / np.repeat(norms, lengths)
        return SparseRows(self.indptr, self.indices, data, self.width)

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """``self @ weights`` as a dense ``(height, weights.shape[1])`` array."""
        if len(self.data) * weights.shape[1] > DENSE_PRODUCT_LIMIT:
            return np.asarray(self.to_scipy() @ weights, dtype=np.float64)
        return self._row_sums(weights[self.indices] * self.data[:, None])

    def to_scipy(self) -> sp.csr_matrix:
        import scipy.sparse as sp  # here: building a featurizer from config.yml needs no scipy

        return sp.csr_matrix(
            (self.data, self.indices, self.indptr), shape=(self.height, self.width)
        )


DENSE_PRODUCT_LIMIT = 1_000_000
"""Above this many intermediate products, :meth:`SparseRows.dot` lets scipy multiply."""


def feature_matrix(messages: Sequence[Message], blocks: Layout, level: Level) -> SparseRows:
    """Rows are messages (``sentence``) or all tokens of all messages in order (``tokens``)."""
    indptr = [0]
    indices: list[int] = []
    values: list[float] = []
    for message in messages:
        height = 1 if level == "sentence" else len(message.tokens)
        found = [
            (offset, _block(message, key, dim, level)) for key, dim, offset in _offsets(blocks)
        ]
        for r in range(height):
            for offset, block in found:
                if block is not None:
                    row = block[r]
                    indices.extend(offset + c for c in row)
                    values.extend(row.values())
            indptr.append(len(indices))
    return SparseRows(
        np.asarray(indptr, dtype=np.int64),
        np.asarray(indices, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
        layout_width(blocks),
    )


def _offsets(blocks: Layout) -> list[tuple[str, int, int]]:
    offsets, offset = [], 0
    for key, dim in blocks:
        offsets.append((key, dim, offset))
        offset += dim
    return offsets


def _block(message: Message, key: str, dim: int, level: Level) -> Sequence[SparseRow] | None:
    value = message.features.get(key)
    if not isinstance(value, SparseFeatures):
        return None
    if value.dim != dim:
        raise NLUError(f"feature block {key!r} has width {value.dim}, the model expects {dim}")
    return value.rows(level)


@dataclass(frozen=True)
class DenseFeatures:
    """One dense featurizer's output for one message: a ``sentence`` vector ``(dim,)`` and one
    row per ``Message.tokens`` entry in ``tokens`` ``(len(tokens), dim)``, both float32."""

    sentence: np.ndarray
    tokens: np.ndarray

    @property
    def dim(self) -> int:
        return int(self.sentence.shape[0])


def dense_layout(messages: Sequence[Message]) -> Layout:
    """The dense feature blocks present, in the order featurizers added them."""
    if not messages:
        return ()
    return tuple(
        (key, value.dim)
        for key, value in messages[0].features.items()
        if isinstance(value, DenseFeatures)
    )


def _dense_block(message: Message, key: str, dim: int) -> DenseFeatures:
    value = message.features.get(key)
    if not isinstance(value, DenseFeatures) or value.dim != dim:
        raise NLUError(f"dense feature block {key!r} of width {dim} is missing from a message")
    return value


def dense_sentences(messages: Sequence[Message], blocks: Layout) -> np.ndarray:
    """``(len(messages), width)``: the sentence vectors of ``blocks`` side by side."""
    if not blocks:
        return np.zeros((len(messages), 0), dtype=np.float32)
    return np.stack(
        [
            np.concatenate([_dense_block(m, key, dim).sentence for key, dim in blocks])
            for m in messages
        ]
    ).astype(np.float32, copy=False)


def dense_tokens(message: Message, blocks: Layout) -> np.ndarray:
    """``(len(message.tokens), width)``: the token vectors of ``blocks`` side by side."""
    if not blocks:
        return np.zeros((len(message.tokens), 0), dtype=np.float32)
    parts = [_dense_block(message, key, dim).tokens for key, dim in blocks]
    return np.concatenate(parts, axis=1).astype(np.float32, copy=False)
