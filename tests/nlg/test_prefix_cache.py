"""Prompt prefix reuse: a cached prefix's keys and values stand in for prefilling it again."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch

from nlg.backends.llama import LlamaDecoder
from nlg.backends.model_files import load_causal_lm
from nlg.backends.prefix_cache import PrefixCache


def layers(length: int, tag: float) -> list[torch.Tensor]:
    return [torch.full((3, length, 4), tag)]


def test_the_longest_shared_prefix_is_found_even_when_the_prompts_then_differ() -> None:
    cache = PrefixCache()
    cache.add([1, 2, 3, 4, 5], layers(5, 1.0), layers(5, 1.0))
    cache.add([1, 2, 9, 9], layers(4, 2.0), layers(4, 2.0))
    found = cache.lookup([1, 2, 3, 4, 7, 8])
    assert found.length == 4 and found.prompt is not None
    assert found.prompt.ids.tolist() == [1, 2, 3, 4, 5]
    assert cache.lookup([5, 1, 2]).prompt is None


def test_the_last_token_of_a_prompt_is_always_left_to_compute() -> None:
    cache = PrefixCache()
    cache.add([1, 2, 3], layers(3, 1.0), layers(3, 1.0))
    assert cache.lookup([1, 2, 3]).length == 2
    assert cache.lookup([1]).length == 0


def test_a_longer_prompt_replaces_its_own_prefix_and_the_least_recent_one_goes() -> None:
    cache = PrefixCache(capacity=2)
    cache.add([1, 2], layers(2, 1.0), layers(2, 1.0))
    cache.add([1, 2, 3], layers(3, 1.0), layers(3, 1.0))
    assert len(cache) == 1 and cache.covers([1, 2]) and cache.covers([1, 2, 3])
    cache.add([7, 8], layers(2, 1.0), layers(2, 1.0))
    cache.lookup([1, 2, 3, 4])  # touching it makes [7, 8] the least recent
    cache.add([9, 9], layers(2, 1.0), layers(2, 1.0))
    assert cache.covers([1, 2, 3]) and not cache.covers([7, 8])


def test_a_cache_of_capacity_zero_keeps_nothing() -> None:
    cache = PrefixCache(capacity=0)
    cache.add([1, 2], layers(2, 1.0), layers(2, 1.0))
    assert len(cache) == 0 and cache.lookup([1, 2, 3]).length == 0


def greedy(decoder: LlamaDecoder, prompts: Sequence[Sequence[int]], tokens: int) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in prompts]
    logits = decoder.start(prompts, tokens)
    for _ in range(tokens):
        chosen = logits.argmax(-1)
        for row, token in enumerate(chosen.tolist()):
            out[row].append(token)
        logits = decoder.step(chosen)
    return out


@pytest.mark.slow
def test_greedy_replies_are_the_same_with_and_without_the_prefix_cache() -> None:
    # float32: with bfloat16 weights, prefilling fewer tokens rounds differently, and a
    # greedy pick between two near-equal tokens may flip after a few tokens.
    torch.manual_seed(0)
    model, tokenizer = load_causal_lm(None, "cpu")
    system = [
        {"role": "system", "content": "You are the helpful assistant of an outdoor gear shop."}
    ]

    def chat(question: str) -> list[int]:
        turns = [*system, {"role": "user", "content": question}]
        ids = tokenizer.apply_chat_template(turns, add_generation_prompt=True, return_dict=True)
        return list(ids["input_ids"])

    first = chat("How long does shipping to Toronto take?")
    batch = [chat("Can I return boots I wore once?"), first, chat("Hi")]
    with torch.inference_mode():
        cached = LlamaDecoder(model, torch.float32)
        uncached = LlamaDecoder(model, torch.float32, prefix_cache=0)
        assert greedy(cached, [first], 12) == greedy(uncached, [first], 12)
        assert cached.prefixes.reused_tokens == 0
        assert greedy(cached, batch, 12) == greedy(uncached, batch, 12)
    # Every prompt of the batch reused the system prompt; the repeated one nearly all of itself.
    assert cached.prefixes.reused_tokens > 2 * len(system[0]["content"].split()) + len(first) - 2
    assert uncached.prefixes.reused_tokens == 0
