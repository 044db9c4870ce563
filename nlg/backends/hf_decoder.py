"""The batched decoder for any causal LM ``transformers`` can load, through ``model(...)``.

Used for architectures :class:`~nlg.backends.llama.LlamaDecoder` does not cover.
Same contract: :meth:`start` prefills left-padded prompts, :meth:`step` feeds one
token per row, :meth:`keep` drops finished rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor


class HFDecoder:
    def __init__(self, model: Any, pad_id: int) -> None:
        self.model = model
        self.pad_id = pad_id
        self.device = next(model.parameters()).device
        self._past: Any = None
        self._mask = torch.zeros(0, 0, dtype=torch.long)
        self._positions = torch.zeros(0, dtype=torch.long)

    def start(
        self, prompts: Sequence[Sequence[int]], max_new_tokens: int, prefixes: Sequence[int] = ()
    ) -> Tensor:
        """Prefill ``prompts`` in one left-padded batch (``prefixes`` is not used here)."""
        longest = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), longest), self.pad_id, dtype=torch.long)
        mask = torch.zeros(len(prompts), longest, dtype=torch.long)
        for row, prompt in enumerate(prompts):
            ids[row, longest - len(prompt) :] = torch.tensor(prompt, dtype=torch.long)
            mask[row, longest - len(prompt) :] = 1
        ids, self._mask = ids.to(self.device), mask.to(self.device)
        positions = (self._mask.cumsum(-1) - 1).clamp(min=0)
        self._positions = positions[:, -1] + 1
        return self._run(ids, positions)

    def step(self, tokens: Tensor) -> Tensor:
        ones = torch.ones(len(tokens), 1, dtype=torch.long, device=self.device)
        self._mask = torch.cat([self._mask, ones], dim=1)
        logits = self._run(tokens[:, None], self._positions[:, None])
        self._positions = self._positions + 1
        return logits

    def keep(self, rows: Tensor) -> None:
        self._past.batch_select_indices(rows)
        self._mask = self._mask.index_select(0, rows)
        self._positions = self._positions.index_select(0, rows)

    def _run(self, ids: Tensor, positions: Tensor) -> Tensor:
        out = self.model(
            input_ids=ids,
            attention_mask=self._mask,
            position_ids=positions,
            past_key_values=self._past,
            use_cache=True,
        )
        self._past = out.past_key_values
        logits: Tensor = out.logits[:, -1].float()
        return logits
