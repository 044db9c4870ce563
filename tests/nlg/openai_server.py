"""A small OpenAI-compatible chat server for tests: ``python -m tests.nlg.openai_server PORT``.

``POST /v1/chat/completions`` answers like vLLM or llama.cpp's server: with
``"stream": true`` as server-sent ``chat.completion.chunk`` events ending in
``data: [DONE]``, otherwise one ``chat.completion`` object. The reply is
deterministic: it starts "Happy to help! ", then repeats a reply it was asked to
rephrase, or the start of the last message; model
``broken`` answers 500. ``GET /requests`` lists the bodies received.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

RECEIVED: list[dict[str, Any]] = []
REWRITE = "Rephrase:"


def reply_to(body: dict[str, Any]) -> str:
    last = body["messages"][-1]["content"]
    if REWRITE in last:
        return "Happy to help! " + last.split(REWRITE, 1)[1].strip()
    return "Happy to help! You asked: " + last[:40]


def chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> str:
    payload = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(payload)}\n\n"


async def events(model: str, text: str) -> AsyncIterator[str]:
    yield chunk(model, {"role": "assistant", "content": ""})
    for piece in re.findall(r"\S+\s*", text):
        yield chunk(model, {"content": piece})
    yield chunk(model, {}, finish="stop")
    yield "data: [DONE]\n\n"


async def completions(request: Request) -> Response:
    body = await request.json()
    RECEIVED.append(body)
    if body.get("model") == "broken":
        return JSONResponse({"error": {"message": "model crashed"}}, status_code=500)
    text = reply_to(body)
    if body.get("stream"):
        return StreamingResponse(events(body["model"], text), media_type="text/event-stream")
    message = {"role": "assistant", "content": text}
    return JSONResponse({"object": "chat.completion", "choices": [{"message": message}]})


async def requests(request: Request) -> Response:
    return JSONResponse(RECEIVED)


app = Starlette(
    routes=[
        Route("/v1/chat/completions", completions, methods=["POST"]),
        Route("/requests", requests),
    ]
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
