"""Encoders parse in ONNX Runtime once their weights are final: the same vectors as torch,
the same bits alone or in a batch, exported once per weights file, and training stays in
torch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from nlu.components import encoder_runtime
from nlu.components.encoder import TextEncoder, default_model_path, shared_encoder
from nlu.components.encoder_runtime import RUNTIME_ENV
from plugins.cache import CACHE_ENV

TEXTS = ["where is my new card", "I was charged twice for one coffee at the station", "hi"]
SPANS = [[(0, 5)], [(2, 9)], [(0, 2)]]


@pytest.fixture(scope="module")
def served() -> TextEncoder:
    encoder = TextEncoder.load(default_model_path(), 32)
    encoder.serve()
    return encoder


def test_a_served_encoder_gives_torchs_vectors(served: TextEncoder) -> None:
    plain = TextEncoder.load(default_model_path(), 32)
    with torch.inference_mode():
        expected = plain.encode(TEXTS, SPANS)
        got = served.encode(TEXTS, SPANS)

    assert served.runtime is not None and plain.runtime is None
    assert torch.allclose(got.sentences, expected.sentences, atol=1e-4)
    for mine, theirs in zip(got.tokens, expected.tokens, strict=True):
        assert torch.allclose(mine, theirs, atol=1e-4)
    assert not torch.equal(got.sentences, expected.sentences)  # it really ran elsewhere


def test_a_message_encodes_to_the_same_bits_alone_and_in_a_padded_batch(
    served: TextEncoder,
) -> None:
    with torch.inference_mode():
        batched = served.encode(TEXTS, SPANS)
        for i, text in enumerate(TEXTS):
            alone = served.encode([text], [SPANS[i]])
            assert torch.equal(alone.sentences[0], batched.sentences[i])
            assert torch.equal(alone.tokens[0], batched.tokens[i])


def test_sentence_vectors_alone_are_the_pooled_vectors_bit_for_bit(served: TextEncoder) -> None:
    # An intent-only parse asks for sentence vectors without token vectors.
    with torch.inference_mode():
        pooled = served.encode(TEXTS, SPANS).sentences.numpy()
    together = served.sentences(TEXTS)

    assert np.allclose(together, pooled, atol=1e-6)
    for i, text in enumerate(TEXTS):
        assert np.array_equal(served.sentences([text])[0], together[i])


def test_passes_with_gradients_still_run_in_torch(served: TextEncoder) -> None:
    with torch.enable_grad():
        served.model.requires_grad_(True)
        try:
            sentences = served.encode(TEXTS, SPANS).sentences
        finally:
            served.model.requires_grad_(False)

    assert sentences.requires_grad


def test_a_frozen_encoder_is_exported_once_per_weights_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    exports: list[Path] = []
    real_export = encoder_runtime.export
    monkeypatch.setattr(
        encoder_runtime,
        "export",
        lambda m, t, target: (exports.append(target), real_export(m, t, target)),
    )
    first = TextEncoder.load(default_model_path(), 32)
    first.serve(default_model_path())
    second = TextEncoder.load(default_model_path(), 32)
    second.serve(default_model_path())

    cached = list(tmp_path.glob("encoders/*/encoder.onnx"))
    assert len(exports) == 1 and len(cached) == 1
    assert first.runtime is not None and second.runtime is not None
    assert second.runtime.path == cached[0]
    assert not list(tmp_path.glob("encoders/*/*.partial"))


def test_the_shared_encoder_serves_unless_switched_to_torch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert shared_encoder(default_model_path(), 32).runtime is not None

    monkeypatch.setenv(RUNTIME_ENV, "torch")
    torch_only = TextEncoder.load(default_model_path(), 32)
    torch_only.serve(default_model_path())
    assert torch_only.runtime is None
