"""Parley's HTTP server: a Rasa-compatible REST API plus every channel's webhooks.

:func:`create_app` builds the ASGI app; nothing runs until a server (uvicorn) serves it.

=====  =======================================  ==========================================
GET    ``/``                                     hello text
GET    ``/health``                               ``{"status": "ok"}``
GET    ``/version``                              ``{"version", "model_id"}``
GET    ``/conversations/{id}/tracker``           the conversation in Rasa's tracker shape
POST   ``/conversations/{id}/tracker/events``    append one event or a list of them
POST   ``/model/parse``                          NLU only: ``{"text": ...}`` to parse data
GET    ``/conversations/{id}/handoff``           whether a person has taken the conversation
POST   ``/conversations/{id}/handoff/release``   give the conversation back to the bot
GET    ``/metrics``                              Prometheus metrics (with ``operations``)
any    ``/webhooks/{channel}/...``               each channel's own routes
=====  =======================================  ==========================================

Every error is JSON ``{"error": ..., "detail": ...}``: 400 for malformed input
(never FastAPI's 422), 413 for bodies over the limit, 500 for failures, which are
logged with the conversation id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from enum import StrEnum
from http import HTTPStatus
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Path, Query
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from starlette.exceptions import HTTPException
from starlette.requests import Request

from dialogue.errors import InvalidConversationId, LockTimeout, TrackerStoreUnavailable
from dialogue.events import (
    Event,
    Restarted,
    SlotSet,
    event_from_dict,
    events_to_dicts,
)
from dialogue.locks import LockStoreUnavailable
from dialogue.rasa_json import tracker_as_rasa
from dialogue.tracker import ConversationId, Tracker
from parley import __version__
from parley.channels.http import MAX_STRING_LENGTH, error_body, json_body_openapi, read_json
from parley.channels.interfaces import AppWrappingChannel, InputChannel
from parley.errors import ChannelError, InvalidRequest
from parley.handoff import handoff_routes
from parley.interfaces import Agent
from parley.middleware import BodyLimitMiddleware, InternalErrorMiddleware
from parley.openapi import document_api, events_schema
from parley.operations import Operations, operations_router
from parley.security import ApiSecurity, add_api_auth, add_rate_limit
from parley.sharedstate import SharedState, SharedStateMiddleware

logger = logging.getLogger(__name__)

_TAGS = [
    {"name": "status", "description": "Is the server up, and which model does it serve."},
    {"name": "conversations", "description": "Read and extend stored conversations."},
    {"name": "model", "description": "Use the loaded model without touching conversations."},
    {"name": "channels", "description": "Webhooks of the configured channels."},
    {"name": "handoff", "description": "Conversations handed to a person, and their release."},
]


def create_app(
    agent: Agent,
    channels: Sequence[InputChannel],
    *,
    max_body_bytes: int = 1_000_000,
    cors_origins: Sequence[str] = (),
    security: ApiSecurity | None = None,
    operations: Operations | None = None,
    shared: SharedState | None = None,
) -> FastAPI:
    """The HTTP app serving ``agent`` and mounting each channel under ``/webhooks/{name}``.

    Does no I/O. The caller owns ``agent`` and closes it after the server stops.
    Request bodies over ``max_body_bytes`` are refused with 413; ``cors_origins``
    (``"*"`` for any) may call the API from a browser. ``security`` sets API
    authentication, rate limits and whether the management API (conversations, parse,
    hand-off, metrics) is served at all (default: served, open, unlimited). ``shared``
    keeps rate-limit buckets and channels' de-duplication keys where every worker sees
    them (see :mod:`parley.sharedstate`); by default they live in this process.
    """
    if max_body_bytes < 0:
        raise ValueError(f"max_body_bytes must be >= 0, not {max_body_bytes}")
    security = security or ApiSecurity()
    app = _ParleyAPI(
        security,
        title="Parley",
        version=__version__,
        description="HTTP API of a Parley assistant; request and response shapes follow Rasa's.",
        openapi_tags=_TAGS,
    )
    if operations is not None:  # its /health checks the stores; it also serves /metrics
        app.include_router(operations_router(operations, metrics=security.api_enabled))
    app.include_router(_status_routes(agent, plain_health=operations is None))
    if security.api_enabled:  # the management API; `parley run` serves it with --enable-api
        app.include_router(_conversation_routes(agent))
        app.include_router(_model_routes(agent))
        app.include_router(handoff_routes(agent))
    for channel in _distinct(channels):
        app.include_router(
            channel.router(agent), prefix=f"/webhooks/{channel.name}", tags=["channels"]
        )
    _add_error_handlers(app)
    _add_middleware(app, max_body_bytes, cors_origins, security, shared)
    for channel in channels:  # outermost: such a channel authenticates its own callers
        if isinstance(channel, AppWrappingChannel):
            channel.wrap_app(app, agent)
    return app


def _add_middleware(
    app: FastAPI,
    max_body_bytes: int,
    cors_origins: Sequence[str],
    security: ApiSecurity,
    shared: SharedState | None,
) -> None:
    # Added innermost first: the error guard also covers the body limit, and CORS wraps
    # both so that error responses carry CORS headers too. Authentication runs before
    # bodies are buffered; the rate limit reads the buffered body.
    add_rate_limit(app, security, shared)
    if shared is not None:
        app.add_middleware(SharedStateMiddleware, state=shared)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    add_api_auth(app, security)
    app.add_middleware(InternalErrorMiddleware)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["*"],
            allow_headers=["*"],
        )


def _distinct(channels: Sequence[InputChannel]) -> Sequence[InputChannel]:
    names = [channel.name for channel in channels]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ChannelError(f"channel given more than once: {', '.join(repeated)}")
    return channels


# ---- status ------------------------------------------------------------------------------


class Health(BaseModel):
    status: Literal["ok"] = Field(description="`ok` while the server is serving.")


class VersionInfo(BaseModel):
    version: str = Field(description="Parley's version.")
    model_id: str = Field(description="Id of the model the agent serves.")


def _status_routes(agent: Agent, plain_health: bool = True) -> APIRouter:
    router = APIRouter(tags=["status"])

    @router.get("/", response_class=PlainTextResponse, summary="Hello")
    async def hello() -> str:
        """A greeting naming the server and its version."""
        return f"Hello from Parley: {__version__}"

    @router.get("/health", summary="Health check", include_in_schema=plain_health)
    async def health() -> Health:
        """Answers as long as the server is up."""
        return Health(status="ok")

    @router.get("/version", summary="Versions")
    async def version() -> VersionInfo:
        """Parley's version and the id of the loaded model."""
        return VersionInfo(version=__version__, model_id=agent.model_id)

    return router


# ---- conversations -----------------------------------------------------------------------


class EventVerbosity(StrEnum):
    """Which events a tracker response includes (Rasa's ``include_events``)."""

    ALL = "ALL"
    APPLIED = "APPLIED"
    AFTER_RESTART = "AFTER_RESTART"
    NONE = "NONE"


ConversationPath = Annotated[str, Path(description="The conversation (sender) id.")]
IncludeEvents = Annotated[
    EventVerbosity,
    Query(description="ALL, APPLIED (undone ones removed), AFTER_RESTART, or NONE."),
]

_EVENTS: TypeAdapter[dict[str, Any] | list[dict[str, Any]]] = TypeAdapter(
    dict[str, Any] | list[dict[str, Any]]
)
def _conversation_routes(agent: Agent) -> APIRouter:
    router = APIRouter(prefix="/conversations/{conversation_id}", tags=["conversations"])

    @router.get("/tracker", summary="Get a conversation")
    async def get_tracker(
        conversation_id: ConversationPath,
        include_events: IncludeEvents = EventVerbosity.AFTER_RESTART,
    ) -> dict[str, Any]:
        """The conversation's state and events; an unknown id gives an empty conversation."""
        tracker = await agent.tracker(ConversationId(conversation_id))
        return tracker_json(tracker, include_events)

    events_body = json_body_openapi(
        events_schema(agent.domain.initial_slots), "One Rasa event object, or a list of them."
    )

    @router.post("/tracker/events", summary="Append events", openapi_extra=events_body)
    async def append_events(
        conversation_id: ConversationPath,
        request: Request,
        include_events: IncludeEvents = EventVerbosity.AFTER_RESTART,
    ) -> dict[str, Any]:
        """Append one event or a list of events; answers with the updated conversation."""
        events = decode_events(await read_json(request, _EVENTS))
        _check_slots(events, agent.domain.initial_slots)
        tracker = await agent.append_events(ConversationId(conversation_id), events)
        return tracker_json(tracker, include_events)

    return router


def decode_events(body: dict[str, Any] | list[dict[str, Any]]) -> list[Event]:
    """Events from a request body; :class:`InvalidRequest` names the first bad one."""
    items = [body] if isinstance(body, Mapping) else list(body)
    if not items:
        raise InvalidRequest("no events in the request body", detail=[])
    events: list[Event] = []
    for index, item in enumerate(items):
        try:
            events.append(event_from_dict(item))
        # The codec trusts the shape of its input, so any failure here is the request's fault.
        except (ValueError, TypeError, AttributeError, KeyError) as e:
            raise InvalidRequest("invalid event", detail=f"event {index}: {e}") from e
    return events


def _check_slots(events: Sequence[Event], known: Mapping[str, Any]) -> None:
    unknown = [e.name for e in events if isinstance(e, SlotSet) and e.name not in known]
    if unknown:
        raise InvalidRequest(f"slot {unknown[0]!r} is not in the domain", detail=unknown)


def tracker_json(
    tracker: Tracker, include_events: EventVerbosity = EventVerbosity.AFTER_RESTART
) -> dict[str, Any]:
    """The conversation in the shape of Rasa's ``GET /conversations/{id}/tracker``."""
    return tracker_as_rasa(tracker, _events_json(tracker, include_events))


def _events_json(tracker: Tracker, include: EventVerbosity) -> list[dict[str, Any]] | None:
    match include:
        case EventVerbosity.NONE:
            return None
        case EventVerbosity.ALL:
            return events_to_dicts(tracker.events)
        case EventVerbosity.APPLIED:
            return events_to_dicts(tracker.applied)
        case EventVerbosity.AFTER_RESTART:
            restarts = [i for i, e in enumerate(tracker.events) if isinstance(e, Restarted)]
            start = restarts[-1] + 1 if restarts else 0
            return events_to_dicts(tracker.events[start:])


# ---- model -------------------------------------------------------------------------------


class ParseRequest(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True)

    text: str = Field(max_length=MAX_STRING_LENGTH, description="The text to parse.")
    message_id: str | None = Field(None, description="Echoed back in the result.")


class ParseResponse(BaseModel):
    """Rasa's ``parse_data``: the intent, the ranking and the entities found."""

    text: str
    intent: dict[str, Any] = Field(description='`{"name": ..., "confidence": ...}`')
    entities: list[dict[str, Any]]
    intent_ranking: list[dict[str, Any]]
    response_selector: dict[str, Any] | None = None
    message_id: str | None = None


_PARSE = TypeAdapter(ParseRequest)


def _model_routes(agent: Agent) -> APIRouter:
    router = APIRouter(prefix="/model", tags=["model"])

    @router.post(
        "/parse",
        summary="Parse a message",
        response_model=ParseResponse,
        openapi_extra=json_body_openapi(_PARSE.json_schema(), "The text to parse."),
    )
    async def parse(request: Request) -> JSONResponse:
        """Intent and entities of a text; no conversation is touched."""
        body = await read_json(request, _PARSE)
        result = await agent.parse(body.text)
        if body.message_id is not None:
            result = replace(result, message_id=body.message_id)
        return JSONResponse(result.to_dict())

    return router


# ---- errors ------------------------------------------------------------------------------


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: str = Field(description="What went wrong, in a few words.")
    detail: Any = Field(None, description="Specifics: the offending fields, position or limit.")


class _ParleyAPI(FastAPI):
    """FastAPI documenting the errors this API answers (400, 401, 403, 413, 429, 503)
    instead of FastAPI's 422, and its security schemes."""

    def __init__(self, security: ApiSecurity, **options: Any) -> None:
        super().__init__(**options)
        self.security = security

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            error = ErrorBody.model_json_schema()
            self.openapi_schema = document_api(super().openapi(), self.security, error)
        return self.openapi_schema


def _add_error_handlers(app: FastAPI) -> None:
    app.exception_handler(InvalidRequest)(_invalid_request)
    app.exception_handler(RequestValidationError)(_validation_failed)
    app.exception_handler(HTTPException)(_http_error)
    app.exception_handler(TrackerStoreUnavailable)(_unavailable)
    app.exception_handler(LockTimeout)(_unavailable)
    app.exception_handler(LockStoreUnavailable)(_unavailable)
    app.exception_handler(InvalidConversationId)(_bad_conversation_id)


async def _bad_conversation_id(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(error_body("invalid conversation id", str(exc)), status_code=400)


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    """A store that is down or a conversation lock held too long: retry later (503)."""
    logger.warning("%s %s: %s", request.method, request.url.path, exc)
    body = error_body("service unavailable", f"{exc}; nothing was stored, try again")
    return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})


async def _invalid_request(request: Request, exc: InvalidRequest) -> JSONResponse:
    return _refusal(exc)


def _refusal(exc: InvalidRequest) -> JSONResponse:
    return JSONResponse(error_body(str(exc), exc.detail), status_code=exc.status_code)


async def _validation_failed(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    return JSONResponse(error_body("invalid request", problems), status_code=400)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    error = HTTPStatus(exc.status_code).phrase.lower()
    return JSONResponse(
        error_body(error, exc.detail), status_code=exc.status_code, headers=exc.headers
    )
