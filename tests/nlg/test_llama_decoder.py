"""The lean decoder computes what the model itself computes, batched or not."""

from __future__ import annotations

import pytest
import torch

from nlg.backends.llama import LlamaDecoder
from tests.nlg.tiny_lm import write_tiny_llama


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, object]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = write_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32).eval()
    return model, AutoTokenizer.from_pretrained(str(folder))


def reference_logits(model: object, ids: list[int]) -> torch.Tensor:
    """The model's own next-token logits for ``ids``, computed alone (no batch, no cache)."""
    with torch.inference_mode():
        output = model(torch.tensor([ids]))  # type: ignore[operator]
    return output.logits[0, -1].float()


def test_batched_ragged_prompts_give_the_models_own_logits_at_every_step(
    tiny: tuple[object, object],
) -> None:
    # The tiny model shares each key/value head between two query heads, as SmolLM2 does.
    model, tokenizer = tiny
    assert model.config.num_key_value_heads < model.config.num_attention_heads  # type: ignore[attr-defined]
    texts = ["Where is my order?", "hi", "Can I return boots I wore once on a muddy trail?"]
    prompts = [tokenizer(text)["input_ids"] for text in texts]  # type: ignore[operator]
    decoder = LlamaDecoder(model, torch.float32, prefix_cache=0)
    sequences = [list(p) for p in prompts]
    with torch.inference_mode():
        logits = decoder.start(prompts, 6)
        for _ in range(6):
            for row, ids in enumerate(sequences):
                assert torch.allclose(logits[row], reference_logits(model, ids), atol=1e-4)
            chosen = logits.argmax(-1)
            for row, token in enumerate(chosen.tolist()):
                sequences[row].append(token)
            logits = decoder.step(chosen)


def test_a_wrong_cache_would_be_noticed(tiny: tuple[object, object]) -> None:
    # The comparison above can fail: logits for a different prefix are not close.
    model, tokenizer = tiny
    ids = tokenizer("Where is my order?")["input_ids"]  # type: ignore[operator]
    other = tokenizer("Where is your order?")["input_ids"]  # type: ignore[operator]
    decoder = LlamaDecoder(model, torch.float32, prefix_cache=0)
    with torch.inference_mode():
        logits = decoder.start([ids], 1)
    assert not torch.allclose(logits[0], reference_logits(model, other), atol=1e-4)

