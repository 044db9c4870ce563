"""Decoding that releases only checked text: nothing a later check could withdraw is shown.

:func:`decode_verified` reads a draft from a :class:`~nlg.interfaces.TextGenerator`
sentence by sentence. Each complete sentence is checked (``unit_check``) before
it is released: released sentences go out on the turn's stream (if the caller
streams) and make up the final text; the first sentence that fails stops the
decoding, and it and everything after it are dropped. What a client has seen is
therefore always a prefix of what is finally sent, and every token of it passed
the checks. A draft that fails in its first sentence releases nothing.

:func:`decode_whole` reads a whole draft and releases nothing while decoding:
the caller checks the complete text first (a rephrasing must keep every fact of
its template, which no single sentence can show).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nlg.guard import Verdict
from nlg.interfaces import GenerationRequest, TextGenerator
from nlg.streaming import current_stream

# A sentence ends at . ! ? followed by whitespace (not inside "$4.95" or "e.g."), or a line break.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=\S)|\n+")


@dataclass(frozen=True)
class Released:
    """The checked part of a draft, and why the rest (if any) was dropped."""

    text: str
    refused: Verdict | None = None  # the verdict on the first sentence that failed

    @property
    def complete(self) -> bool:
        return self.refused is None


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _BOUNDARY.split(text) if s.strip()]


async def decode_whole(generator: TextGenerator, request: GenerationRequest) -> str:
    """The whole draft, released to nobody."""
    pieces: list[str] = []
    iterator = generator.stream(request)
    try:
        async for piece in iterator:
            pieces.append(piece)
    finally:
        await iterator.aclose()  # type: ignore[attr-defined]
    return "".join(pieces).strip()


async def decode_verified(
    generator: TextGenerator,
    request: GenerationRequest,
    unit_check: Callable[[str, Sequence[str]], Verdict],
    stream: bool = True,
) -> Released:
    """Decode ``request``; release each sentence ``unit_check(sentence, released)`` passes."""
    released: list[str] = []
    buffer = ""
    turn_stream = current_stream() if stream else None
    iterator = generator.stream(request)
    try:
        async for piece in iterator:
            buffer += piece
            *complete, buffer = _split_keep_tail(buffer)
            for sentence in complete:
                verdict = unit_check(sentence, released)
                if not verdict.ok:
                    return Released(" ".join(released), verdict)
                if turn_stream is not None:
                    turn_stream.token(sentence if not released else f" {sentence}")
                released.append(sentence)
    finally:
        await iterator.aclose()  # type: ignore[attr-defined]
    tail = buffer.strip()
    if tail:
        verdict = unit_check(tail, released)
        if not verdict.ok:
            return Released(" ".join(released), verdict)
        if turn_stream is not None:
            turn_stream.token(tail if not released else f" {tail}")
        released.append(tail)
    return Released(" ".join(released))


def _split_keep_tail(buffer: str) -> list[str]:
    """Complete sentences of ``buffer``, then the unfinished rest (possibly empty)."""
    parts = _BOUNDARY.split(buffer)
    if len(parts) == 1:
        return [buffer]
    return [p.strip() for p in parts[:-1] if p.strip()] + [parts[-1]]
