"""The Telegram channel: Bot API webhook in, Bot API calls out.

``POST /webhooks/telegram/webhook`` takes Telegram's updates. Each must carry
the webhook's secret in ``X-Telegram-Bot-Api-Secret-Token`` (else 403): the
``secret_token`` of ``credentials.yml``, or, when there is none, one derived
from the bot token. At start-up the webhook is registered with Telegram
(``setWebhook``) at ``webhook_url`` with that secret, as Rasa registers it, so
Rasa's ``credentials.yml`` (``access_token``, ``verify``, ``webhook_url``)
gives a verified webhook unchanged. A message's chat id is the conversation;
a click on an inline button arrives as its payload.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, ClassVar, Self

import httpx
from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from dialogue.tracker import ConversationId
from parley.channels.http import note_conversation
from parley.channels.settings import channel_settings
from parley.channels.telegram.output import TelegramApiError, TelegramOutput
from parley.errors import InvalidRequest
from parley.interfaces import Agent, UserMessage
from parley.security.errors import Forbidden

logger = logging.getLogger(__name__)

TELEGRAM_API_URL = "https://api.telegram.org"
SECRET_HEADER = "x-telegram-bot-api-secret-token"


class TelegramSettings(BaseModel):
    """The ``telegram:`` entry of ``credentials.yml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    access_token: str = Field(min_length=1, description="The bot token from @BotFather.")
    verify: str | None = Field(None, description="The bot's username (Rasa's key; informative).")
    webhook_url: str | None = Field(None, description="Registered with Telegram at start-up.")
    secret_token: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{1,256}$", description="The webhook's secret."
    )
    telegram_api_url: str = Field(TELEGRAM_API_URL, description="Base URL of the Bot API.")


def webhook_secret(settings: TelegramSettings) -> str:
    """The secret Telegram must send: the configured one, or one derived from the bot token."""
    if settings.secret_token:
        return settings.secret_token
    key = settings.access_token.encode()
    return hmac.new(key, b"parley telegram webhook", hashlib.sha256).hexdigest()


class TelegramInput:
    """Telegram's webhook in, Bot API ``sendMessage``/``sendPhoto`` out."""

    name: ClassVar[str] = "telegram"

    def __init__(self, settings: TelegramSettings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.AsyncClient(timeout=10)
        self.output = TelegramOutput(self.client, settings.telegram_api_url, settings.access_token)

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> Self:
        return cls(channel_settings(TelegramSettings, "telegram", credentials))

    def router(self, agent: Agent) -> APIRouter:
        router = APIRouter(lifespan=self._lifespan)
        router.add_api_route("/", _status, methods=["GET"], summary="Telegram channel status")
        router.add_api_route(
            "/webhook",
            self._webhook(agent),
            methods=["POST"],
            summary="Telegram Bot API updates (with the webhook's secret token)",
        )
        return router

    async def set_webhook(self) -> None:
        """Register ``webhook_url`` with Telegram, with the secret it must send back."""
        url = self.settings.webhook_url
        if url is None:
            return
        arguments = {"url": url, "secret_token": webhook_secret(self.settings)}
        await self.output.call("setWebhook", arguments)
        logger.info("telegram: webhook set to %s", url)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Any) -> AsyncIterator[None]:
        try:
            await self.set_webhook()
        except (httpx.HTTPError, TelegramApiError, ValueError) as e:
            logger.warning(
                "telegram: could not set the webhook %s: %s", self.settings.webhook_url, e
            )
        yield
        await self.client.aclose()

    def _webhook(self, agent: Agent) -> Callable[[Request], Awaitable[Response]]:
        async def webhook(request: Request) -> Response:
            """Check the secret, run the turn, send the replies, answer 200."""
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), webhook_secret(self.settings).encode()):
                raise Forbidden("invalid secret token", f"{SECRET_HEADER} does not match")
            try:
                update = await request.json()
            except ValueError as e:
                raise InvalidRequest("malformed JSON body", detail=str(e)) from e
            message = incoming_message(update) if isinstance(update, dict) else None
            if message is not None:
                note_conversation(request, message.sender_id)
                try:
                    await self._answer(agent, message, update)
                except (httpx.HTTPError, TelegramApiError, ValueError) as e:
                    # Telegram resends an update not answered 200; the turn must not run twice.
                    logger.error("telegram: replying to chat %s failed: %s", message.sender_id, e)
            return Response(status_code=200)

        return webhook

    async def _answer(self, agent: Agent, message: UserMessage, update: Mapping[str, Any]) -> None:
        query = update.get("callback_query")
        if isinstance(query, Mapping) and isinstance(query.get("id"), str):
            await self.output.call("answerCallbackQuery", {"callback_query_id": query["id"]})
        for reply in await agent.handle_message(message):
            await self.output.send(message.sender_id, reply)


def incoming_message(update: Mapping[str, Any]) -> UserMessage | None:
    """The user's text (or clicked button's payload) in an update; ``None`` for other updates."""
    query = update.get("callback_query")
    if isinstance(query, Mapping):
        chat = _get(query, "message", "chat", "id")
        text = query.get("data")
    else:
        message = update.get("message")
        if not isinstance(message, Mapping) or _get(message, "from", "is_bot") is True:
            return None
        chat, text = _get(message, "chat", "id"), message.get("text")
    if not isinstance(text, str) or not isinstance(chat, int | str):
        return None
    return UserMessage(
        text=text,
        sender_id=ConversationId(str(chat)),
        input_channel=TelegramInput.name,
        metadata={"telegram": {"update_id": update.get("update_id")}},
    )


def _get(data: Mapping[str, Any], *keys: str) -> Any:
    value: Any = data
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


async def _status() -> dict[str, str]:
    """Whether the Telegram channel is up."""
    return {"status": "ok"}
