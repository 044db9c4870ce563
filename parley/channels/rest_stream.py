"""The REST channel's streaming webhook: ``POST /webhooks/rest/stream``, as server-sent events.

The body is the REST webhook's (``{"sender", "message", "metadata"?}``). The
response is ``text/event-stream`` with these events, in the order they happen:

``token``    ``{"index": i, "text": "..."}`` — a checked sentence of LLM text of bot message
             ``i``; the tokens of a message are always the start of its final text
``message``  bot message ``i`` as the REST webhook renders it (``recipient_id``, ``text``,
             ``buttons``, ``image``, ``custom``, ``attachment``) plus ``"index": i``
``error``    ``{"error": "..."}`` — the turn failed; ``done`` follows
``done``     ``{}`` — the turn is over

Template messages arrive only as ``message``. A malformed body is answered with
400 before any event, like the REST webhook.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.responses import StreamingResponse

from nlg.interfaces import BotMessage
from nlg.streaming import MessageChunk, TokenChunk, TurnChunk
from parley.channels.http import note_conversation, read_json
from parley.channels.interfaces import rest_dicts
from parley.interfaces import Agent, UserMessage

log = logging.getLogger(__name__)

EVENT_STREAM = "text/event-stream"


def sse(event: str, data: dict[str, Any]) -> bytes:
    """One server-sent event; ``data`` as one line of JSON."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def message_json(recipient_id: str, index: int, message: BotMessage) -> dict[str, Any]:
    """A whole bot message in REST form (paragraphs kept together), with its index."""
    merged: dict[str, Any] = {"recipient_id": recipient_id}
    for part in rest_dicts(recipient_id, message):
        merged.update(part)
    if message.text is not None:
        merged["text"] = message.text
    merged["index"] = index
    return merged


def chunk_event(recipient_id: str, chunk: TurnChunk) -> bytes:
    match chunk:
        case TokenChunk(index=index, text=text):
            return sse("token", {"index": index, "text": text})
        case MessageChunk(index=index, message=message):
            return sse("message", message_json(recipient_id, index, message))


async def turn_events(agent: Agent, message: UserMessage) -> AsyncIterator[bytes]:
    """The SSE byte stream of one turn; a failure becomes an ``error`` event, then ``done``."""
    try:
        async for chunk in agent.stream_message(message):
            yield chunk_event(message.sender_id, chunk)
    except Exception as e:
        log.exception("conversation %s: streaming turn failed", message.sender_id)
        yield sse("error", {"error": str(e) or type(e).__name__})
    yield sse("done", {})


def stream_webhook(
    agent: Agent,
    channel: str,
    shape: TypeAdapter[Any],
    authorize: Callable[[Request, str], None] | None = None,
) -> Callable[[Request], Awaitable[StreamingResponse]]:
    """The route handler; ``shape`` validates the body (the REST webhook's message model),
    ``authorize`` may refuse the caller for the sender (401/403) before the stream starts."""

    async def stream(request: Request) -> StreamingResponse:
        """Run one conversation turn, streaming LLM tokens and each bot message as SSE."""
        message: UserMessage = (await read_json(request, shape)).to_user_message(channel)
        if authorize is not None:
            authorize(request, message.sender_id)
        note_conversation(request, message.sender_id)
        return StreamingResponse(
            turn_events(agent, message),
            media_type=EVENT_STREAM,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return stream
