"""The OpenAPI document says what the server really does: its security and every error answer.

:func:`document_api` rewrites FastAPI's document: FastAPI's 422 becomes the 400
this API answers; each route lists the errors it can give (400 malformed input,
401/403 without the right credentials, 413 over the body limit, 429 over the rate
limit, 503 store or lock unavailable) with the shared ``ErrorBody``; the token and
JWT schemes are declared where they apply. :func:`events_schema` describes the
event bodies ``POST /conversations/{id}/tracker/events`` accepts, event by event,
so a body that matches it is accepted and one that does not is refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any

from dialogue.events import EVENT_NAMES, Event
from parley.security import ApiSecurity
from parley.security.auth import PUBLIC_PATHS, is_public

ERROR_SCHEMA_NAME = "ErrorBody"
_SECURITY_SCHEMES = {
    "token": {
        "type": "apiKey",
        "in": "query",
        "name": "token",
        "description": "The server's token (`--auth-token`) or a JWT.",
    },
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The server's token or a JWT signed with `--jwt-secret`.",
    },
}
_ERRORS = {
    "400": "Malformed JSON, text that cannot be stored, or fields of the wrong type.",
    "401": "No credentials: pass '?token=...' or 'Authorization: Bearer ...'.",
    "403": "Wrong, expired or insufficient credentials.",
    "413": "The request body is over the size limit.",
    "429": "Too many messages from this sender or address; see Retry-After.",
    "503": "The tracker store or lock store is unavailable; nothing was stored, retry.",
}
_STORE_PREFIXES = ("/conversations/", "/webhooks/")


def document_api(
    schema: dict[str, Any], security: ApiSecurity, error_schema: dict[str, Any]
) -> dict[str, Any]:
    """``schema`` with the error answers and security requirements of every operation."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas[ERROR_SCHEMA_NAME] = error_schema
    if security.auth.enabled:
        components["securitySchemes"] = dict(_SECURITY_SCHEMES)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            _document_operation(path, method, operation, security)
    _link_conversations(schema["paths"])
    return schema


_TRACKER = "/conversations/{conversation_id}/tracker"
_CONVERSATION_LINKS = {  # (path, method) -> where its conversation id comes from
    ("/webhooks/rest/webhook", "post"): "$request.body#/sender",
    ("/webhooks/rest/stream", "post"): "$request.body#/sender",
    (f"{_TRACKER}/events", "post"): "$request.path.conversation_id",
}


def _link_conversations(paths: dict[str, Any]) -> None:
    """OpenAPI links from each route that writes a conversation to reading its tracker and
    appending to it, so a stateful client (schemathesis' stateful phase) can follow a
    conversation from message to tracker to events."""
    targets = {
        name: paths[path][method].get("operationId")
        for name, path, method in (
            ("ReadTracker", _TRACKER, "get"),
            ("AppendEvents", f"{_TRACKER}/events", "post"),
        )
        if method in paths.get(path, {})
    }
    for (path, method), source in _CONVERSATION_LINKS.items():
        answer = paths.get(path, {}).get(method, {}).get("responses", {}).get("200")
        if answer is None:
            continue
        answer["links"] = {
            name: {"operationId": operation, "parameters": {"conversation_id": source}}
            for name, operation in targets.items()
            if operation is not None
        }


def _document_operation(
    path: str, method: str, operation: dict[str, Any], security: ApiSecurity
) -> None:
    responses = operation["responses"]
    had_422 = responses.pop("422", None) is not None
    codes = _error_codes(path, method, operation, had_422, security)
    for code in sorted(codes):
        responses.setdefault(code, _error_response(_ERRORS[code]))
    if security.auth.enabled and _protected(path):
        operation["security"] = [{"token": []}, {"bearer": []}]


def _error_codes(
    path: str, method: str, operation: dict[str, Any], had_422: bool, security: ApiSecurity
) -> set[str]:
    codes: set[str] = set()
    has_body = "requestBody" in operation
    if had_422 or has_body or operation.get("parameters"):
        codes.add("400")
    if has_body:
        codes.add("413")
    if security.auth.enabled and _protected(path):
        codes |= {"401", "403"}
    if security.rate_limit is not None and path.startswith("/webhooks/") and method == "post":
        codes.add("429")
    if path.startswith(_STORE_PREFIXES) and (method == "post" or "{conversation_id}" in path):
        codes.add("503")
    return codes


def _protected(path: str) -> bool:
    return not is_public(path) and path not in PUBLIC_PATHS


def _error_response(description: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


# ---- event bodies ------------------------------------------------------------------------

_TYPES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "None": {"type": "null"},
    "Mapping[str, Any]": {"type": "object"},
    "ParseResult": {"type": "object"},
    "tuple[Mapping[str, Any], ...]": {"type": "array", "items": {"type": "object"}},
    "Any": {},
}


def events_schema(slot_names: Collection[str]) -> dict[str, Any]:
    """One event object or a non-empty list of them, each shaped as its ``event`` name
    requires; a ``slot`` event must name one of ``slot_names``."""
    one_event = {"oneOf": [_event_schema(n, c, slot_names) for n, c in EVENT_NAMES.items()]}
    return {"anyOf": [one_event, {"type": "array", "items": one_event, "minItems": 1}]}


_NULLABLE = frozenset({"timestamp", "metadata", "data", "entities"})  # null means the default
_LIST_OF_OBJECTS = {"anyOf": [{"type": "array", "items": {"type": "object"}}, {"type": "null"}]}
_BOT_DATA = {
    "type": "object",
    "properties": {
        "buttons": _LIST_OF_OBJECTS,
        "quick_replies": _LIST_OF_OBJECTS,
        "elements": _LIST_OF_OBJECTS,
        "custom": {"type": ["object", "null"]},
        "image": {"type": ["string", "null"]},
    },
}


def _event_schema(name: str, cls: type[Event], slot_names: Collection[str]) -> dict[str, Any]:
    properties: dict[str, Any] = {"event": {"type": "string", "const": name}}
    required = ["event"]
    for f in dataclasses.fields(cls):
        properties[f.name] = _field_schema(str(f.type))
        if f.name in _NULLABLE:
            properties[f.name] = {"anyOf": [properties[f.name], {"type": "null"}]}
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
    if name == "slot":
        properties["name"] = {"type": "string", "enum": sorted(slot_names)}
    if name == "bot":
        properties["data"] = {"anyOf": [_BOT_DATA, {"type": "null"}]}
    return {"type": "object", "properties": properties, "required": required}


def _field_schema(annotation: str) -> dict[str, Any]:
    options = [_TYPES.get(part.strip(), {}) for part in annotation.split("|")]
    if any(option == {} for option in options):
        return {}
    return options[0] if len(options) == 1 else {"anyOf": options}
