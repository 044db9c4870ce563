"""The Socket.IO channel, wire-compatible with Rasa's ``socketio`` channel.

Rasa's web-chat widgets (rasa-webchat, Chatwidget, and most home-made ones)
connect to ``/socket.io`` on the bot's host, ask for a session with
``session_request`` (answered by ``session_confirm`` and the session id), send
``user_uttered`` ``{"message", "session_id", "metadata"?}`` and receive each
reply as ``bot_uttered``. With ``session_persistence: true`` a conversation is
the widget's ``session_id`` (kept across page loads); otherwise it is the socket.

The Socket.IO server (``python-socketio``) wraps the HTTP app at
``socketio_path``, outside the management API's authentication: with
``jwt_key`` set, a client must connect with ``auth: {token: <JWT>}`` signed with
that key, as in Rasa; without it, anyone who can reach the page may chat, as
with the REST webhook.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import socketio
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Receive, Scope, Send

from dialogue.tracker import ConversationId
from parley.channels.settings import channel_settings
from parley.channels.socketio.output import SocketIOOutput
from parley.interfaces import Agent, UserMessage
from parley.security.errors import SecurityRefusal
from parley.security.jwt import JwtMethod, verify_jwt

logger = logging.getLogger(__name__)


class SocketIOSettings(BaseModel):
    """The ``socketio:`` entry of ``credentials.yml`` (Rasa's keys, plus CORS origins)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_message_evt: str = Field("user_uttered", min_length=1, description="Event name in.")
    bot_message_evt: str = Field("bot_uttered", min_length=1, description="Event name out.")
    session_persistence: bool = Field(
        False, description="One conversation per widget session_id rather than per socket."
    )
    socketio_path: str = Field("/socket.io", min_length=1, description="Where clients connect.")
    namespace: str | None = Field(None, description="Socket.IO namespace; default '/'.")
    jwt_key: str | None = Field(None, min_length=1, description="Clients must send a JWT.")
    jwt_method: JwtMethod = Field("HS256", description="Signature algorithm of that JWT.")
    metadata_key: str = Field("metadata", min_length=1, description="Message key of metadata.")
    cors_allowed_origins: list[str] | str = Field(
        "*", description="Web origins that may connect ('*': any page embedding the widget)."
    )


class SocketIOInput:
    """Rasa's ``socketio`` channel: a Socket.IO server beside the HTTP API."""

    name: ClassVar[str] = "socketio"

    def __init__(self, settings: SocketIOSettings | None = None) -> None:
        self.settings = settings or SocketIOSettings.model_validate({})
        self.server = socketio.AsyncServer(
            async_mode="asgi", cors_allowed_origins=self.settings.cors_allowed_origins
        )

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> Self:
        return cls(channel_settings(SocketIOSettings, "socketio", credentials))

    def router(self, agent: Agent) -> APIRouter:
        router = APIRouter()
        router.add_api_route("/", _status, methods=["GET"], summary="Socket.IO channel status")
        return router

    def wrap_app(self, app: FastAPI, agent: Agent) -> None:
        """Serve Socket.IO at ``socketio_path`` in front of ``app``, answering through ``agent``."""
        self._register_handlers(agent)
        app.add_middleware(SocketIOMiddleware, server=self.server, path=self.settings.socketio_path)

    def _register_handlers(self, agent: Agent) -> None:
        namespace = self.settings.namespace or "/"
        self.server.on("connect", self._connect, namespace=namespace)
        self.server.on("session_request", self._session_request, namespace=namespace)
        self.server.on(self.settings.user_message_evt, self._handler(agent), namespace=namespace)

    async def _connect(self, sid: str, environ: Mapping[str, Any], auth: Any = None) -> bool:
        key = self.settings.jwt_key
        if key is None:
            return True
        token = auth.get("token") if isinstance(auth, Mapping) else None
        if not isinstance(token, str):
            logger.info("socketio: %s refused: no JWT in the connection's auth", sid)
            return False
        try:
            verify_jwt(token, key, self.settings.jwt_method)
        except SecurityRefusal as e:
            logger.info("socketio: %s refused: %s", sid, e.detail)
            return False
        return True

    async def _session_request(self, sid: str, data: Any = None) -> None:
        requested = data.get("session_id") if isinstance(data, Mapping) else None
        session_id = str(requested) if requested else uuid.uuid4().hex
        if self.settings.session_persistence:
            await self.server.enter_room(sid, session_id, namespace=self.settings.namespace)
        await self.server.emit(
            "session_confirm", session_id, room=sid, namespace=self.settings.namespace
        )

    def _handler(self, agent: Agent) -> Any:
        async def user_message(sid: str, data: Any = None) -> None:
            message = self._user_message(sid, data)
            if message is None:
                return
            output = SocketIOOutput(
                self.server, self.settings.bot_message_evt, self.settings.namespace
            )
            try:
                for reply in await agent.handle_message(message):
                    await output.send(message.sender_id, reply)
            except Exception:
                logger.exception("socketio: answering conversation %s failed", message.sender_id)

        return user_message

    def _user_message(self, sid: str, data: Any) -> UserMessage | None:
        if not isinstance(data, Mapping):
            logger.warning("socketio: %s sent a message that is not an object; ignored", sid)
            return None
        sender = sid
        if self.settings.session_persistence:
            session_id = data.get("session_id")
            if not session_id:
                logger.warning(
                    "socketio: %s sent a message without a session_id; ignored (with "
                    "session_persistence, request a session with 'session_request' first)",
                    sid,
                )
                return None
            sender = str(session_id)
        return UserMessage(
            text=str(data.get("message") or ""),
            sender_id=ConversationId(sender),
            input_channel=self.name,
            metadata=_metadata(data.get(self.settings.metadata_key)),
        )


def _metadata(value: Any) -> Mapping[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return value if isinstance(value, Mapping) else {}


class SocketIOMiddleware:
    """Answers Socket.IO requests under ``path``; passes everything else to the app."""

    def __init__(self, app: ASGIApp, server: socketio.AsyncServer, path: str) -> None:
        self._asgi = socketio.ASGIApp(server, other_asgi_app=app, socketio_path=path.strip("/"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)


async def _status() -> dict[str, str]:
    """Whether the Socket.IO channel is up."""
    return {"status": "ok"}
