"""Turning messages into the joint network's batches, with the feature layout fixed at training."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from nlu.components.encoder import token_spans
from nlu.components.features import (
    Layout,
    SparseRows,
    dense_layout,
    dense_sentences,
    dense_tokens,
    feature_matrix,
    layout,
    layout_width,
)
from nlu.components.joint_network import Batch
from nlu.interfaces import Message


@dataclass(frozen=True)
class InputLayout:
    """Which feature blocks the network reads, and the sentence features' IDF weights."""

    sentence: Layout
    tokens: Layout
    dense: Layout
    idf: np.ndarray

    @classmethod
    def fit(cls, messages: Sequence[Message], use_dense: bool) -> InputLayout:
        sentence = layout(messages, "sentence")
        rows = feature_matrix(messages, sentence, "sentence")
        document_frequency = np.bincount(rows.indices, minlength=rows.width)
        idf = np.log((1.0 + rows.height) / (1.0 + document_frequency)) + 1.0
        dense = dense_layout(messages) if use_dense else ()
        return cls(sentence, layout(messages, "tokens"), dense, idf.astype(np.float32))

    @property
    def widths(self) -> tuple[int, int, int]:
        return layout_width(self.sentence), layout_width(self.tokens), layout_width(self.dense)


@dataclass
class PreparedInputs:
    """All inputs of a list of messages, from which batches are sliced by index."""

    sentence_sparse: sp.csr_matrix
    token_sparse: sp.csr_matrix
    token_offsets: np.ndarray
    dense_sentence: np.ndarray
    dense_tokens: list[np.ndarray]
    texts: list[str]
    spans: list[list[tuple[int, int]]]

    @classmethod
    def build(cls, messages: Sequence[Message], inputs: InputLayout) -> PreparedInputs:
        sentence = feature_matrix(messages, inputs.sentence, "sentence")
        weighted = SparseRows(
            sentence.indptr, sentence.indices, inputs.idf[sentence.indices], sentence.width
        )
        tokens = feature_matrix(messages, inputs.tokens, "tokens").normalized()
        lengths = [len(m.tokens) for m in messages]
        return cls(
            sentence_sparse=weighted.normalized().to_scipy(),
            token_sparse=tokens.to_scipy(),
            token_offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            dense_sentence=dense_sentences(messages, inputs.dense),
            dense_tokens=[dense_tokens(m, inputs.dense) for m in messages],
            texts=[m.text for m in messages],
            spans=[token_spans(m.tokens) for m in messages],
        )

    def batch(self, rows: Sequence[int]) -> Batch:
        token_rows = np.concatenate(
            [np.arange(self.token_offsets[i], self.token_offsets[i + 1]) for i in rows]
        )
        return Batch(
            sentence_sparse=self.sentence_sparse[list(rows)],
            token_sparse=self.token_sparse[token_rows],
            dense_sentence=self.dense_sentence[list(rows)],
            dense_tokens=[self.dense_tokens[i] for i in rows],
            lengths=[int(self.token_offsets[i + 1] - self.token_offsets[i]) for i in rows],
            texts=[self.texts[i] for i in rows],
            spans=[self.spans[i] for i in rows],
        )
