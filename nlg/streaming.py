"""A turn's live output: LLM tokens as they are decoded, bot messages as they are uttered.

For a streaming turn the agent opens a :class:`TurnStream` and makes it current
with :func:`streaming_into`; a generator that decodes text publishes each piece
with ``current_stream().token(...)``, and the agent publishes every bot message
the moment the turn utters it. A consumer iterates the stream: tokens carry the
index of the bot message they draft (the next one to be uttered), so a client
can show a draft and swap in the final message of the same index.

Outside a streaming turn :func:`current_stream` is ``None`` and nothing is published.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from nlg.interfaces import BotMessage


@dataclass(frozen=True)
class TokenChunk:
    """A piece of LLM text drafting bot message ``index`` of this turn."""

    index: int
    text: str


@dataclass(frozen=True)
class MessageChunk:
    """Bot message ``index`` of this turn, final: what is sent and stored."""

    index: int
    message: BotMessage


TurnChunk = TokenChunk | MessageChunk


class TurnStream:
    """A single-consumer queue of :data:`TurnChunk`; closed once the turn is over."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[TurnChunk | None] = asyncio.Queue()
        self._next_index = 0
        self._drafted = False

    @property
    def drafted(self) -> bool:
        """Whether tokens went out for the message not yet uttered."""
        return self._drafted

    def token(self, text: str) -> None:
        if text:
            self._queue.put_nowait(TokenChunk(self._next_index, text))
            self._drafted = True

    def message(self, message: BotMessage) -> None:
        self._queue.put_nowait(MessageChunk(self._next_index, message))
        self._next_index += 1
        self._drafted = False

    def close(self) -> None:
        self._queue.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[TurnChunk]:
        while (chunk := await self._queue.get()) is not None:
            yield chunk


_CURRENT: ContextVar[TurnStream | None] = ContextVar("parley_turn_stream", default=None)


def current_stream() -> TurnStream | None:
    """The stream of the turn running in this context, if the caller asked for one."""
    return _CURRENT.get()


@contextmanager
def streaming_into(stream: TurnStream) -> Iterator[TurnStream]:
    """Make ``stream`` current for the code run inside the ``with`` block."""
    reset = _CURRENT.set(stream)
    try:
        yield stream
    finally:
        _CURRENT.reset(reset)
