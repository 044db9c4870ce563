"""What the CPU offers that training code tunes itself to, shared by the NLU and the NLG."""

from __future__ import annotations


def native_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX-512 BF16 or AMX), so that training
    passes under bfloat16 autocast are faster; elsewhere they would be slower, and training
    stays float32. Imports torch: call it only where a model is trained."""
    import torch

    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in checks)
