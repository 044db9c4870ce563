"""HTTP helpers shared by the server's routes and the channels' routers.

Bodies are read with :func:`read_json` rather than FastAPI body parameters so
that (like Rasa) a JSON body is accepted whatever its ``Content-Type``, and so
that every malformed body becomes :class:`~parley.errors.InvalidRequest` (400)
with a detail that names the problem.

Text hygiene happens here, at the edge, for every route that reads a body: a
string with a lone surrogate (which no UTF-8 reader can take back) or a NUL
character, a string over :data:`MAX_STRING_LENGTH` characters, and an integer
over Python's digit limit are refused with 400 before anything is stored.
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
MAX_STRING_LENGTH = 100_000
"""Characters in any one string of a request body (a message, an id, a metadata value)."""


async def read_json(request: Request, shape: TypeAdapter[T]) -> T:
    """The request body, parsed as JSON (:func:`parse_json`) and validated against ``shape``."""
    data = parse_json(await request.body())
    try:
        return shape.validate_python(data)
    except ValidationError as e:
        problems = e.errors(include_url=False, include_input=False, include_context=False)
        raise InvalidRequest("invalid request body", detail=problems) from e


def parse_json(raw: bytes) -> Any:
    """A JSON body whose every string and number can be stored and read back, else
    :class:`InvalidRequest` (400) naming the problem and where it is."""
    try:
        data = json.loads(raw)
    except RecursionError as e:
        raise InvalidRequest("malformed JSON body", detail="nested too deeply") from e
    except ValueError as e:  # also UnicodeDecodeError, and an integer over the digit limit
        raise InvalidRequest("malformed JSON body", detail=str(e)) from e
    problem = text_problem(data)
    if problem is not None:
        raise InvalidRequest("invalid text in the request body", detail=problem)
    return data


def text_problem(data: Any) -> str | None:
    """What makes a string in ``data`` (keys included) unstorable, and where; ``None`` if
    nothing does."""
    pending: list[tuple[str, Any]] = [("body", data)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, str):
            problem = string_problem(value)
            if problem is not None:
                return f"{where}: {problem}"
        elif isinstance(value, dict):
            for key, item in value.items():
                pending.append((f"{where} key", key))
                pending.append((f"{where}.{str(key)[:40]}", item))
        elif isinstance(value, list):
            pending.extend((f"{where}[{index}]", item) for index, item in enumerate(value))
    return None


def string_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored (a lone surrogate, a NUL, too long); ``None`` if it can."""
    if len(text) > MAX_STRING_LENGTH:
        return f"a string of {len(text)} characters; at most {MAX_STRING_LENGTH} are accepted"
    if "\x00" in text:
        return "a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        return f"a lone surrogate at position {e.start}"
    return None


def error_responses(descriptions: Mapping[int, str]) -> dict[int | str, dict[str, Any]]:
    """FastAPI ``responses`` documenting error answers (``{"error", "detail"}`` bodies)."""
    body = {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}, "detail": {}},
    }
    return {
        code: {"description": text, "content": {"application/json": {"schema": body}}}
        for code, text in descriptions.items()
    }


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
