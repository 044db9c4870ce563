"""The Slack channel: Events API and interactivity webhook, replies through the Web API.

``POST /webhooks/slack/webhook`` takes both the Events API and interactivity
(button click) requests, so one URL goes into both places of the Slack app's
settings. Every request must carry a valid Slack signature (else 401, before
anything else happens). Events are acknowledged at once with 200 and processed
in the background, since Slack expects an answer within 3 seconds and retries
otherwise; each event is processed once however often Slack retries it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar, Self

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from slack_sdk.web.async_client import AsyncWebClient
from starlette.requests import Request

from dialogue.tracker import ConversationId
from parley.channels.http import note_conversation
from parley.channels.settings import channel_settings
from parley.channels.slack.events import (
    DEDUP_SECONDS,
    Granularity,
    SlackIncoming,
    button_click,
    incoming_event,
    interactive_payload,
    verify_signature,
)
from parley.channels.slack.output import SlackOutput
from parley.errors import InvalidRequest
from parley.interfaces import Agent, UserMessage
from parley.security.errors import RateLimited
from parley.security.ratelimit import check_sender
from parley.sharedstate import MemorySharedState, shared_state_of

logger = logging.getLogger(__name__)

SLACK_API_URL = "https://slack.com/api/"


class SlackSettings(BaseModel):
    """The ``slack:`` entry of ``credentials.yml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slack_token: str = Field(min_length=1, description="Bot User OAuth token (xoxb-...).")
    slack_signing_secret: str = Field(min_length=1, description="The app's signing secret.")
    slack_channel: str | None = Field(
        None, description="Only this channel id (and direct messages) is answered."
    )
    use_threads: bool = Field(False, description="Answer in a thread under the user's message.")
    conversation_granularity: Granularity = Field(
        Granularity.SENDER, description="One conversation per sender, channel or thread."
    )
    slack_api_url: str = Field(SLACK_API_URL, description="Base URL of Slack's Web API.")


class SlackInput:
    """Slack's Events API in, ``chat.postMessage`` out."""

    name: ClassVar[str] = "slack"

    def __init__(self, settings: SlackSettings, client: AsyncWebClient | None = None) -> None:
        self.settings = settings
        self.client = client or AsyncWebClient(
            token=settings.slack_token, base_url=settings.slack_api_url
        )
        self._recent = MemorySharedState()
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> Self:
        return cls(channel_settings(SlackSettings, "slack", credentials))

    def router(self, agent: Agent) -> APIRouter:
        router = APIRouter()
        router.add_api_route("/", _status, methods=["GET"], summary="Slack channel status")
        router.add_api_route(
            "/webhook",
            self._webhook(agent),
            methods=["POST"],
            summary="Slack Events API and interactivity requests (signed by Slack)",
        )
        return router

    async def join(self) -> None:
        """Wait until every message received so far has been answered."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _webhook(self, agent: Agent) -> Callable[[Request], Awaitable[Response]]:
        async def webhook(request: Request) -> Response:
            """Verify Slack's signature, acknowledge, and answer in the background."""
            body = await request.body()
            verify_signature(self.settings.slack_signing_secret, body, request.headers)
            keys: tuple[str, ...] = ()
            if _is_form(request):
                payload = interactive_payload(body)
                incoming = button_click(payload) if payload else None
            else:
                data = _json_object(body)
                if data.get("type") == "url_verification":
                    return JSONResponse({"challenge": data.get("challenge")})
                incoming, keys = incoming_event(data), _event_keys(data)
            if incoming is not None and await self._accepts(request, incoming, keys):
                self._start(agent, incoming)
            return Response(status_code=200)

        return webhook

    async def _accepts(
        self, request: Request, incoming: SlackIncoming, keys: tuple[str, ...]
    ) -> bool:
        channel = self.settings.slack_channel
        if channel is not None and incoming.channel != channel and not incoming.is_direct:
            return False
        # Shared by every worker (Redis) when the server has shared state, so a retry that
        # reaches another worker, or comes after a restart, is not answered twice.
        seen = shared_state_of(request.scope) or self._recent
        if not await seen.first_time(self.name, (incoming.dedupe_key, *keys), DEDUP_SECONDS):
            retry = request.headers.get("x-slack-retry-num")
            logger.info("slack: %s already received (retry %s); ignored", keys, retry)
            return False
        conversation = incoming.conversation_id(self.settings.conversation_granularity)
        note_conversation(request, conversation)
        try:
            await check_sender(request.scope, self.name, conversation)
        except RateLimited as e:
            logger.warning("slack: %s over the rate limit; message dropped: %s", conversation, e)
            return False
        return True

    def _start(self, agent: Agent, incoming: SlackIncoming) -> None:
        task = asyncio.create_task(self._answer(agent, incoming))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, agent: Agent, incoming: SlackIncoming) -> None:
        conversation = ConversationId(
            incoming.conversation_id(self.settings.conversation_granularity)
        )
        thread = incoming.thread_ts or (incoming.ts if self.settings.use_threads else None)
        output = SlackOutput(self.client, incoming.channel, thread)
        message = UserMessage(
            text=incoming.text,
            sender_id=conversation,
            input_channel=self.name,
            metadata={"slack": {"channel": incoming.channel, "ts": incoming.ts, "thread": thread}},
        )
        try:
            for reply in await agent.handle_message(message):
                await output.send(conversation, reply)
        except Exception:
            logger.exception("slack: answering conversation %s failed", conversation)


def _is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as e:  # ValueError: also an integer over the digit limit
        raise InvalidRequest("malformed JSON body", detail=str(e)) from e
    if not isinstance(data, dict):
        raise InvalidRequest("invalid request body", detail="expected a JSON object")
    return data


def _event_keys(data: Mapping[str, Any]) -> tuple[str, ...]:
    event_id = data.get("event_id")
    return (f"event:{event_id}",) if isinstance(event_id, str) else ()


async def _status() -> dict[str, str]:
    """Whether the Slack channel is up."""
    return {"status": "ok"}
