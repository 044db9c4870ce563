"""The Slack channel: signed Events API requests in, one ``chat.postMessage`` per reply out.

Slack's Web API is played by a loopback server (``fake_slack``); requests are
signed with ``slack_sdk``'s own signature tools, as Slack signs them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from nlg.interfaces import BotMessage
from parley.channels import channels_from_credentials
from parley.channels.slack import SlackInput, slack_messages
from parley.errors import ChannelError
from parley.interfaces import UserMessage
from parley.security import ApiSecurity, RateLimit
from parley.server import create_app
from tests.parley.channels.fake_slack import FakeSlack, running_fake_slack
from tests.parley.doubles import EchoAgent

TOKEN = "xoxb-test-token"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
WEBHOOK = "/webhooks/slack/webhook"
VALID = {"slack_token": TOKEN, "slack_signing_secret": SECRET}
MENU = BotMessage(
    text="What can I do for you?",
    buttons=(
        {"title": "Track my order", "payload": "/track_order"},
        {"title": "Talk to a human", "payload": "/human_handoff"},
    ),
)


def signed_headers(
    body: bytes, *, secret: str = SECRET, age: float = 0, content_type: str = "application/json"
) -> dict[str, str]:
    timestamp = str(int(time.time() - age))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        "Content-Type": content_type,
    }


def message_event(
    text: str = "hello",
    *,
    event_id: str = "Ev001",
    user: str = "U111",
    channel: str = "C222",
    ts: str = "1700000100.000200",
    **extra: Any,
) -> dict[str, Any]:
    event = {"type": "message", "user": user, "channel": channel, "ts": ts, "text": text}
    event["channel_type"] = "im" if channel.startswith("D") else "channel"
    return {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event_id": event_id,
        "event_time": 1700000100,
        "event": {**event, **extra},
    }


class HeldAgent(EchoAgent):
    """An agent whose turns wait until ``release`` is set, like a slow model."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def handle_message(self, message: UserMessage) -> list[BotMessage]:
        await self.release.wait()
        return await super().handle_message(message)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with running_fake_slack(TOKEN) as fake:
        yield fake


@pytest.fixture
def agent() -> EchoAgent:
    return EchoAgent({"menu": [MENU]})


def make_channel(fake: FakeSlack, **settings: Any) -> SlackInput:
    credentials = {
        "slack_token": TOKEN,
        "slack_signing_secret": SECRET,
        "slack_api_url": fake.url,
        **settings,
    }
    channel = SlackInput.from_credentials(credentials)
    return channel


class Slack:
    """Posts to the Slack webhook as Slack would, and waits for the channel to finish."""

    def __init__(self, client: httpx.AsyncClient, channel: SlackInput) -> None:
        self.client, self.channel = client, channel

    async def send_event(
        self, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        body = json.dumps(payload).encode()
        response = await self.client.post(
            WEBHOOK, content=body, headers=headers or signed_headers(body)
        )
        await self.channel.join()
        return response

    async def click(self, payload: dict[str, Any]) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        form = "application/x-www-form-urlencoded"
        headers = signed_headers(body, content_type=form)
        response = await self.client.post(WEBHOOK, content=body, headers=headers)
        await self.channel.join()
        return response


async def slack_for(channel: SlackInput, agent: EchoAgent, **app: Any) -> AsyncIterator[Slack]:
    transport = httpx.ASGITransport(create_app(agent, [channel], **app))
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        yield Slack(client, channel)


@pytest.fixture
async def slack(fake_slack: FakeSlack, agent: EchoAgent) -> AsyncIterator[Slack]:
    async for slack in slack_for(make_channel(fake_slack), agent):
        yield slack


class TestVerification:
    async def test_url_verification_echoes_the_challenge(self, slack: Slack) -> None:
        payload = {"type": "url_verification", "token": "x", "challenge": "3eZbrw1aBm2rZgRN"}

        response = await slack.send_event(payload)

        assert response.status_code == 200
        assert response.json() == {"challenge": "3eZbrw1aBm2rZgRN"}

    async def test_a_valid_signed_message_gets_exactly_one_reply_in_its_channel(
        self, slack: Slack, agent: EchoAgent, fake_slack: FakeSlack
    ) -> None:
        response = await slack.send_event(message_event("hello"))

        assert response.status_code == 200
        assert [m.text for m in agent.received] == ["hello"]
        assert agent.received[0].sender_id == "U111"
        assert agent.received[0].input_channel == "slack"
        assert fake_slack.posted() == [{"channel": "C222", "text": "echo: hello"}]

    @pytest.mark.parametrize(
        "headers",
        [
            pytest.param(lambda body: signed_headers(body, secret="wrong"), id="bad-secret"),
            pytest.param(lambda body: signed_headers(body, age=6 * 60), id="stale-timestamp"),
            pytest.param(lambda body: signed_headers(body, age=-6 * 60), id="future-timestamp"),
            pytest.param(lambda body: {"Content-Type": "application/json"}, id="unsigned"),
            pytest.param(
                lambda body: {**signed_headers(body), "X-Slack-Request-Timestamp": "soon"},
                id="non-numeric-timestamp",
            ),
            pytest.param(lambda body: signed_headers(body + b" "), id="body-changed"),
        ],
    )
    async def test_a_request_not_signed_by_slack_is_refused_before_any_processing(
        self, slack: Slack, agent: EchoAgent, fake_slack: FakeSlack, headers: Any
    ) -> None:
        body = json.dumps(message_event("hello")).encode()

        response = await slack.send_event(message_event("hello"), headers=headers(body))

        assert response.status_code == 401
        assert "error" in response.json()
        assert agent.received == []
        assert fake_slack.calls == []

    async def test_an_unsigned_url_verification_is_refused(self, slack: Slack) -> None:
        payload = {"type": "url_verification", "challenge": "abc"}
        response = await slack.send_event(payload, headers={"Content-Type": "application/json"})

        assert response.status_code == 401


class TestEvents:
    async def test_slack_is_answered_before_the_turn_finishes(self, fake_slack: FakeSlack) -> None:
        agent = HeldAgent()
        async for slack in slack_for(make_channel(fake_slack), agent):
            body = json.dumps(message_event("hello")).encode()
            ack = slack.client.post(WEBHOOK, content=body, headers=signed_headers(body))
            response = await asyncio.wait_for(ack, timeout=3)  # Slack's limit
            posted_before_the_turn_ended = list(fake_slack.posted())
            agent.release.set()
            await slack.channel.join()

        assert response.status_code == 200
        assert posted_before_the_turn_ended == []
        assert fake_slack.posted() == [{"channel": "C222", "text": "echo: hello"}]

    async def test_a_retried_event_is_processed_once(
        self, slack: Slack, agent: EchoAgent, fake_slack: FakeSlack
    ) -> None:
        event = message_event("hello")
        body = json.dumps(event).encode()

        first = await slack.send_event(event)
        retry_headers = {**signed_headers(body), "X-Slack-Retry-Num": "1"}
        retry_headers["X-Slack-Retry-Reason"] = "http_timeout"
        retry = await slack.send_event(event, headers=retry_headers)

        assert (first.status_code, retry.status_code) == (200, 200)
        assert len(agent.received) == 1
        assert len(fake_slack.posted()) == 1

    async def test_a_mention_delivered_as_message_and_app_mention_is_answered_once(
        self, slack: Slack, agent: EchoAgent, fake_slack: FakeSlack
    ) -> None:
        await slack.send_event(message_event("<@UPARLEY> hello", event_id="Ev1"))
        mention = message_event("<@UPARLEY> hello", event_id="Ev2")
        mention["event"]["type"] = "app_mention"
        await slack.send_event(mention)

        assert [m.text for m in agent.received] == ["hello"]
        assert len(fake_slack.posted()) == 1

    @pytest.mark.parametrize(
        "extra",
        [
            pytest.param({"bot_id": "BPARLEY", "subtype": "bot_message"}, id="bot-message"),
            pytest.param({"bot_id": "BPARLEY"}, id="own-message-with-bot-id"),
            pytest.param({"subtype": "message_changed"}, id="edit"),
            pytest.param({"subtype": "message_deleted"}, id="deletion"),
            pytest.param({"subtype": "channel_join"}, id="channel-join"),
        ],
    )
    async def test_bot_messages_and_edits_are_ignored(
        self, slack: Slack, agent: EchoAgent, fake_slack: FakeSlack, extra: dict[str, Any]
    ) -> None:
        response = await slack.send_event(message_event("echo: hello", **extra))

        assert response.status_code == 200
        assert agent.received == []
        assert fake_slack.calls == []

    async def test_a_message_in_a_thread_is_answered_in_that_thread(
        self, slack: Slack, fake_slack: FakeSlack
    ) -> None:
        await slack.send_event(message_event("hello", thread_ts="1700000000.000001"))

        assert fake_slack.posted() == [
            {"channel": "C222", "text": "echo: hello", "thread_ts": "1700000000.000001"}
        ]

    async def test_a_direct_message_is_answered_in_the_direct_message(
        self, slack: Slack, fake_slack: FakeSlack
    ) -> None:
        await slack.send_event(message_event("hi", channel="D999"))

        assert fake_slack.posted() == [{"channel": "D999", "text": "echo: hi"}]

    async def test_with_use_threads_the_reply_starts_a_thread_under_the_message(
        self, fake_slack: FakeSlack, agent: EchoAgent
    ) -> None:
        async for slack in slack_for(make_channel(fake_slack, use_threads=True), agent):
            await slack.send_event(message_event("hello", ts="1700000100.000200"))

        assert fake_slack.posted()[0]["thread_ts"] == "1700000100.000200"

    @pytest.mark.parametrize(
        ("granularity", "conversation"),
        [
            ("sender", "U111"),
            ("channel", "U111_C222"),
            ("thread", "U111_C222_1700000000.000001"),
        ],
        ids=["sender", "channel", "thread"],
    )
    async def test_conversation_granularity_decides_the_conversation_id(
        self, fake_slack: FakeSlack, agent: EchoAgent, granularity: str, conversation: str
    ) -> None:
        channel = make_channel(fake_slack, conversation_granularity=granularity)
        async for slack in slack_for(channel, agent):
            await slack.send_event(message_event("hello", thread_ts="1700000000.000001"))

        assert agent.received[0].sender_id == conversation

    async def test_with_slack_channel_set_other_channels_are_ignored_but_dms_answered(
        self, fake_slack: FakeSlack, agent: EchoAgent
    ) -> None:
        async for slack in slack_for(make_channel(fake_slack, slack_channel="C222"), agent):
            await slack.send_event(message_event("in C333", channel="C333", event_id="E1"))
            await slack.send_event(message_event("in C222", channel="C222", event_id="E2"))
            await slack.send_event(message_event("in a DM", channel="D444", event_id="E3"))

        assert [m.text for m in agent.received] == ["in C222", "in a DM"]

    async def test_a_sender_over_the_rate_limit_is_not_processed(
        self, fake_slack: FakeSlack, agent: EchoAgent
    ) -> None:
        security = ApiSecurity(rate_limit=RateLimit(messages=2, seconds=60))
        async for slack in slack_for(make_channel(fake_slack), agent, security=security):
            for n in range(3):
                response = await slack.send_event(
                    message_event(f"message {n}", event_id=f"E{n}", ts=f"1700000100.00000{n}")
                )
                assert response.status_code == 200  # Slack must not retry it

        assert [m.text for m in agent.received] == ["message 0", "message 1"]

    async def test_when_slack_refuses_the_reply_the_failure_is_logged_and_later_turns_work(
        self, agent: EchoAgent, caplog: pytest.LogCaptureFixture
    ) -> None:
        with running_fake_slack("xoxb-another-token") as fake:
            async for slack in slack_for(make_channel(fake), agent):
                with caplog.at_level(logging.ERROR):
                    response = await slack.send_event(message_event("hello"))

        assert response.status_code == 200
        assert fake.calls == []
        assert "U111" in caplog.text and "invalid_auth" in caplog.text


class TestButtons:
    async def test_buttons_are_block_kit_actions_and_a_click_is_the_next_user_message(
        self, slack: Slack, agent: EchoAgent, fake_slack: FakeSlack
    ) -> None:
        await slack.send_event(message_event("menu"))
        [menu] = fake_slack.posted()
        actions = next(block for block in menu["blocks"] if block["type"] == "actions")
        track = actions["elements"][0]

        response = await slack.click(block_actions_payload(menu, track))

        assert response.status_code == 200
        assert [m.text for m in agent.received] == ["menu", "/track_order"]
        assert agent.received[1].sender_id == "U111"
        assert fake_slack.posted()[1] == {"channel": "C222", "text": "echo: /track_order"}

    async def test_a_click_with_a_bad_signature_is_refused(
        self, slack: Slack, agent: EchoAgent
    ) -> None:
        body = urlencode({"payload": json.dumps({"type": "block_actions"})}).encode()
        headers = signed_headers(
            body, secret="wrong", content_type="application/x-www-form-urlencoded"
        )
        response = await slack.client.post(WEBHOOK, content=body, headers=headers)

        assert response.status_code == 401
        assert agent.received == []


def block_actions_payload(message: dict[str, Any], button: dict[str, Any]) -> dict[str, Any]:
    """What Slack sends when the user U111 clicks ``button`` on the posted ``message``."""
    return {
        "type": "block_actions",
        "user": {"id": "U111", "username": "alice", "team_id": "T1"},
        "team": {"id": "T1"},
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": "C222"},
        "channel": {"id": message["channel"], "name": "support"},
        "message": {"type": "message", "ts": "1700000000.000001", "text": message["text"]},
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": "b1",
                "text": button["text"],
                "value": button["value"],
                "action_ts": "1700000200.000300",
            }
        ],
    }


class TestRendering:
    def test_text_with_buttons_is_a_section_and_an_actions_block(self) -> None:
        [call] = slack_messages(MENU)

        assert call["text"] == "What can I do for you?"
        assert call["blocks"][0] == {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "What can I do for you?"},
        }
        buttons = call["blocks"][1]["elements"]
        assert [(b["text"]["text"], b["value"]) for b in buttons] == [
            ("Track my order", "/track_order"),
            ("Talk to a human", "/human_handoff"),
        ]
        assert len({b["action_id"] for b in buttons}) == 2

    def test_an_image_is_an_image_block(self) -> None:
        [call] = slack_messages(BotMessage(image="https://example.com/logo.png"))

        assert call["blocks"] == [
            {"type": "image", "image_url": "https://example.com/logo.png", "alt_text": "image"}
        ]

    def test_a_custom_payload_passes_through_as_the_call_arguments(self) -> None:
        custom = {"blocks": [{"type": "divider"}], "text": "fallback"}

        assert slack_messages(BotMessage(custom=custom)) == [custom]

    def test_more_than_25_buttons_are_split_into_several_actions_blocks(self) -> None:
        many = tuple({"title": f"Option {i}", "payload": f"/pick{i}"} for i in range(30))
        [call] = slack_messages(BotMessage(text="Pick one", buttons=many))

        assert [len(b["elements"]) for b in call["blocks"] if b["type"] == "actions"] == [25, 5]


class TestCredentials:
    def test_the_slack_entry_of_credentials_builds_the_channel(self) -> None:
        [channel] = channels_from_credentials(
            {"slack": {"slack_token": TOKEN, "slack_signing_secret": SECRET, "use_threads": True}}
        )

        assert isinstance(channel, SlackInput)
        assert channel.settings.use_threads is True

    @pytest.mark.parametrize(
        ("settings", "named"),
        [
            ({"slack_token": TOKEN}, "slack_signing_secret"),
            ({**VALID, "slak_channel": "C1"}, "slak_channel"),
            ({**VALID, "conversation_granularity": "team"}, "conversation_granularity"),
        ],
        ids=["missing-secret", "misspelt-key", "unknown-granularity"],
    )
    def test_bad_settings_are_an_error_naming_the_setting(
        self, settings: dict[str, Any], named: str
    ) -> None:
        with pytest.raises(ChannelError, match=named) as error:
            channels_from_credentials({"slack": settings}, source="bot/credentials.yml")

        assert "bot/credentials.yml" in str(error.value)
