"""Key/value caches of earlier prompts, so that a shared prompt prefix is prefilled once.

The keys and values a causal decoder computes for token ``i`` depend only on
tokens ``0..i``. So when a new prompt begins with the same ``m`` tokens as one
prefilled before (the system prompt, the instructions, an earlier turn), the
first ``m`` keys and values of that earlier prompt are exactly the ones the new
prompt needs, and only the rest of it has to be prefilled.

:class:`PrefixCache` keeps the keys and values of recent prompts, least recently
used first out, and finds for a new prompt the cached one sharing the longest
prefix with it. Any shared prefix counts, not only a whole cached prompt.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class CachedPrompt:
    """A prompt's token ids and per layer its keys and values, ``[kv_heads, tokens, head_dim]``."""

    ids: Tensor
    keys: list[Tensor]
    values: list[Tensor]


@dataclass(frozen=True)
class Reuse:
    """The first ``length`` tokens of ``prompt`` are already computed (``prompt`` None: nothing)."""

    prompt: CachedPrompt | None
    length: int


NOTHING = Reuse(None, 0)


class PrefixCache:
    """At most ``capacity`` prompts' keys and values (0 turns caching off)."""

    def __init__(self, capacity: int = 16) -> None:
        self.capacity = capacity
        self.reused_tokens = 0
        self._prompts: OrderedDict[tuple[int, ...], CachedPrompt] = OrderedDict()

    def __len__(self) -> int:
        return len(self._prompts)

    def lookup(self, prompt: Sequence[int], exactly: int = 0) -> Reuse:
        """The longest cached prefix of ``prompt``, leaving at least its last token to compute.

        With ``exactly``, the first ``exactly`` tokens if a cached prompt shares them
        (never more, never fewer), else nothing.
        """
        if exactly:
            return self._exact(prompt, exactly)
        limit = len(prompt) - 1
        if limit <= 0 or not self._prompts:
            return NOTHING
        ids = torch.tensor(prompt[:limit], dtype=torch.long)
        best, best_key = NOTHING, None
        for key, cached in self._prompts.items():
            length = _common_length(cached.ids, ids)
            if length > best.length:
                best, best_key = Reuse(cached, length), key
        if best_key is not None:
            self._prompts.move_to_end(best_key)
            self.reused_tokens += best.length
        return best

    def _exact(self, prompt: Sequence[int], length: int) -> Reuse:
        if length >= len(prompt):
            return NOTHING
        ids = torch.tensor(list(prompt[:length]), dtype=torch.long)
        for key, cached in reversed(self._prompts.items()):
            if len(cached.ids) >= length and _common_length(cached.ids, ids) == length:
                self._prompts.move_to_end(key)
                self.reused_tokens += length
                return Reuse(cached, length)
        return NOTHING

    def covers(self, prompt: Sequence[int]) -> bool:
        """Whether a cached prompt begins with all of ``prompt``."""
        ids = torch.tensor(list(prompt), dtype=torch.long)
        return any(
            len(cached.ids) >= len(ids) and _common_length(cached.ids, ids) == len(ids)
            for cached in self._prompts.values()
        )

    def add(self, prompt: Sequence[int], keys: list[Tensor], values: list[Tensor]) -> None:
        """Keep ``prompt``'s keys and values; cached prompts it begins with are dropped."""
        if self.capacity <= 0:
            return
        key = tuple(prompt)
        for shorter in [k for k in self._prompts if len(k) < len(key) and key[: len(k)] == k]:
            del self._prompts[shorter]
        self._prompts[key] = CachedPrompt(torch.tensor(key, dtype=torch.long), keys, values)
        self._prompts.move_to_end(key)
        while len(self._prompts) > self.capacity:
            self._prompts.popitem(last=False)


def _common_length(a: Tensor, b: Tensor) -> int:
    """How many leading elements ``a`` and ``b`` share."""
    n = min(len(a), len(b))
    differ = (a[:n] != b[:n]).nonzero()
    return int(differ[0, 0]) if len(differ) else n
