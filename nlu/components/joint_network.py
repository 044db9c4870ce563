"""The torch network of the joint intent + entity classifier, and the batches it reads.

Intent scores add up a linear model over the sparse sentence features (word and
character n-grams, TF-IDF weighted) and a feed-forward network over the dense
sentence vector (frozen featurizer output, or the encoder being fine-tuned).
Entity tags come from a small transformer over each token's sparse and dense
features, with a CRF on top. Multi-intent labels (``greet+ask_price``) score as
their own label plus their parts, so they share what the parts learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

from nlu.components.crf import CRF
from nlu.components.encoder import TextEncoder

SPARSE_SCALE = 10.0
"""Sparse rows have unit length, so their weights would need many small optimizer steps to
grow into confident scores; scaling the input lets the few steps of a tiny bot suffice."""


@dataclass(frozen=True)
class NetworkShape:
    sentence_sparse: int
    token_sparse: int
    dense: int
    outputs: int  # intent labels plus multi-intent parts; 0 without intent classification
    tags: int  # BIO tags; 0 without entity recognition
    hidden: tuple[int, ...]
    transformer_size: int
    transformer_layers: int
    heads: int
    dropout: float


@dataclass
class Batch:
    """Inputs for ``len(lengths)`` messages: sparse matrices are scipy CSR, dense ones numpy.

    ``token_sparse`` has one row per token of all messages in order; ``dense_tokens`` holds
    one array per message; ``texts``/``spans`` feed a fine-tuned encoder instead.
    """

    sentence_sparse: sp.csr_matrix
    token_sparse: sp.csr_matrix
    dense_sentence: np.ndarray
    dense_tokens: list[np.ndarray]
    lengths: list[int]
    texts: list[str]
    spans: list[list[tuple[int, int]]]


def sparse_tensor(matrix: sp.csr_matrix) -> torch.Tensor:
    coo = matrix.tocoo()
    indices = torch.from_numpy(np.vstack([coo.row, coo.col]).astype(np.int64))
    values = torch.from_numpy(coo.data.astype(np.float32))
    return torch.sparse_coo_tensor(indices, values, coo.shape, check_invariants=False)


def padded(rows: Sequence[torch.Tensor], width: int) -> torch.Tensor:
    """``(len(rows), longest, width)``, zero after each row's end."""
    longest = max((len(r) for r in rows), default=0)
    out = torch.zeros((len(rows), max(longest, 1), width))
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


def _feed_forward(inputs: int, hidden: Sequence[int], outputs: int, dropout: float) -> nn.Module:
    layers: list[nn.Module] = [nn.Dropout(dropout)]
    for size in hidden:
        layers += [nn.Linear(inputs, size), nn.GELU(), nn.Dropout(dropout)]
        inputs = size
    layers.append(nn.Linear(inputs, outputs))
    return nn.Sequential(*layers)


class JointNetwork(nn.Module):
    def __init__(
        self, shape: NetworkShape, label_parts: torch.Tensor | None, encoder: TextEncoder | None
    ) -> None:
        super().__init__()
        self.shape = shape
        self.encoder = encoder
        self.encoder_model = encoder.model if encoder is not None else None
        self.label_parts = label_parts
        dense = encoder.dimension if encoder is not None else shape.dense
        self.dense_width = dense
        if shape.outputs:
            self.sparse_intent = (
                nn.Linear(shape.sentence_sparse, shape.outputs) if shape.sentence_sparse else None
            )
            self.dense_intent = (
                _feed_forward(dense, shape.hidden, shape.outputs, shape.dropout) if dense else None
            )
        if shape.tags:
            self._build_tagger(shape, dense)

    def _build_tagger(self, shape: NetworkShape, dense: int) -> None:
        size = shape.transformer_size
        self.token_sparse = nn.Linear(max(shape.token_sparse, 1), size)
        self.token_dense = nn.Linear(dense, size, bias=False) if dense else None
        self.token_dropout = nn.Dropout(shape.dropout)
        self.window = nn.Conv1d(size, size, kernel_size=3, padding=1)
        self.context = (
            nn.TransformerEncoder(
                nn.TransformerEncoderLayer(
                    size, shape.heads, 2 * size, shape.dropout, batch_first=True
                ),
                shape.transformer_layers,
                enable_nested_tensor=False,
            )
            if shape.transformer_layers
            else None
        )
        self.tagger = nn.Linear(size, shape.tags)
        self.crf = CRF(shape.tags)

    def forward(self, batch: Batch) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """Intent logits ``(B, labels)`` and entity tag emissions ``(B, T, tags)``."""
        sentence, tokens = self._dense(batch)
        intents = self._intent_logits(batch, sentence) if self.shape.outputs else None
        emissions = self._emissions(batch, tokens) if self.shape.tags else None
        return intents, emissions

    def _dense(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        if self.encoder is not None:
            encoded = self.encoder.encode(batch.texts, batch.spans)
            return encoded.sentences, padded(encoded.tokens, self.dense_width)
        sentence = torch.from_numpy(batch.dense_sentence)
        tokens = [torch.from_numpy(t) for t in batch.dense_tokens]
        return sentence, padded(tokens, self.dense_width)

    def sentence_vectors(self, batch: Batch) -> np.ndarray:
        """The dense sentence vectors ``(B, D)`` alone, without gradients (for the numpy
        intent head, :mod:`nlu.components.joint_head`)."""
        if self.encoder is not None:
            return self.encoder.sentences(batch.texts)
        return batch.dense_sentence

    def _intent_logits(self, batch: Batch, sentence: torch.Tensor) -> torch.Tensor:
        scores = torch.zeros((len(batch.lengths), self.shape.outputs))
        if self.sparse_intent is not None:
            sparse = sparse_tensor(batch.sentence_sparse) * SPARSE_SCALE
            scores = torch.sparse.mm(sparse, self.sparse_intent.weight.T) + self.sparse_intent.bias
        if self.dense_intent is not None:
            scores = scores + self.dense_intent(sentence)
        if self.label_parts is not None:
            scores = scores @ self.label_parts.T
        return scores

    def _emissions(self, batch: Batch, dense_tokens: torch.Tensor) -> torch.Tensor:
        if self.shape.token_sparse:
            sparse = sparse_tensor(batch.token_sparse) * SPARSE_SCALE
            flat = torch.sparse.mm(sparse, self.token_sparse.weight.T)
        else:
            flat = torch.zeros((sum(batch.lengths), self.shape.transformer_size))
        rows = list(torch.split(flat, batch.lengths))
        hidden = padded(rows, self.shape.transformer_size) + self.token_sparse.bias
        if self.token_dense is not None:
            hidden = hidden + self.token_dense(dense_tokens[:, : hidden.shape[1]])
        hidden = self.token_dropout(torch.relu(hidden))
        # Each token sees its neighbours (the attention below has no word order).
        hidden = torch.relu(self.window(hidden.transpose(1, 2)).transpose(1, 2))
        if self.context is not None:
            hidden = self.context(hidden, src_key_padding_mask=~token_mask(batch.lengths))
        return torch.as_tensor(self.tagger(hidden))


def token_mask(lengths: Sequence[int]) -> torch.Tensor:
    longest = max(max(lengths, default=0), 1)
    return torch.arange(longest).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
