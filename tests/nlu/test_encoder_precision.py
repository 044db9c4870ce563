"""A fine-tuned encoder trains under bfloat16 autocast where the CPU has it, and always
parses in float32, so a parse gives the same result alone or in a batch."""

from __future__ import annotations

import pytest
import torch

from nlu.components.encoder import TextEncoder, default_model_path

TEXTS = ["where is my new card", "I was charged twice for one coffee"]
SPANS = [[(0, 5), (6, 8)], [(0, 1), (2, 5)]]


@pytest.fixture(scope="module")
def encoder() -> TextEncoder:
    return TextEncoder.load(default_model_path(), 32)


def _training_pass(encoder: TextEncoder, bf16: bool) -> torch.Tensor:
    encoder.train_in_bf16 = bf16
    encoder.model.train()
    torch.manual_seed(0)  # the same dropout masks in both passes
    try:
        return encoder.encode(TEXTS, SPANS).sentences
    finally:
        encoder.model.eval()
        encoder.train_in_bf16 = False


def test_a_training_pass_in_bfloat16_returns_float32_close_to_the_float32_pass(
    encoder: TextEncoder,
) -> None:
    full = _training_pass(encoder, bf16=False)
    half = _training_pass(encoder, bf16=True)

    assert half.dtype == torch.float32 and half.requires_grad
    difference = float((half - full).abs().max().detach())
    # bfloat16 keeps 8 bits of mantissa: the pass is visibly rounded, but still the same pass.
    assert 1e-4 < difference < 0.1
    assert torch.nn.functional.cosine_similarity(half, full).min() > 0.999


@pytest.mark.parametrize("gradients", [False, True], ids=["parse", "eval-with-gradients"])
def test_only_training_passes_are_rounded(encoder: TextEncoder, gradients: bool) -> None:
    """A parse, and a pass in eval mode with gradients on (the calibration split and
    validation scores), read the model in float32 whatever the training precision."""
    with torch.set_grad_enabled(gradients):
        plain = encoder.encode(TEXTS, SPANS).sentences
        encoder.train_in_bf16 = True
        try:
            asked = encoder.encode(TEXTS, SPANS).sentences
        finally:
            encoder.train_in_bf16 = False

    assert torch.equal(plain, asked)
