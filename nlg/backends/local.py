"""The ``transformers`` backend: a local causal LM on torch, decoded by the generation queue.

:meth:`TransformersGenerator.load` finds the model (the bundled SmolLM2 GGUF by
default, cached as safetensors after its first conversion), moves it to the
configured device and dtype, and picks the decoder: the lean
:class:`~nlg.backends.llama.LlamaDecoder` for Llama-family models, else the
generic :class:`~nlg.backends.hf_decoder.HFDecoder`. Prompts use the
tokenizer's own chat template.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch

from nlg.backends.batching import BatchDecoder, GenerationQueue, Job
from nlg.backends.hf_decoder import HFDecoder
from nlg.backends.llama import INT4, INT8, QUANTISED, LlamaDecoder, quantised_supported
from nlg.backends.model_files import load_causal_lm
from nlg.backends.vocabulary import VocabularyMask
from nlg.errors import GenerationError, NLGConfigError
from nlg.interfaces import ChatMessage, GenerationRequest

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass(frozen=True)
class LocalModelOptions:
    model: str | None = None
    device: str = "auto"
    dtype: Literal["auto", "int4", "int8", "float32", "bfloat16", "float16"] = "auto"
    threads: int | None = None
    max_batch: int = 32
    max_wait_ms: float = 5.0
    decoder: Literal["auto", "lean", "transformers"] = "auto"
    prefix_cache: int = 16  # recent prompts whose keys/values the lean decoder reuses
    adapter: Path | None = None  # a LoRA adapter merged into the weights at load


def pick_device(device: str) -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def pick_dtype(dtype: str, device: str, model: Any = None) -> torch.dtype | str:
    """``auto``: bfloat16 on a GPU; on a CPU int4 weights, else int8, else float32."""
    on_gpu = device.startswith("cuda")
    if dtype == "auto":
        if on_gpu:
            return torch.bfloat16
        usable = [k for k in (INT4, INT8) if quantised_supported(k, model)]
        return usable[0] if usable else torch.float32
    if dtype in QUANTISED:
        if on_gpu or not quantised_supported(dtype, model):
            raise NLGConfigError(f"nlg.dtype: {dtype} weights need a CPU and fitting layers")
        return dtype
    return DTYPES[dtype]


class TransformersGenerator:
    """Satisfies :class:`~nlg.interfaces.TextGenerator` with a local model."""

    def __init__(
        self,
        tokenizer: Any,
        queue: GenerationQueue,
        model_id: str,
        vocabulary: VocabularyMask | None = None,
    ) -> None:
        """``queue`` runs the model; everything torch does happens on its thread."""
        self.tokenizer = tokenizer
        self.queue = queue
        self.model_id = model_id
        self._vocabulary = vocabulary

    @property
    def vocabulary(self) -> VocabularyMask:
        """Token masks for constrained decoding (``GenerationRequest.allowed_words``)."""
        if self._vocabulary is None:
            _, _, stops = self.queue.ready()
            self._vocabulary = VocabularyMask(self.tokenizer, always=set(stops))
        return self._vocabulary

    @classmethod
    def load(cls, options: LocalModelOptions, cache: Path | None = None) -> TransformersGenerator:
        def build() -> tuple[BatchDecoder, Any, set[int]]:
            if options.threads:
                torch.set_num_threads(options.threads)
            device = pick_device(options.device)
            model, tokenizer = load_causal_lm(options.model, device, cache, options.adapter)
            dtype = pick_dtype(options.dtype, device, model)
            kind, cached = options.decoder, options.prefix_cache
            decoder = build_decoder(model, tokenizer, dtype, kind, prefix_cache=cached)
            return decoder, tokenizer, stop_ids(model, tokenizer)

        queue = GenerationQueue(build, options.max_batch, options.max_wait_ms / 1000)
        _, tokenizer, stops = queue.ready()
        vocabulary = VocabularyMask(tokenizer, always=set(stops))
        name = str(options.model or "bundled SmolLM2-135M-Instruct")
        if options.adapter is not None:
            name += " + fine-tuned adapter"
        return cls(tokenizer, queue, name, vocabulary)

    def prompt_ids(self, request: GenerationRequest) -> list[int]:
        return self._chat_ids(request.messages, generation_prompt=True)

    def prefix_length(self, request: GenerationRequest, ids: list[int]) -> int:
        """Tokens of ``ids`` before the last chat message (0 if they are not a prefix of it)."""
        if len(request.messages) < 2:
            return 0
        head = self._chat_ids(request.messages[:-1], generation_prompt=False)
        return len(head) if ids[: len(head)] == head else 0

    def _chat_ids(self, messages: Sequence[ChatMessage], generation_prompt: bool) -> list[int]:
        chat = [{"role": m.role, "content": m.content} for m in messages]
        ids = self.tokenizer.apply_chat_template(
            chat, add_generation_prompt=generation_prompt, tokenize=True, return_dict=True
        )["input_ids"]
        return list(ids)

    async def stream(self, request: GenerationRequest) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[str | BaseException | None] = asyncio.Queue()

        def emit(item: str | BaseException | None) -> None:
            loop.call_soon_threadsafe(pieces.put_nowait, item)

        ids = self.prompt_ids(request)
        job = Job(ids, request, emit, threading.Event(), prefix=self.prefix_length(request, ids))
        if request.allowed_words is not None:
            job.allowed = self.vocabulary.mask(request.allowed_words)
        self.queue.submit(job)
        try:
            while (item := await pieces.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            job.cancelled.set()

    async def close(self) -> None:
        await asyncio.to_thread(self.queue.close)


def build_decoder(
    model: Any, tokenizer: Any, dtype: torch.dtype | str, kind: str, prefix_cache: int = 16
) -> BatchDecoder:
    if kind == "lean" and not LlamaDecoder.supports(model):
        raise NLGConfigError(
            f"nlg.decoder: 'lean' needs a Llama-family model, not {model.config.model_type!r}"
        )
    if kind != "transformers" and LlamaDecoder.supports(model):
        return LlamaDecoder(model, dtype, prefix_cache)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    return HFDecoder(model.to(torch.bfloat16 if dtype in QUANTISED else dtype), pad)


def stop_ids(model: Any, tokenizer: Any) -> set[int]:
    """End-of-turn tokens: the tokenizer's and the generation config's EOS ids."""
    found: set[int] = set()
    for value in (tokenizer.eos_token_id, getattr(model.generation_config, "eos_token_id", None)):
        if isinstance(value, int):
            found.add(value)
        elif isinstance(value, list):
            found.update(v for v in value if isinstance(v, int))
    if not found:
        raise GenerationError("the model has no end-of-sequence token; cannot stop decoding")
    return found
