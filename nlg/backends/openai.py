"""The ``openai`` backend: any OpenAI-compatible chat-completions server, streamed.

vLLM, llama.cpp's server, TGI and OpenAI itself accept
``POST {url}/chat/completions`` with ``"stream": true`` and answer with
server-sent events, one ``data: {json}`` line per chunk
(``choices[0].delta.content``), ending with ``data: [DONE]``.

``GenerationRequest.stop_at`` is honoured on this side, as the local backend
does: the reply ends at the first stop string that ends a word (a ``.`` inside
``$4.95`` does not), since servers differ in how they treat ``stop``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from nlg.errors import BackendUnavailable, GenerationError
from nlg.interfaces import GenerationRequest


class OpenAIChatGenerator:
    """Satisfies :class:`~nlg.interfaces.TextGenerator` over HTTP."""

    def __init__(self, client: httpx.AsyncClient, model: str) -> None:
        self.client = client
        self.model = model

    @classmethod
    def connect(
        cls, url: str, model: str, api_key: str | None = None, timeout: float = 30.0
    ) -> OpenAIChatGenerator:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        client = httpx.AsyncClient(base_url=url.rstrip("/"), headers=headers, timeout=timeout)
        return cls(client, model)

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "max_tokens": request.max_new_tokens,
            "temperature": request.temperature,
            "stream": True,
        }
        if request.temperature > 0:
            body["top_p"] = request.top_p
        if request.seed is not None:
            body["seed"] = request.seed
        return body

    async def stream(self, request: GenerationRequest) -> AsyncIterator[str]:
        try:
            async with self.client.stream(
                "POST", "/chat/completions", json=self.body(request)
            ) as response:
                if response.status_code != 200:
                    detail = (await response.aread()).decode(errors="replace")[:300]
                    raise BackendUnavailable(f"HTTP {response.status_code}: {detail}")
                text = ""
                async for line in response.aiter_lines():
                    piece = _piece(line)
                    if piece is None:
                        return
                    end = _stop(text + piece, request.stop_at)
                    if end is not None:
                        if end > len(text):
                            yield (text + piece)[len(text) : end]
                        return
                    text += piece
                    if piece:
                        yield piece
        except httpx.HTTPError as e:
            raise BackendUnavailable(f"{type(e).__name__}: {e}") from e

    async def close(self) -> None:
        await self.client.aclose()


def _stop(text: str, stop_at: tuple[str, ...]) -> int | None:
    """Where ``text`` ends at its first stop string followed by a space (``None``: not yet)."""
    ends = [
        i + len(stop)
        for stop in stop_at
        if stop
        for i in _positions(text, stop)
        if stop.isspace() or text[i + len(stop) : i + len(stop) + 1].isspace()
    ]
    return min(ends, default=None)


def _positions(text: str, stop: str) -> list[int]:
    found, i = [], text.find(stop)
    while i >= 0:
        found.append(i)
        i = text.find(stop, i + 1)
    return found


def _piece(line: str) -> str | None:
    """The text of one SSE line: ``""`` for lines without any, ``None`` at ``[DONE]``."""
    if not line.startswith("data:"):
        return ""
    data = line[len("data:") :].strip()
    if data == "[DONE]":
        return None
    try:
        chunk = json.loads(data)
        choices = chunk.get("choices") or [{}]
        return str(choices[0].get("delta", {}).get("content") or "")
    except (json.JSONDecodeError, AttributeError, IndexError, TypeError) as e:
        raise GenerationError(f"malformed stream chunk: {data[:200]!r}") from e
