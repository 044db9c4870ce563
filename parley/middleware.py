"""ASGI middleware of the HTTP server: JSON 500s for unexpected errors, and body size limits."""

from __future__ import annotations

import logging
from collections import deque

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley.channels.http import error_body, noted_conversation
from parley.errors import PayloadTooLarge

logger = logging.getLogger("parley.server")


class InternalErrorMiddleware:
    """Answers an unexpected exception with a 500 JSON body (never an HTML page) and logs it
    with the conversation id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception:
            conversation = noted_conversation(scope)
            logger.exception(
                "internal error in %s %s (conversation %s)",
                scope["method"],
                scope["path"],
                conversation,
            )
            if started:
                raise
            body = error_body("internal error", "the request failed; the server log has details")
            body["conversation_id"] = conversation
            await JSONResponse(body, status_code=500)(scope, receive, send)


class BodyLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` with 413, judged by ``Content-Length`` and
    by counting the bytes that actually arrive (chunked uploads declare no length).

    The body is buffered (at most ``max_bytes``) before the app runs, so the app
    never starts on a request it would have to abandon halfway.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = None if self._declared_too_large(scope) else await self._buffer(receive)
        if received is None:
            limit = f"the limit is {self.max_bytes} bytes"
            refusal = PayloadTooLarge("request body too large", limit)
            await _refused(refusal)(scope, receive, send)
            return
        await self.app(scope, _replaying(received, receive), send)

    def _declared_too_large(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"content-length":
                return value.isdigit() and int(value) > self.max_bytes
        return False

    async def _buffer(self, receive: Receive) -> deque[Message] | None:
        """The request's messages up to the end of the body, or ``None`` past the limit."""
        messages: deque[Message] = deque()
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                return None
            if not message.get("more_body", False):
                return messages


def _replaying(messages: deque[Message], receive: Receive) -> Receive:
    async def replay() -> Message:
        return messages.popleft() if messages else await receive()

    return replay


def _refused(exc: PayloadTooLarge) -> JSONResponse:
    return JSONResponse(error_body(str(exc), exc.detail), status_code=exc.status_code)
