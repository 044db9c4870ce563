"""The Facebook Messenger channel: the page's webhook in, the Send API out.

``GET /webhooks/facebook/webhook`` answers Meta's subscription check: it echoes
``hub.challenge`` when ``hub.verify_token`` is the ``verify`` of
``credentials.yml``, else 403. ``POST`` takes message events; each body must
carry ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body keyed with the
app secret>`` (else 403). Texts, quick-reply clicks and postbacks (button
clicks) become user messages of the sender's page-scoped id; echoes of the
page's own messages are ignored. Replies go to the Send API
(``POST /me/messages``) with the page access token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, ClassVar, Self

import httpx
from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from dialogue.tracker import ConversationId
from nlg.interfaces import BotMessage
from parley.channels.lifespan import closing
from parley.channels.settings import channel_settings
from parley.errors import InvalidRequest
from parley.interfaces import Agent, UserMessage
from parley.security.errors import Forbidden

logger = logging.getLogger(__name__)

GRAPH_API_URL = "https://graph.facebook.com/v19.0"
_BUTTON_TEMPLATE_LIMIT = 3


class FacebookSettings(BaseModel):
    """The ``facebook:`` entry of ``credentials.yml`` (Rasa's keys)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    verify: str = Field(min_length=1, description="The verify token entered in Meta's console.")
    secret: str = Field(min_length=1, description="The app secret; signs every webhook.")
    page_access_token: str = Field(
        min_length=1, alias="page-access-token", description="Sends the replies."
    )
    graph_api_url: str = Field(GRAPH_API_URL, description="Base URL of the Graph API.")


def messenger_messages(message: BotMessage) -> list[dict[str, Any]]:
    """Send API ``message`` objects for one bot message, in order, as Rasa sends them.

    Up to three buttons are a button template of postbacks; quick replies, or more
    buttons, are quick replies; an image is an image attachment; a custom payload
    is the ``message`` itself.
    """
    messages: list[dict[str, Any]] = []
    buttons, quick = list(message.buttons), list(message.quick_replies)
    if buttons and len(buttons) <= _BUTTON_TEMPLATE_LIMIT and not quick:
        postbacks = [{"type": "postback", **_titled(button)} for button in buttons]
        template = {"template_type": "button", "text": message.text or "", "buttons": postbacks}
        messages.append({"attachment": {"type": "template", "payload": template}})
    elif buttons or quick:
        replies = [{"content_type": "text", **_titled(b)} for b in quick or buttons]
        messages.append({"text": message.text or "", "quick_replies": replies})
    elif message.text:
        messages.append({"text": message.text})
    if message.image is not None:
        messages.append({"attachment": {"type": "image", "payload": {"url": message.image}}})
    if message.custom is not None:
        messages.append(dict(message.custom))
    return messages


def _titled(button: Mapping[str, Any]) -> dict[str, str]:
    title = str(button.get("title") or button.get("payload") or "")
    return {"title": title[:20], "payload": str(button.get("payload") or title)}


class FacebookInput:
    """Messenger's signed webhook in, the Send API out."""

    name: ClassVar[str] = "facebook"

    def __init__(self, settings: FacebookSettings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.AsyncClient(timeout=10)

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> Self:
        return cls(channel_settings(FacebookSettings, "facebook", credentials))

    def router(self, agent: Agent) -> APIRouter:
        router = APIRouter(lifespan=closing(self.client))
        router.add_api_route("/", _status, methods=["GET"], summary="Facebook channel status")
        router.add_api_route(
            "/webhook", self._verify, methods=["GET"], summary="Meta's subscription check"
        )
        router.add_api_route(
            "/webhook",
            self._webhook(agent),
            methods=["POST"],
            summary="Messenger events (signed with X-Hub-Signature-256)",
        )
        return router

    async def _verify(self, request: Request) -> Response:
        """Echo ``hub.challenge`` when ``hub.verify_token`` is ours."""
        query = request.query_params
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") != "subscribe" or not hmac.compare_digest(
            token.encode(), self.settings.verify.encode()
        ):
            raise Forbidden("invalid verify token", "hub.verify_token is not this bot's")
        return PlainTextResponse(query.get("hub.challenge", ""))

    def _webhook(self, agent: Agent) -> Callable[[Request], Awaitable[Response]]:
        async def webhook(request: Request) -> Response:
            """Check Meta's signature, answer every message in the batch, answer 200."""
            body = await request.body()
            self._check_signature(body, request.headers.get("x-hub-signature-256", ""))
            try:
                data = json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise InvalidRequest("malformed JSON body", detail=str(e)) from e
            for message in incoming_messages(data):
                await self._answer(agent, message)
            return Response(status_code=200)

        return webhook

    def _check_signature(self, body: bytes, header: str) -> None:
        digest = hmac.new(self.settings.secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(f"sha256={digest}".encode(), header.encode("utf-8", "replace")):
            raise Forbidden("invalid signature", "the X-Hub-Signature-256 does not match")

    async def _answer(self, agent: Agent, message: UserMessage) -> None:
        url = f"{self.settings.graph_api_url.rstrip('/')}/me/messages"
        params = {"access_token": self.settings.page_access_token}
        try:
            for reply in await agent.handle_message(message):
                for content in messenger_messages(reply):
                    body = {
                        "recipient": {"id": message.sender_id},
                        "message": content,
                        "messaging_type": "RESPONSE",
                    }
                    response = await self.client.post(url, params=params, json=body)
                    error = response.json().get("error") if response.is_error else None
                    if error is not None:
                        logger.error("facebook: the Send API refused a reply: %s", error)
        except (httpx.HTTPError, ValueError) as e:
            # Meta resends events not answered 200; the turn must not run twice.
            logger.error("facebook: replying to %s failed: %s", message.sender_id, e)


def incoming_messages(data: Any) -> Iterator[UserMessage]:
    """The people's messages in a webhook body: texts, quick replies and postbacks."""
    if not isinstance(data, Mapping) or data.get("object") != "page":
        return
    entries = data.get("entry")
    for entry in entries if isinstance(entries, list) else ():
        events = entry.get("messaging") if isinstance(entry, Mapping) else None
        for event in events if isinstance(events, list) else ():
            if not isinstance(event, Mapping):
                continue
            text, sender = _text_of(event), _id(event.get("sender"))
            if sender is not None and text is not None:
                yield UserMessage(
                    text=text,
                    sender_id=ConversationId(sender),
                    input_channel=FacebookInput.name,
                    metadata={"facebook": {"recipient": _id(event.get("recipient"))}},
                )


def _id(party: Any) -> str | None:
    value = party.get("id") if isinstance(party, Mapping) else None
    return value if isinstance(value, str) else None


def _text_of(event: Mapping[str, Any]) -> str | None:
    message, postback = event.get("message"), event.get("postback")
    if isinstance(postback, Mapping) and isinstance(postback.get("payload"), str):
        return str(postback["payload"])
    if not isinstance(message, Mapping) or message.get("is_echo"):
        return None
    quick = message.get("quick_reply")
    if isinstance(quick, Mapping) and isinstance(quick.get("payload"), str):
        return str(quick["payload"])
    text = message.get("text")
    return text if isinstance(text, str) else None


async def _status() -> dict[str, str]:
    """Whether the Facebook channel is up."""
    return {"status": "ok"}
