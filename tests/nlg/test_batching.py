"""The generation queue outlives its callers: one that went away never stops the worker."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import torch
from torch import Tensor

from nlg.backends.batching import GenerationQueue, Job
from nlg.interfaces import ChatMessage, GenerationRequest

VOCAB = 4  # 0 ends a reply; 1..3 are the letters a..c
END = 0


class CountingDecoder:
    """Always prefers the token after the last one (a, b, c, a, …); never ends by itself."""

    def start(
        self, prompts: Sequence[Sequence[int]], max_new_tokens: int, prefixes: Sequence[int] = ()
    ) -> Tensor:
        self.last = torch.tensor([p[-1] for p in prompts])
        return self._logits()

    def step(self, tokens: Tensor) -> Tensor:
        self.last = tokens
        return self._logits()

    def keep(self, rows: Tensor) -> None:
        self.last = self.last.index_select(0, rows)

    def _logits(self) -> Tensor:
        nxt = self.last % 3 + 1
        return torch.nn.functional.one_hot(nxt, VOCAB).float()


class Letters:
    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        return "".join("abc"[i - 1] for i in ids if i)


def request(tokens: int) -> GenerationRequest:
    return GenerationRequest((ChatMessage("user", "go"),), max_new_tokens=tokens)


def collecting_job(tokens: int) -> tuple[Job, list[object], threading.Event]:
    received: list[object] = []
    done = threading.Event()

    def emit(item: object) -> None:
        received.append(item)
        if item is None or isinstance(item, BaseException):
            done.set()

    return Job([1], request(tokens), emit), received, done


def test_a_caller_whose_event_loop_closed_does_not_stop_the_worker() -> None:
    queue = GenerationQueue(lambda: (CountingDecoder(), Letters(), {END}), max_wait=0.05)
    queue.ready()
    gone = asyncio.new_event_loop()
    gone.close()
    left = Job([1], request(6), lambda item: gone.call_soon_threadsafe(print, item))
    job, received, done = collecting_job(3)
    try:
        queue.submit(left)
        queue.submit(job)
        assert done.wait(timeout=10), "the worker stopped when a caller's loop was closed"
        assert "".join(p for p in received if isinstance(p, str)) == "bca"
        assert received[-1] is None
        assert left.cancelled.is_set()

        after, later, finished = collecting_job(2)
        queue.submit(after)
        assert finished.wait(timeout=10), "the queue must go on"
        assert "".join(p for p in later if isinstance(p, str)) == "bc"
    finally:
        queue.close()


def test_a_job_cancelled_before_its_batch_is_dropped_and_the_next_is_served() -> None:
    queue = GenerationQueue(lambda: (CountingDecoder(), Letters(), {END}))
    queue.ready()
    job, received, _ = collecting_job(10_000)
    job.cancelled.set()
    other, text, finished = collecting_job(2)
    try:
        queue.submit(job)
        queue.submit(other)
        assert finished.wait(timeout=10)
        assert "".join(p for p in text if isinstance(p, str)) == "bc"
        assert received == [], "nobody listens to a cancelled job"
    finally:
        queue.close()
