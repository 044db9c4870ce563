"""A tiny random Llama with the bundled model's tokenizer: real code paths, seconds of CPU."""

from __future__ import annotations

from pathlib import Path

import torch

from nlg.backends.model_files import bundled_gguf, converted_gguf


def write_tiny_llama(folder: Path, seed: int = 0) -> Path:
    """Save a 2-layer Llama (hidden size 64) and SmolLM2's tokenizer into ``folder``."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    converted, _ = converted_gguf(bundled_gguf())
    tokenizer = AutoTokenizer.from_pretrained(str(converted))
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
        initializer_range=0.5,  # logits wide enough for a 64-wide model to learn a preference
    )
    LlamaForCausalLM(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder
