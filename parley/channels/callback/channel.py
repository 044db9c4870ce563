"""Rasa's callback channel: messages in like the REST channel, replies POSTed to a URL.

``POST /webhooks/callback/webhook`` takes ``{"sender", "message", "metadata"?}``
(the REST channel's body), answers ``success`` at once, and then posts each
reply, in Rasa's REST shape (``{"recipient_id", "text", ...}``), as its own JSON
request to the ``url`` of ``credentials.yml`` — for systems that cannot wait
for the answer in the same request. Like Rasa's, the webhook itself carries no
signature: reach it only from the system it serves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar, Self

import httpx
from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from starlette.requests import Request

from parley.channels.http import note_conversation, read_json
from parley.channels.interfaces import rest_dicts
from parley.channels.lifespan import closing
from parley.channels.rest import RestMessage
from parley.channels.settings import channel_settings
from parley.interfaces import Agent, UserMessage

logger = logging.getLogger(__name__)

_MESSAGE = TypeAdapter(RestMessage)


class CallbackSettings(BaseModel):
    """The ``callback:`` entry of ``credentials.yml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(min_length=1, description="Where each bot reply is POSTed.")


class CallbackInput:
    name: ClassVar[str] = "callback"

    def __init__(self, settings: CallbackSettings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.AsyncClient(timeout=10)
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> Self:
        return cls(channel_settings(CallbackSettings, "callback", credentials))

    def router(self, agent: Agent) -> APIRouter:
        router = APIRouter(lifespan=closing(self.client))
        router.add_api_route("/", _status, methods=["GET"], summary="Callback channel status")
        router.add_api_route(
            "/webhook",
            self._webhook(agent),
            methods=["POST"],
            summary="Send a message; the replies are POSTed to the callback URL",
        )
        return router

    async def join(self) -> None:
        """Wait until every message received so far has been answered."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _webhook(self, agent: Agent) -> Callable[[Request], Awaitable[PlainTextResponse]]:
        async def webhook(request: Request) -> PlainTextResponse:
            """Accept the message at once; the replies follow as callbacks."""
            message = (await read_json(request, _MESSAGE)).to_user_message(self.name)
            note_conversation(request, message.sender_id)
            task = asyncio.create_task(self._answer(agent, message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return PlainTextResponse("success")

        return webhook

    async def _answer(self, agent: Agent, message: UserMessage) -> None:
        try:
            for reply in await agent.handle_message(message):
                for body in rest_dicts(message.sender_id, reply):
                    response = await self.client.post(self.settings.url, json=body)
                    response.raise_for_status()
        except Exception:
            logger.exception(
                "callback: answering %s to %s failed", message.sender_id, self.settings.url
            )


async def _status() -> dict[str, str]:
    """Whether the callback channel is up."""
    return {"status": "ok"}
