"""The joint classifier's intent scorer in numpy, for parses once training is over.

It adds up the same scores as the torch network's intent head (the linear model over the
sparse sentence features, the feed-forward network over the dense sentence vector, the
multi-intent parts) from copies of the trained weights. A parse of an intent-only model then
runs no torch operation: the encoder runs in ONNX Runtime and the scores here. On 2 cores,
torch's thread pool woke for the classifier's small products right after ONNX Runtime's
threads had run, and the two pools took turns for the cores. A BANKING77 model loaded once,
300 test messages parsed one at a time, the two heads alternated three times: p50 3.87-3.92
ms (p95 6.0-6.2) here, 4.9-5.5 ms (p95 7.9-8.3) with the torch head.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.special import erf

if TYPE_CHECKING:
    from torch import nn

    from nlu.components.joint_network import JointNetwork

Layer = tuple[np.ndarray, np.ndarray]
"""A linear layer's weight, transposed to ``(inputs, outputs)``, and its bias."""


def _layer(linear: nn.Linear) -> Layer:
    weight = linear.weight.detach().float().numpy().T.copy()
    return weight, linear.bias.detach().float().numpy().copy()


def gelu(x: np.ndarray) -> np.ndarray:
    """torch's default (exact) GELU."""
    return np.asarray(0.5 * x * (1.0 + erf(x / np.sqrt(2.0))), dtype=np.float32)


@dataclass(frozen=True)
class IntentHead:
    """The intent scorer's weights; :meth:`logits` is the torch head's ``_intent_logits``."""

    outputs: int
    sparse_scale: float
    sparse: Layer | None
    dense: tuple[Layer, ...]  # the feed-forward layers, GELU between them; empty: no dense part
    label_parts: np.ndarray | None  # (labels, outputs)

    @classmethod
    def of(cls, network: JointNetwork) -> IntentHead:
        """A copy of ``network``'s current intent weights (take it once they are final)."""
        from torch import nn

        from nlu.components.joint_network import SPARSE_SCALE

        dense = network.dense_intent
        layers = [m for m in dense.modules() if isinstance(m, nn.Linear)] if dense else []
        parts = network.label_parts
        return cls(
            outputs=network.shape.outputs,
            sparse_scale=SPARSE_SCALE,
            sparse=_layer(network.sparse_intent) if network.sparse_intent is not None else None,
            dense=tuple(_layer(layer) for layer in layers),
            label_parts=parts.detach().float().numpy().copy() if parts is not None else None,
        )

    def logits(self, sentence_sparse: sp.csr_matrix, sentence: np.ndarray) -> np.ndarray:
        """Intent logits ``(B, labels)`` from the sparse sentence rows and dense vectors."""
        scores = np.zeros((sentence_sparse.shape[0], self.outputs), dtype=np.float32)
        if self.sparse is not None:
            weight, bias = self.sparse
            # In the weights' float32: a float64 product would copy the whole weight matrix.
            rows = sentence_sparse.astype(np.float32) * np.float32(self.sparse_scale)
            scores = np.asarray(rows @ weight) + bias
        if self.dense:
            hidden = np.asarray(sentence, dtype=np.float32)
            for index, (weight, bias) in enumerate(self.dense):
                if index:
                    hidden = gelu(hidden)
                hidden = hidden @ weight + bias
            scores = scores + hidden
        if self.label_parts is not None:
            scores = scores @ self.label_parts.T
        return np.asarray(scores, dtype=np.float32)
