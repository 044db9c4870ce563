"""Parse concurrent messages as one NLU batch, off the event loop.

The encoder of a pipeline (``LanguageModelFeaturizer``) runs a list of messages
in about the time of a few single ones, so 32 conversations parsed one by one
waste most of it. :class:`ParseBatcher` batches adaptively: when it is idle a
message is parsed at once, alone, with no added wait; while a batch runs in a
worker thread, new messages queue, and the next batch takes all of them (at
most ``max_batch``). The busier the bot, the larger the batches.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from nlu.interfaces import Interpreter, ParseResult

DEFAULT_MAX_BATCH = 32


@runtime_checkable
class BatchInterpreter(Interpreter, Protocol):
    """An interpreter that parses many texts in one call."""

    def parse_batch(
        self, texts: Sequence[str], message_ids: Sequence[str | None]
    ) -> list[ParseResult]:
        """``parse`` of each text with its message id, in order; the same results as
        parsing them one by one. Synchronous and CPU-bound."""
        ...


def parse_all(
    interpreter: Interpreter, texts: Sequence[str], message_ids: Sequence[str | None]
) -> list[ParseResult]:
    """Each text parsed with its message id: in one batch where ``interpreter`` can."""
    if isinstance(interpreter, BatchInterpreter):
        return interpreter.parse_batch(texts, message_ids)
    return [interpreter.parse(t, i) for t, i in zip(texts, message_ids, strict=True)]


@dataclass(frozen=True)
class _Request:
    text: str
    message_id: str | None
    answer: asyncio.Future[ParseResult]


class ParseBatcher:
    """Gathers concurrent :meth:`parse` calls into batches for ``interpreter``.

    One worker task per event loop, started by the first call and ended when no
    message waits, so nothing outlives a loop that goes idle. The batch runs in
    ``asyncio.to_thread``. When a batch fails, its texts are parsed again one by
    one, so one text that breaks a component fails only its own caller; later
    batches are unaffected. A cancelled caller drops out of its
    batch without touching the others. ``max_wait_ms`` makes a batch that follows
    another wait that long for more messages (never a message that finds the
    batcher idle); it did not help in measurements, so it is off by default. Use a
    batcher from one event loop at a time.
    """

    def __init__(
        self,
        interpreter: Interpreter,
        max_batch: int = DEFAULT_MAX_BATCH,
        max_wait_ms: float = 0.0,
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        self.interpreter = interpreter
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000
        self._pending: deque[_Request] = deque()
        self._worker: asyncio.Task[None] | None = None

    async def parse(self, text: str, message_id: str | None = None) -> ParseResult:
        """``interpreter.parse(text, message_id)``, run in a batch with concurrent calls."""
        loop = asyncio.get_running_loop()
        request = _Request(text, message_id, loop.create_future())
        self._pending.append(request)
        self._start_worker(loop)
        return await request.answer

    async def close(self) -> None:
        """Stop the worker of the running loop; callers still waiting are cancelled. A
        later :meth:`parse` starts a new worker."""
        worker = self._worker
        if worker is None or worker.done() or worker.get_loop() is not asyncio.get_running_loop():
            return
        worker.cancel()
        await asyncio.wait([worker])

    def _start_worker(self, loop: asyncio.AbstractEventLoop) -> None:
        worker = self._worker
        if worker is not None and not worker.done():
            if worker.get_loop() is loop:
                return
            # That loop stopped mid-batch: its requests can never be answered.
            self._pending = deque(r for r in self._pending if r.answer.get_loop() is loop)
        self._worker = loop.create_task(self._serve(), name="parley-nlu-batcher")

    async def _serve(self) -> None:
        first = True
        try:
            while self._pending:
                if not first and self.max_wait > 0 and len(self._pending) < self.max_batch:
                    await asyncio.sleep(self.max_wait)
                first = False
                batch = self._take()
                if batch:
                    await self._answer(batch)
        except asyncio.CancelledError:
            for request in self._pending:
                request.answer.cancel()
            self._pending.clear()
            raise
        finally:
            if self._worker is asyncio.current_task():
                self._worker = None

    def _take(self) -> list[_Request]:
        batch: list[_Request] = []
        while self._pending and len(batch) < self.max_batch:
            request = self._pending.popleft()
            if not request.answer.done():  # a cancelled caller is skipped
                batch.append(request)
        return batch

    async def _answer(self, batch: list[_Request]) -> None:
        try:
            answered = await asyncio.to_thread(_parse_requests, self.interpreter, batch)
        except asyncio.CancelledError:
            for request in batch:
                request.answer.cancel()
            raise
        except Exception as e:  # the callers raise it; the worker goes on
            answered = [(request, e) for request in batch]
        for request, result in answered:
            if request.answer.done():
                continue
            if isinstance(result, Exception):
                request.answer.set_exception(result)
            else:
                request.answer.set_result(result)


def _parse_requests(
    interpreter: Interpreter, batch: Sequence[_Request]
) -> list[tuple[_Request, ParseResult | Exception]]:
    """The batch's results; when the batch fails, each text parsed alone, so only a
    text that fails by itself gets its exception and the others their results."""
    try:
        results = parse_all(interpreter, [r.text for r in batch], [r.message_id for r in batch])
        return list(zip(batch, results, strict=True))
    except Exception as e:
        if len(batch) == 1:
            return [(batch[0], e)]
    alone: list[tuple[_Request, ParseResult | Exception]] = []
    for request in batch:
        try:
            alone.append((request, interpreter.parse(request.text, request.message_id)))
        except Exception as e:
            alone.append((request, e))
    return alone
