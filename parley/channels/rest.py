"""The REST channel, wire-compatible with Rasa's ``rest`` channel.

``POST /webhooks/rest/webhook`` with ``{"sender": "...", "message": "...", "metadata": {...}}``
runs one turn and answers with every bot reply at once, as a JSON list of
``{"recipient_id", "text"?, "buttons"?, "image"?, "custom"?, "attachment"?}``.
``POST /webhooks/rest/stream`` takes the same body and answers with server-sent events
as the turn runs (LLM tokens, then each message); see :mod:`parley.channels.rest_stream`.
``GET /webhooks/rest/`` answers ``{"status": "ok"}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar, Self

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from starlette.requests import Request

from dialogue.tracker import MAX_CONVERSATION_ID_LENGTH, ConversationId, checked_conversation_id
from nlg.interfaces import BotMessage
from parley.channels.http import (
    MAX_STRING_LENGTH,
    error_responses,
    json_body_openapi,
    note_conversation,
    read_json,
)
from parley.channels.interfaces import CollectingOutputChannel
from parley.channels.rest_auth import RestSettings
from parley.channels.rest_stream import EVENT_STREAM, stream_webhook
from parley.channels.settings import channel_settings
from parley.interfaces import Agent, UserMessage

DEFAULT_SENDER = ConversationId("default")


class RestMessage(BaseModel):
    """A user message posted to the REST webhook. Unknown keys are ignored."""

    model_config = ConfigDict(strict=True, frozen=True)

    sender: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_CONVERSATION_ID_LENGTH,
        description="Conversation id; the conversation `default` when left out.",
    )
    message: str = Field(
        max_length=MAX_STRING_LENGTH, description="The user's text; may be empty."
    )
    metadata: dict[str, Any] | None = Field(
        None, description="Passed to the agent with the message."
    )
    input_channel: str | None = Field(
        None, description="Channel name recorded on the user event; `rest` when left out."
    )

    def to_user_message(self, channel: str) -> UserMessage:
        """The message for the agent; an id no store accepts raises ``InvalidConversationId``
        (400), before a turn or a stream starts."""
        return UserMessage(
            text=self.message,
            sender_id=(
                checked_conversation_id(self.sender) if self.sender is not None else DEFAULT_SENDER
            ),
            input_channel=self.input_channel or channel,
            metadata=self.metadata or {},
        )


class RestReply(BaseModel):
    """One bot reply in Rasa's REST format; keys without a value are left out."""

    recipient_id: str
    text: str | None = None
    buttons: list[dict[str, Any]] | None = None
    image: str | None = None
    custom: dict[str, Any] | None = None
    attachment: Any = None


class ChannelStatus(BaseModel):
    status: str = Field(description="`ok` while the channel is serving.")


_MESSAGE = TypeAdapter(RestMessage)


class RestInput:
    """Rasa's ``rest`` channel: the whole reply comes back in the HTTP response."""

    name: ClassVar[str] = "rest"

    def __init__(self, settings: RestSettings | None = None) -> None:
        self.settings = settings or RestSettings.model_validate({})

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> Self:
        """Open without settings; ``token`` / ``jwt_secret`` require callers to prove who they
        are (see :mod:`parley.channels.rest_auth`)."""
        return cls(channel_settings(RestSettings, cls.name, credentials))

    def router(self, agent: Agent) -> APIRouter:
        router = APIRouter()
        router.add_api_route(
            "/",
            _channel_status,
            methods=["GET"],
            summary="REST channel status",
            response_model=ChannelStatus,
        )
        router.add_api_route(
            "/webhook",
            self._webhook(agent),
            methods=["POST"],
            summary="Send a message, receive the bot's replies",
            response_model=list[RestReply],
            responses=self._auth_errors(),
            openapi_extra=json_body_openapi(_MESSAGE.json_schema(), "The user's message."),
        )
        router.add_api_route(
            "/stream",
            stream_webhook(agent, self.name, _MESSAGE, self.settings.check),
            methods=["POST"],
            summary="Send a message, receive the bot's replies as server-sent events",
            response_class=StreamingResponse,
            responses={200: {"content": {EVENT_STREAM: {}}}, **self._auth_errors()},
            openapi_extra=json_body_openapi(_MESSAGE.json_schema(), "The user's message."),
        )
        return router

    def _auth_errors(self) -> dict[int | str, dict[str, Any]]:
        if self.settings.open:
            return {}
        return error_responses(
            {401: "No token or JWT.", 403: "A wrong token, or a JWT naming another sender."}
        )

    def _webhook(self, agent: Agent) -> Callable[[Request], Awaitable[JSONResponse]]:
        async def webhook(request: Request) -> JSONResponse:
            """Run one conversation turn and answer with every bot reply, in order."""
            message = (await read_json(request, _MESSAGE)).to_user_message(self.name)
            self.settings.check(request, message.sender_id)
            note_conversation(request, message.sender_id)
            replies = await agent.handle_message(message)
            return JSONResponse(await collect(message.sender_id, replies))

        return webhook


async def _channel_status() -> dict[str, str]:
    """Whether the REST channel is up."""
    return {"status": "ok"}


async def collect(recipient_id: str, replies: Sequence[BotMessage]) -> list[dict[str, Any]]:
    """The replies rendered as Rasa REST dicts, in order."""
    output = CollectingOutputChannel()
    for reply in replies:
        await output.send(recipient_id, reply)
    return output.messages
