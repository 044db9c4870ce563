"""The Twilio channel: Twilio's messaging webhook in, the Messages API out (SMS and WhatsApp).

``POST /webhooks/twilio/webhook`` takes Twilio's form-encoded messaging
webhook. Its ``X-Twilio-Signature`` is checked with the ``twilio`` package's
:class:`~twilio.request_validator.RequestValidator` against the account's auth
token and the URL Twilio called (``webhook_url`` when set: the URL entered in
Twilio's console, needed behind a proxy that changes scheme or host); a missing
or wrong signature is refused with 403. The sender's number (``whatsapp:+...``
for WhatsApp) is the conversation; replies go out with ``messages.create`` from
``twilio_number`` (given the ``whatsapp:`` prefix when the sender has it).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs

import aiohttp
from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from twilio.base.exceptions import TwilioException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from dialogue.tracker import ConversationId
from nlg.interfaces import BotMessage
from parley.channels.http import note_conversation
from parley.channels.settings import channel_settings
from parley.interfaces import Agent, UserMessage
from parley.security.errors import Forbidden

logger = logging.getLogger(__name__)

TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioSettings(BaseModel):
    """The ``twilio:`` entry of ``credentials.yml`` (Rasa's keys, plus ``webhook_url``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    account_sid: str = Field(min_length=1, description="The account SID (AC...).")
    auth_token: str = Field(min_length=1, description="Signs Twilio's webhook requests.")
    twilio_number: str = Field(min_length=1, description="The number replies come from.")
    webhook_url: str | None = Field(None, description="The URL configured in Twilio's console.")
    twilio_api_url: str | None = Field(None, description="Base URL of the REST API.")


def sms_messages(message: BotMessage) -> list[dict[str, Any]]:
    """``messages.create`` arguments (without to/from) for one bot message, as Rasa sends them.

    Buttons are numbered lines under the text (SMS has no buttons); an image is a
    media message; a custom payload is passed as ``messages.create``'s arguments.
    """
    calls: list[dict[str, Any]] = []
    lines = [message.text] if message.text else []
    for index, button in enumerate(message.buttons or message.quick_replies, start=1):
        lines.append(f"{index}: {button.get('title', '')} ({button.get('payload', '')})")
    if lines:
        calls.append({"body": "\n".join(lines)})
    if message.image is not None:
        calls.append({"media_url": [message.image]})
    if message.custom is not None:
        calls.append(dict(message.custom))
    return calls


class TwilioInput:
    """Twilio's signed messaging webhook in, ``messages.create`` out."""

    name: ClassVar[str] = "twilio"

    def __init__(self, settings: TwilioSettings) -> None:
        self.settings = settings
        self.validator = RequestValidator(settings.auth_token)
        self._client: Client | None = None

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> Self:
        return cls(channel_settings(TwilioSettings, "twilio", credentials))

    def router(self, agent: Agent) -> APIRouter:
        router = APIRouter(lifespan=self._lifespan)
        router.add_api_route("/", _status, methods=["GET"], summary="Twilio channel status")
        router.add_api_route(
            "/webhook",
            self._webhook(agent),
            methods=["POST"],
            summary="Twilio messaging webhook (signed with X-Twilio-Signature)",
        )
        return router

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Any) -> AsyncIterator[None]:
        yield
        if self._client is not None and isinstance(self._client.http_client, AsyncTwilioHttpClient):
            await self._client.http_client.close()
            self._client = None

    def client(self) -> Client:
        """Twilio's REST client with its asynchronous HTTP client, made on first use."""
        if self._client is None:
            s = self.settings
            self._client = Client(s.account_sid, s.auth_token, http_client=AsyncTwilioHttpClient())
            if s.twilio_api_url is not None:
                self._client.api.base_url = s.twilio_api_url
        return self._client

    def _webhook(self, agent: Agent) -> Callable[[Request], Awaitable[Response]]:
        async def webhook(request: Request) -> Response:
            """Check Twilio's signature, run the turn, send the replies, answer empty TwiML."""
            body = (await request.body()).decode("utf-8", "replace")
            form = {
                key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()
            }
            url = self.settings.webhook_url or str(request.url)
            signature = request.headers.get("x-twilio-signature", "")
            if not signature or not self.validator.validate(url, form, signature):
                raise Forbidden("invalid signature", f"the X-Twilio-Signature does not match {url}")
            sender, text = form.get("From"), form.get("Body")
            if sender and text is not None:
                note_conversation(request, sender)
                await self._answer(agent, sender, text, form)
            return Response(TWIML_EMPTY, media_type="application/xml")

        return webhook

    async def _answer(self, agent: Agent, sender: str, text: str, form: Mapping[str, str]) -> None:
        message = UserMessage(
            text=text,
            sender_id=ConversationId(sender),
            input_channel=self.name,
            metadata={"twilio": {"message_sid": form.get("MessageSid"), "to": form.get("To")}},
        )
        number = self.settings.twilio_number
        if sender.startswith("whatsapp:") and not number.startswith("whatsapp:"):
            number = f"whatsapp:{number}"
        replies = await agent.handle_message(message)
        try:
            for reply in replies:
                for arguments in sms_messages(reply):
                    await self.client().messages.create_async(to=sender, from_=number, **arguments)
        except (TwilioException, aiohttp.ClientError, TimeoutError) as e:
            # Twilio retries a webhook not answered 200; the turn must not run twice,
            # whether Twilio refused the reply or could not be reached at all.
            logger.error("twilio: replying to %s failed: %s", sender, e)


async def _status() -> dict[str, str]:
    """Whether the Twilio channel is up."""
    return {"status": "ok"}
