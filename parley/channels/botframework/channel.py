"""The Microsoft Bot Framework channel (Teams, Web Chat, ... through Azure Bot Service).

``POST /webhooks/botframework/webhook`` takes the Bot Connector's activities,
each authenticated with its JWT (:mod:`parley.channels.botframework.auth`; a
missing token is 401, an invalid one 403). A ``message`` activity's text (or
the ``value`` of a card button) is the user's message; the conversation id is
the sender's id. Replies are posted to the activity's ``serviceUrl``
(``/v3/conversations/{id}/activities``), as Rasa posts them; buttons become a
hero card whose buttons send their payload back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar, Self
from urllib.parse import quote

import httpx
from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from dialogue.tracker import ConversationId
from nlg.interfaces import BotMessage
from parley.channels.botframework.auth import OPENID_METADATA_URL, TOKEN_URL, BotFrameworkAuth
from parley.channels.http import note_conversation
from parley.channels.lifespan import closing
from parley.channels.settings import channel_settings
from parley.errors import InvalidRequest
from parley.interfaces import Agent, UserMessage

logger = logging.getLogger(__name__)


class BotFrameworkSettings(BaseModel):
    """The ``botframework:`` entry of ``credentials.yml`` (Rasa's keys)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    app_id: str = Field(min_length=1, description="The bot's Microsoft App ID.")
    app_password: str = Field(min_length=1, description="Its client secret.")
    openid_metadata_url: str = Field(OPENID_METADATA_URL, description="Where signing keys are.")
    token_url: str = Field(TOKEN_URL, description="Where reply tokens come from.")


def activities(message: BotMessage) -> list[dict[str, Any]]:
    """Bot Framework ``message`` activities (without addressing) for one bot message."""
    out: list[dict[str, Any]] = []
    buttons = list(message.buttons or message.quick_replies)
    if buttons:
        actions = [
            {
                "type": "imBack",
                "title": b.get("title", ""),
                "value": b.get("payload", b.get("title")),
            }
            for b in buttons
        ]
        content = {"text": message.text or "", "buttons": actions}
        card = {"contentType": "application/vnd.microsoft.card.hero", "content": content}
        out.append({"type": "message", "attachments": [card]})
    elif message.text:
        out.append({"type": "message", "text": message.text})
    if message.image is not None:
        image = {"contentType": "image/png", "contentUrl": message.image}
        out.append({"type": "message", "attachments": [image]})
    if message.custom is not None:
        out.append({"type": "message", **dict(message.custom)})
    return out


class BotFrameworkInput:
    name: ClassVar[str] = "botframework"

    def __init__(
        self, settings: BotFrameworkSettings, client: httpx.AsyncClient | None = None
    ) -> None:
        self.settings = settings
        self.client = client or httpx.AsyncClient(timeout=10)
        self.auth = BotFrameworkAuth(
            self.client,
            settings.app_id,
            settings.app_password,
            settings.openid_metadata_url,
            settings.token_url,
        )

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> Self:
        return cls(channel_settings(BotFrameworkSettings, "botframework", credentials))

    def router(self, agent: Agent) -> APIRouter:
        router = APIRouter(lifespan=closing(self.client))
        router.add_api_route("/", _status, methods=["GET"], summary="Bot Framework status")
        router.add_api_route(
            "/webhook",
            self._webhook(agent),
            methods=["POST"],
            summary="Bot Connector activities (with the connector's JWT)",
        )
        return router

    def _webhook(self, agent: Agent) -> Callable[[Request], Awaitable[Response]]:
        async def webhook(request: Request) -> Response:
            """Verify the connector's JWT, run the turn, post the replies, answer 200."""
            try:
                activity = await request.json()
            except ValueError as e:
                raise InvalidRequest("malformed JSON body", detail=str(e)) from e
            if not isinstance(activity, dict):
                raise InvalidRequest("invalid request body", detail="expected an activity")
            await self.auth.verify(request.headers.get("authorization"), activity)
            message = incoming_message(activity)
            if message is not None:
                note_conversation(request, message.sender_id)
                await self._answer(agent, message, activity)
            return Response(status_code=200)

        return webhook

    async def _answer(
        self, agent: Agent, message: UserMessage, activity: Mapping[str, Any]
    ) -> None:
        conversation = _mapping(activity, "conversation")
        url = (
            f"{str(activity['serviceUrl']).rstrip('/')}/v3/conversations/"
            f"{quote(str(conversation.get('id')), safe='')}/activities"
        )
        address = {
            "from": activity.get("recipient"),
            "recipient": activity.get("from"),
            "conversation": dict(conversation),
            "replyToId": activity.get("id"),
        }
        try:
            for reply in await agent.handle_message(message):
                for outgoing in activities(reply):
                    token = await self.auth.access_token()
                    headers = {"Authorization": f"Bearer {token}"}
                    response = await self.client.post(
                        url, json={**address, **outgoing}, headers=headers
                    )
                    response.raise_for_status()
        except (httpx.HTTPError, ValueError, KeyError) as e:
            logger.error("botframework: replying to %s failed: %s", message.sender_id, e)


def incoming_message(activity: Mapping[str, Any]) -> UserMessage | None:
    """The user's message in a ``message`` activity; ``None`` for other activities."""
    sender = _mapping(activity, "from").get("id")
    value, text = activity.get("value"), activity.get("text")
    if isinstance(value, Mapping) and isinstance(value.get("payload"), str):
        text = value["payload"]
    if activity.get("type") != "message" or not isinstance(sender, str):
        return None
    if not isinstance(text, str):
        return None
    conversation = _mapping(activity, "conversation").get("id")
    return UserMessage(
        text=text,
        sender_id=ConversationId(sender),
        input_channel=BotFrameworkInput.name,
        metadata={
            "botframework": {"channelId": activity.get("channelId"), "conversation": conversation}
        },
    )


def _mapping(activity: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = activity.get(key)
    return value if isinstance(value, Mapping) else {}


async def _status() -> dict[str, str]:
    """Whether the Bot Framework channel is up."""
    return {"status": "ok"}
