"""A lean batched decoder for Llama-family models (Llama, SmolLM, Mistral, Qwen2).

``model.generate`` spends most of a small model's time outside the matrix
products (hooks, cache objects, mask building, logits processors). This decoder
takes the weights of a loaded ``transformers`` model, fuses q/k/v and gate/up
into one product each, keeps a preallocated key/value cache, and runs plain
tensor code under ``torch.inference_mode``.

Weights may be float32, bfloat16/float16, or ``int8`` (weight-only int8 with
bfloat16 activations; see :class:`Projection`). Decoding one conversation of a
small model on a CPU reads every weight once per token, so int8 weights, a
quarter of float32's bytes, decode several times faster.

Batches are left-padded: row ``b`` of a batch has ``pad[b]`` padding slots at
the front, its own positions, and a key mask, so rows of different prompt
lengths decode together. :meth:`LlamaDecoder.keep` drops finished rows.

A prompt that begins like one prefilled before (the same system prompt and
instructions) reuses that prompt's keys and values for the shared prefix (see
:mod:`nlg.backends.prefix_cache`): only the rest of it is prefilled, into the
slots after the longest reused prefix of its batch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from torch.nn import functional

from nlg.backends.prefix_cache import NOTHING, PrefixCache, Reuse

SUPPORTED_MODEL_TYPES = frozenset({"llama", "mistral", "qwen2"})


INT8 = "int8"
INT4 = "int4"
QUANTISED = (INT8, INT4)
INT4_GROUP = 32
# Up to this many rows (tokens in the batch step), int8 weights beat bfloat16 ones.
INT8_MAX_ROWS = 4


class Projection:
    """``x @ weight.T + bias`` in the decoder's number format.

    With ``int8`` or ``int4`` the weights are kept twice: quantised for decode
    steps of a few rows, where reading the weights is the cost, and bfloat16 for
    prefill and large batches, where arithmetic is. Activations are bfloat16.
    ``int8`` is per output channel; ``int4`` is asymmetric in groups of 32 along
    the input, the layout of the GGUF Q4 formats the bundled model ships in.
    """

    def __init__(self, weight: Tensor, bias: Tensor | None, dtype: torch.dtype | str) -> None:
        self.kind = dtype if dtype in QUANTISED else None
        working = torch.bfloat16 if self.kind else dtype
        assert isinstance(working, torch.dtype)
        self.weight = weight.detach().to(working)
        self.bias = None if bias is None else bias.detach().to(working)
        full = weight.detach().float()
        if self.kind == INT8:
            scales = (full.abs().amax(dim=1) / 127).clamp(min=1e-8)
            self.packed = (full / scales[:, None]).round().clamp(-127, 127).to(torch.int8)
            self.scales = scales.to(torch.bfloat16)
        elif self.kind == INT4:
            self.packed, self.scales = _pack_int4(full)

    def __call__(self, x: Tensor) -> Tensor:
        rows = x.numel() // x.shape[-1]
        if self.kind is None or rows > INT8_MAX_ROWS:
            return functional.linear(x, self.weight, self.bias)
        flat = x.reshape(rows, -1)
        if self.kind == INT8:
            product = torch._weight_int8pack_mm(flat, self.packed, self.scales)
        else:
            product = torch._weight_int4pack_mm_for_cpu(flat, self.packed, INT4_GROUP, self.scales)
        out = product.reshape(*x.shape[:-1], -1)
        return out if self.bias is None else out + self.bias


def _pack_int4(weight: Tensor) -> tuple[Tensor, Tensor]:
    """torch's CPU int4 layout: packed weight, and per-group (scale, zero) as [groups, out, 2]."""
    rows, columns = weight.shape
    groups = weight.reshape(rows, columns // INT4_GROUP, INT4_GROUP)
    low, high = groups.amin(-1), groups.amax(-1)
    scale = ((high - low) / 15).clamp(min=1e-8)
    levels = ((groups - low[..., None]) / scale[..., None]).round().clamp(0, 15)
    packed = torch._convert_weight_to_int4pack_for_cpu(levels.to(torch.int32).reshape(rows, -1), 1)
    zero = low + 8 * scale  # torch's int4 kernels compute (level - 8) * scale + zero
    scales = torch.stack([scale.t(), zero.t()], dim=-1).contiguous().to(torch.bfloat16)
    return packed, scales


def quantised_supported(kind: str, model: Any = None) -> bool:
    """Whether this torch has the CPU kernels, and (int4) the model's widths fit its groups."""
    if kind == INT8:
        return hasattr(torch, "_weight_int8pack_mm")
    widths = [] if model is None else [model.config.hidden_size, model.config.intermediate_size]
    fits = all(width % INT4_GROUP == 0 for width in widths)
    return fits and hasattr(torch, "_weight_int4pack_mm_for_cpu")


@dataclass(frozen=True)
class _Layer:
    norm_1: Tensor
    qkv: Projection
    out: Projection
    norm_2: Tensor
    gate_up: Projection
    down: Projection


def _bias(module: Any) -> Tensor | None:
    bias = getattr(module, "bias", None)
    return None if bias is None else bias.detach()


class LlamaDecoder:
    """Prefill a batch of prompts, then decode one token per row per :meth:`step`."""

    def __init__(self, model: Any, dtype: torch.dtype | str, prefix_cache: int = 16) -> None:
        """``prefix_cache``: how many recent prompts' keys and values to keep for reuse."""
        config = model.config
        self.dtype: torch.dtype = torch.bfloat16 if dtype in QUANTISED else dtype  # type: ignore[assignment]
        self.heads = config.num_attention_heads
        self.kv_heads = config.num_key_value_heads
        self.head_dim = getattr(config, "head_dim", None) or config.hidden_size // self.heads
        self.eps = config.rms_norm_eps
        rotary = model.model.rotary_emb
        self.inv_freq = rotary.inv_freq.detach().float().to(model.model.embed_tokens.weight.device)
        self.rope_scale = float(getattr(rotary, "attention_scaling", 1.0))
        self.embed = model.model.embed_tokens.weight.detach().to(self.dtype)
        self.device = self.embed.device
        self.final_norm = model.model.norm.weight.detach().to(self.dtype)
        self.lm_head = Projection(model.lm_head.weight, None, dtype)
        self.layers = [self._layer(layer, dtype) for layer in model.model.layers]
        self._k: list[Tensor] = []
        self._v: list[Tensor] = []
        self._keys_valid = torch.zeros(0, 0, dtype=torch.bool)
        self._positions = torch.zeros(0, dtype=torch.long)
        self.length = 0
        self.prefixes = PrefixCache(prefix_cache)

    @staticmethod
    def supports(model: Any) -> bool:
        config = getattr(model, "config", None)
        rope = getattr(config, "rope_parameters", None) or {}
        return (
            getattr(config, "model_type", None) in SUPPORTED_MODEL_TYPES
            and rope.get("rope_type", "default") == "default"
            and not getattr(config, "mlp_bias", False)
        )

    @staticmethod
    def _layer(layer: Any, dtype: torch.dtype | str) -> _Layer:
        attention, mlp = layer.self_attn, layer.mlp
        norm_dtype = torch.bfloat16 if dtype in QUANTISED else dtype
        projections = (attention.q_proj, attention.k_proj, attention.v_proj)
        biases = [_bias(p) for p in projections]
        qkv_bias = None if biases[0] is None else torch.cat([b for b in biases if b is not None])
        gate_up = torch.cat([mlp.gate_proj.weight, mlp.up_proj.weight])
        return _Layer(
            norm_1=layer.input_layernorm.weight.detach().to(norm_dtype),
            qkv=Projection(torch.cat([p.weight.detach() for p in projections]), qkv_bias, dtype),
            out=Projection(attention.o_proj.weight, _bias(attention.o_proj), dtype),
            norm_2=layer.post_attention_layernorm.weight.detach().to(norm_dtype),
            gate_up=Projection(gate_up, None, dtype),
            down=Projection(mlp.down_proj.weight, None, dtype),
        )

    def start(
        self,
        prompts: Sequence[Sequence[int]],
        max_new_tokens: int,
        prefixes: Sequence[int] = (),
    ) -> Tensor:
        """Prefill ``prompts``; the next-token logits of each row, ``[B, vocab]``.

        Row ``b`` reuses the cached keys and values of its longest cached prefix
        (``m[b]`` tokens, slots ``0..m[b]``); the rest of every prompt is
        left-padded into the slots after the longest reused prefix and prefilled.

        ``prefixes[b]`` > 0 (the tokens before the prompt's last chat message)
        makes the reuse exact: row ``b`` reuses exactly that prefix, prefilled on
        its own first when no cached prompt has it. A prompt's keys and values
        then never depend on which prompts came before it, so the same
        conversation decodes to the same reply every time.
        """
        if any(prefixes) and self.prefixes.capacity > 0:
            self._prefill_prefixes(prompts, prefixes)
            reuse = [
                self.prefixes.lookup(prompt, exactly=n) if n else self.prefixes.lookup(prompt)
                for prompt, n in zip(prompts, prefixes, strict=True)
            ]
        else:
            reuse = [self.prefixes.lookup(prompt) for prompt in prompts]
        return self._prefill(prompts, max_new_tokens, reuse)

    def _prefill_prefixes(self, prompts: Sequence[Sequence[int]], prefixes: Sequence[int]) -> None:
        """Prefill, each on its own and reusing nothing, the prefixes no cached prompt has."""
        for prompt, n in zip(prompts, prefixes, strict=True):
            if n and not self.prefixes.covers(prompt[:n]):
                self._prefill([prompt[:n]], 0, [NOTHING])

    def _prefill(
        self, prompts: Sequence[Sequence[int]], max_new_tokens: int, reuse: list[Reuse]
    ) -> Tensor:
        shared = max(r.length for r in reuse)
        tails = [prompt[r.length :] for prompt, r in zip(prompts, reuse, strict=True)]
        batch, width, device = len(prompts), max(len(t) for t in tails), self.device
        self._allocate(batch, shared + width + max_new_tokens)
        self._fill_prefixes(reuse)
        pads = torch.tensor([width - len(t) for t in tails], device=device)
        reused = torch.tensor([r.length for r in reuse], device=device)
        ids = torch.zeros(batch, width, dtype=torch.long)
        for row, tail in enumerate(tails):
            ids[row, width - len(tail) :] = torch.tensor(tail, dtype=torch.long)
        span = torch.arange(width, device=device)
        tail_valid = span[None, :] >= pads[:, None]
        self._keys_valid[:, shared : shared + width] = tail_valid
        positions = reused[:, None] + (span[None, :] - pads[:, None]).clamp(min=0)
        causal = torch.ones(width, width, dtype=torch.bool, device=device).tril()
        # Padding slots attend to themselves, so that no softmax row is empty (NaN).
        eye = torch.eye(width, dtype=torch.bool, device=device)
        own = causal[None] & tail_valid[:, None, :] | eye[None]
        before = self._keys_valid[:, None, :shared].expand(batch, width, shared)
        mask = torch.cat([before, own], dim=-1)
        self.length = shared
        logits = self._forward(ids.to(device), positions, mask[:, None])
        self._positions = positions[:, -1] + 1
        self._remember(prompts, reuse, shared + width)
        return logits

    def _allocate(self, batch: int, capacity: int) -> None:
        shape = (batch, self.kv_heads, capacity, self.head_dim)
        self._k = [torch.zeros(shape, dtype=self.dtype, device=self.device) for _ in self.layers]
        self._v = [torch.zeros(shape, dtype=self.dtype, device=self.device) for _ in self.layers]
        self._keys_valid = torch.zeros(batch, capacity, dtype=torch.bool, device=self.device)

    def _fill_prefixes(self, reuse: list[Reuse]) -> None:
        """Copy each cached prefix into the rows reusing it (one copy per prefix and layer)."""
        groups: dict[tuple[int, int], list[int]] = {}
        for row, r in enumerate(reuse):
            if r.prompt is not None:
                groups.setdefault((id(r.prompt), r.length), []).append(row)
        for rows in groups.values():
            r = reuse[rows[0]]
            assert r.prompt is not None
            index = torch.tensor(rows, device=self.device)
            self._keys_valid[index, : r.length] = True
            cached = zip(r.prompt.keys, r.prompt.values, strict=True)
            for layer, (keys, values) in enumerate(cached):
                self._k[layer][index, :, : r.length] = keys[None, :, : r.length]
                self._v[layer][index, :, : r.length] = values[None, :, : r.length]

    def _remember(self, prompts: Sequence[Sequence[int]], reuse: list[Reuse], end: int) -> None:
        """Cache each new prompt's keys and values (its reused prefix and its prefilled tail)."""
        if self.prefixes.capacity <= 0:
            return
        seen: set[tuple[int, ...]] = set()
        for row, prompt in enumerate(prompts):
            key = tuple(prompt)
            if key in seen or self.prefixes.covers(key):
                continue
            seen.add(key)
            length, tail = reuse[row].length, len(prompt) - reuse[row].length
            slots = torch.cat([torch.arange(length), torch.arange(end - tail, end)])
            slots = slots.to(self.device)
            keys = [k[row].index_select(1, slots) for k in self._k]
            values = [v[row].index_select(1, slots) for v in self._v]
            self.prefixes.add(key, keys, values)

    def step(self, tokens: Tensor) -> Tensor:
        """Feed one token per row; the next-token logits, ``[B, vocab]``."""
        self._keys_valid[:, self.length] = True
        mask = self._keys_valid[:, None, None, : self.length + 1]
        logits = self._forward(tokens[:, None], self._positions[:, None], mask)
        self._positions = self._positions + 1
        return logits

    def keep(self, rows: Tensor) -> None:
        """Continue with only these rows (indices into the current batch)."""
        self._k = [k.index_select(0, rows) for k in self._k]
        self._v = [v.index_select(0, rows) for v in self._v]
        self._keys_valid = self._keys_valid.index_select(0, rows)
        self._positions = self._positions.index_select(0, rows)

    def _rotary(self, positions: Tensor) -> tuple[Tensor, Tensor]:
        freqs = positions[..., None].float() * self.inv_freq
        angles = torch.cat((freqs, freqs), dim=-1)
        cos = (angles.cos() * self.rope_scale).to(self.dtype)[:, None]
        sin = (angles.sin() * self.rope_scale).to(self.dtype)[:, None]
        return cos, sin

    def _norm(self, x: Tensor, weight: Tensor) -> Tensor:
        x32 = x.float()
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return weight * x32.to(self.dtype)

    def _forward(self, ids: Tensor, positions: Tensor, mask: Tensor) -> Tensor:
        x = functional.embedding(ids, self.embed)
        cos, sin = self._rotary(positions)
        start, width = self.length, ids.shape[1]
        mask = self._grouped_mask(mask)
        for index, layer in enumerate(self.layers):
            x = x + self._attention(index, layer, self._norm(x, layer.norm_1), cos, sin, mask)
            gate, up = layer.gate_up(self._norm(x, layer.norm_2)).chunk(2, -1)
            x = x + layer.down(functional.silu(gate) * up)
        self.length = start + width
        last = self._norm(x[:, -1], self.final_norm)
        return self.lm_head(last).float()

    def _attention(
        self, index: int, layer: _Layer, h: Tensor, cos: Tensor, sin: Tensor, mask: Tensor
    ) -> Tensor:
        batch, width, _ = h.shape
        qkv = layer.qkv(h)
        q_size: int = self.heads * self.head_dim
        kv_size: int = self.kv_heads * self.head_dim
        q, k, v = torch.split(qkv, [q_size, kv_size, kv_size], dim=-1)
        q = _rotate(q.view(batch, width, self.heads, self.head_dim).transpose(1, 2), cos, sin)
        k = _rotate(k.view(batch, width, self.kv_heads, self.head_dim).transpose(1, 2), cos, sin)
        v = v.view(batch, width, self.kv_heads, self.head_dim).transpose(1, 2)
        end = self.length + width
        self._k[index][:, :, self.length : end] = k
        self._v[index][:, :, self.length : end] = v
        attended = self._grouped_attention(
            q, self._k[index][:, :, :end], self._v[index][:, :, :end], mask
        )
        merged = attended.transpose(1, 2).reshape(batch, width, q_size)
        return layer.out(merged)

    def _grouped_mask(self, mask: Tensor) -> Tensor:
        """``mask`` ``[B, 1, W, L]`` for :meth:`_grouped_attention`'s folded queries: each
        query position's row once per query head of a group (unchanged for one position)."""
        batch, _, width, keys = mask.shape
        if width == 1:
            return mask
        group = self.heads // self.kv_heads
        expanded = mask[:, :, None].expand(-1, -1, group, -1, -1)
        return expanded.reshape(batch, 1, group * width, keys)

    def _grouped_attention(self, q: Tensor, k: Tensor, v: Tensor, mask: Tensor) -> Tensor:
        """Attention of ``q`` ``[B, heads, W, D]`` over the shared key/value heads.

        The query heads that share a key/value head are folded into its query
        length (``[B, kv_heads, group * W, D]``), so the keys and values are read
        in place: ``enable_gqa`` copies them once per query head on a CPU, which
        made attention over a long cache in bfloat16 about 6x slower.
        """
        batch, heads, width, dim = q.shape
        folded = q.reshape(batch, self.kv_heads, heads // self.kv_heads * width, dim)
        attended = functional.scaled_dot_product_attention(
            folded, k, v, attn_mask=mask, scale=1 / math.sqrt(self.head_dim)
        )
        return attended.view(batch, heads, width, dim)


def _rotate(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    half = x.shape[-1] // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return x * cos + rotated * sin
