"""HTTP helpers shared by the server's routes and the channels' routers.

Bodies are read with :func:`read_json` rather than FastAPI body parameters so
that (like Rasa) a JSON body is accepted whatever its ``Content-Type``, and so
that every malformed body becomes :class:`~parley.errors.InvalidRequest` (400)
with a detail that names the problem.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.types import Scope

from parley.errors import InvalidRequest

T = TypeVar("T")

_CONVERSATION_KEY = "parley.conversation_id"


async def read_json(request: Request, shape: TypeAdapter[T]) -> T:
    """The request body, parsed as JSON and validated against ``shape``."""
    raw = await request.body()
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InvalidRequest("malformed JSON body", detail=str(e)) from e
    except RecursionError as e:
        raise InvalidRequest("malformed JSON body", detail="nested too deeply") from e
    try:
        return shape.validate_python(data)
    except ValidationError as e:
        problems = e.errors(include_url=False, include_input=False, include_context=False)
        raise InvalidRequest("invalid request body", detail=problems) from e


def json_body_openapi(schema: Mapping[str, Any], description: str) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON body, read by :func:`read_json`, of this schema."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": dict(schema)}},
        }
    }


def note_conversation(request: Request, conversation_id: str) -> None:
    """Record which conversation a request is about, so a failure is logged with it."""
    request.scope[_CONVERSATION_KEY] = conversation_id


def noted_conversation(scope: Scope) -> str | None:
    """The conversation a request is about: noted by a channel, or the ``{conversation_id}``."""
    noted = scope.get(_CONVERSATION_KEY)
    if noted is None:
        noted = scope.get("path_params", {}).get("conversation_id")
    return None if noted is None else str(noted)


def error_body(error: str, detail: Any = None) -> dict[str, Any]:
    """The JSON of every error response: ``{"error": ..., "detail": ...}``."""
    return {"error": error, "detail": detail}
