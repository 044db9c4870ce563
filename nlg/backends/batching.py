"""The generation queue: concurrent replies decoded together, off the event loop.

One worker thread owns the decoder. It waits for a request, then up to
``max_wait`` seconds more for others (at most ``max_batch``), prefills them as
one left-padded batch and decodes them step by step; a row stops at an end
token, at its ``max_new_tokens`` or when its caller went away, and finished rows
leave the batch at once. So one conversation decodes alone, while 32 at once
share each matrix product, and throughput grows with load.

Each job's text comes back through ``emit``: pieces of text, then ``None``
(finished) or an exception. A caller that has gone away (its event loop closed)
only cancels its own job: the worker goes on for everyone else.

The worker thread is the only thread that runs the model: it also builds the
decoder (``build``) and runs other torch work handed to :meth:`call`. This is
not tidiness: torch's OpenMP runtime (libgomp) stops busy-waiting between
parallel regions once more of its threads exist than cores, and a decode step
of a small model is hundreds of tiny parallel regions, so a second
torch-using thread makes decoding about twice as slow on two cores.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch
from torch import Tensor

from nlg.errors import GenerationError
from nlg.interfaces import GenerationRequest

log = logging.getLogger(__name__)

Emit = Callable[[str | BaseException | None], None]
Loaded = tuple["BatchDecoder", "Detokenizer", set[int]]


@dataclass
class Call:
    """Other torch work to run on the worker thread."""

    work: Callable[[], Any]
    done: Future[Any] = field(default_factory=Future)


class BatchDecoder(Protocol):
    def start(
        self, prompts: Sequence[Sequence[int]], max_new_tokens: int, prefixes: Sequence[int] = ()
    ) -> Tensor: ...
    def step(self, tokens: Tensor) -> Tensor: ...
    def keep(self, rows: Tensor) -> None: ...


class Detokenizer(Protocol):
    def decode(self, ids: list[int], skip_special_tokens: bool = ...) -> Any: ...


@dataclass
class Job:
    prompt: list[int]
    request: GenerationRequest
    emit: Emit
    cancelled: threading.Event = field(default_factory=threading.Event)
    tokens: list[int] = field(default_factory=list)
    sent_chars: int = 0
    rng: torch.Generator | None = None
    prefix: int = 0  # tokens before the prompt's last chat message: a reusable prefix
    allowed: Tensor | None = None  # [vocab] booleans: the only tokens it may choose

    def send(self, item: str | BaseException | None) -> None:
        """Hand ``item`` to the caller; a caller that went away cancels the job, nothing more.

        ``emit`` raises when its event loop has closed (a test ended, a server stopped
        while a reply was decoding); that must never stop the worker every other
        conversation depends on.
        """
        try:
            self.emit(item)
        except Exception as e:
            log.debug("a generation's caller went away: %r", e)
            self.cancelled.set()


def choose(logits: Tensor, job: Job, stop_ids: Sequence[int] = ()) -> int:
    """The next token of ``job``: penalise repeats of its own tokens, then greedy or top-p."""
    request = job.request
    if job.allowed is not None:
        logits = logits.masked_fill(~job.allowed.to(logits.device), float("-inf"))
    if len(job.tokens) < request.min_new_tokens and stop_ids:
        logits = logits.clone()
        logits[list(stop_ids)] = float("-inf")
    if job.tokens and request.repetition_penalty != 1.0:
        seen = torch.tensor(sorted(set(job.tokens)), device=logits.device)
        scores = logits[seen]
        logits = logits.clone()
        penalty = request.repetition_penalty
        logits[seen] = torch.where(scores > 0, scores / penalty, scores * penalty)
    if request.temperature <= 0:
        return int(logits.argmax())
    probs = torch.softmax(logits / request.temperature, dim=-1)
    ordered, order = probs.sort(descending=True)
    outside = ordered.cumsum(-1) - ordered > request.top_p
    ordered[outside] = 0
    pick = torch.multinomial(ordered.cpu(), 1, generator=job.rng)
    return int(order[int(pick)])


class GenerationQueue:
    """Dynamic batching over one decoder; :meth:`submit` is thread-safe and never blocks."""

    def __init__(
        self, build: Callable[[], Loaded], max_batch: int = 32, max_wait: float = 0.005
    ) -> None:
        """Start the worker, which first runs ``build``; :meth:`ready` waits for it."""
        self.max_batch = max_batch
        self.max_wait = max_wait
        self.batch_sizes: list[int] = []
        self._jobs: queue.Queue[Job | Call | None] = queue.Queue()
        self._loaded = Call(build)
        self._thread = threading.Thread(target=self._work, name="parley-nlg-batch", daemon=True)
        self._thread.start()

    def ready(self) -> Loaded:
        """The decoder, tokenizer and stop ids, once built; re-raises a failed build."""
        loaded: Loaded = self._loaded.done.result()
        return loaded

    def use(self, decoder: BatchDecoder, max_batch: int | None = None) -> None:
        """Decode with ``decoder`` (and batches of ``max_batch``) from now on; waits its turn."""

        def switch() -> None:
            self.decoder = decoder
            self.max_batch = max_batch or self.max_batch

        self.call(switch).result()

    def call(self, work: Callable[[], Any]) -> Future[Any]:
        """Run ``work`` on the worker thread, between batches."""
        job = Call(work)
        self._jobs.put(job)
        return job.done

    def submit(self, job: Job) -> None:
        if job.request.seed is not None:
            job.rng = torch.Generator().manual_seed(job.request.seed)
        self._jobs.put(job)

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=30)

    def _run(self, call: Call) -> None:
        try:
            call.done.set_result(call.work())
        except BaseException as e:
            call.done.set_exception(e)

    def _work(self) -> None:
        self._run(self._loaded)
        if self._loaded.done.exception() is not None:
            return
        self.decoder, self.tokenizer, self.stop_ids = self._loaded.done.result()
        while (batch := self._collect()) is not None:
            try:
                with torch.inference_mode():
                    self._decode([job for job in batch if not job.cancelled.is_set()])
            except Exception as e:  # every waiting caller must hear of it; the worker goes on
                log.exception("batched decoding failed")
                for job in batch:
                    job.send(GenerationError(f"decoding failed: {e}"))

    def _collect(self) -> list[Job] | None:
        while isinstance(first := self._jobs.get(), Call):
            self._run(first)
        if first is None:
            return None
        batch, deadline = [first], time.monotonic() + self.max_wait
        while len(batch) < self.max_batch:
            try:
                job = self._jobs.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if isinstance(job, Call):
                self._run(job)
                continue
            if job is None:
                self._jobs.put(None)
                break
            batch.append(job)
        return batch

    def _decode(self, jobs: list[Job]) -> None:
        if not jobs:
            return
        self.batch_sizes.append(len(jobs))
        budget = max(job.request.max_new_tokens for job in jobs)
        prompts, prefixes = [job.prompt for job in jobs], [job.prefix for job in jobs]
        logits = self.decoder.start(prompts, budget, prefixes)
        active = list(jobs)
        while active:
            stops = sorted(self.stop_ids)
            chosen = [choose(logits[row], job, stops) for row, job in enumerate(active)]
            still = [row for row, job in enumerate(active) if self._advance(job, chosen[row])]
            if not still:
                return
            if len(still) < len(active):
                rows = torch.tensor(still, device=logits.device)
                self.decoder.keep(rows)
                logits = logits.index_select(0, rows)
                active = [active[row] for row in still]
                chosen = [chosen[row] for row in still]
            logits = self.decoder.step(torch.tensor(chosen, device=logits.device))

    def _advance(self, job: Job, token: int) -> bool:
        """Record ``token`` for ``job`` and send new text; whether the job goes on."""
        if job.cancelled.is_set():
            job.send(None)
            return False
        if token in self.stop_ids:
            job.send(None)
            return False
        job.tokens.append(token)
        text = self.tokenizer.decode(job.tokens, skip_special_tokens=True)
        if not text.endswith("\ufffd"):  # wait for the rest of a multi-byte character
            job.send(text[job.sent_chars :])
            job.sent_chars = len(text)
        if len(job.tokens) >= job.request.max_new_tokens or _stops(text, job.request.stop_at):
            job.send(None)
            return False
        return True


def _stops(text: str, stop_at: Sequence[str]) -> bool:
    return bool(stop_at) and text.rstrip(" \"'").endswith(tuple(stop_at))
