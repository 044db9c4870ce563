"""The REST channel speaks Rasa's REST webhook protocol; channels come from credentials.yml."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar, Self

import httpx
import pytest
from fastapi import APIRouter

from nlg.interfaces import BotMessage
from parley.channels import (
    CHANNELS,
    CollectingOutputChannel,
    InputChannel,
    RestInput,
    channels_from_credentials,
)
from parley.errors import ChannelError
from parley.interfaces import Agent
from parley.server import create_app
from tests.parley.doubles import EchoAgent

WEBHOOK = "/webhooks/rest/webhook"
MENU = BotMessage(
    text="What can I do for you?",
    buttons=(
        {"title": "Track my order", "payload": "/track_order"},
        {"title": "Talk to a human", "payload": "/human_handoff"},
    ),
)
LOGO = BotMessage(image="https://example.com/logo.png")


@pytest.fixture
def agent() -> EchoAgent:
    return EchoAgent({"menu": [MENU, LOGO]})


@pytest.fixture
async def client(agent: EchoAgent) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(agent, [RestInput()])
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        yield client


class TestWebhook:
    async def test_a_message_is_answered_with_the_bots_replies(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(WEBHOOK, json={"sender": "alice", "message": "hello"})

        assert response.status_code == 200
        assert response.json() == [{"recipient_id": "alice", "text": "echo: hello"}]

    async def test_buttons_and_images_come_back_as_rasa_messages(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(WEBHOOK, json={"sender": "alice", "message": "menu"})

        assert response.json() == [
            {
                "recipient_id": "alice",
                "text": "What can I do for you?",
                "buttons": [
                    {"title": "Track my order", "payload": "/track_order"},
                    {"title": "Talk to a human", "payload": "/human_handoff"},
                ],
            },
            {"recipient_id": "alice", "image": "https://example.com/logo.png"},
        ]

    async def test_without_a_sender_the_message_goes_to_the_default_conversation(
        self, client: httpx.AsyncClient, agent: EchoAgent
    ) -> None:
        response = await client.post(WEBHOOK, json={"message": "hello"})

        assert response.json() == [{"recipient_id": "default", "text": "echo: hello"}]
        assert agent.received[0].sender_id == "default"

    async def test_metadata_and_channel_name_reach_the_agent(
        self, client: httpx.AsyncClient, agent: EchoAgent
    ) -> None:
        body = {"sender": "alice", "message": "hi", "metadata": {"locale": "de"}}
        await client.post(WEBHOOK, json=body)

        (message,) = agent.received
        assert (message.text, message.metadata, message.input_channel) == (
            "hi",
            {"locale": "de"},
            "rest",
        )

    async def test_json_is_read_whatever_the_content_type_says(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            WEBHOOK,
            content=b'{"sender": "curl", "message": "hi"}',
            headers={"content-type": "application/x-www-form-urlencoded"},
        )

        assert response.json() == [{"recipient_id": "curl", "text": "echo: hi"}]

    @pytest.mark.parametrize("text", ["", "x" * 50_000], ids=["empty", "50kB"])
    async def test_any_text_is_left_to_the_agent(
        self, client: httpx.AsyncClient, agent: EchoAgent, text: str
    ) -> None:
        response = await client.post(WEBHOOK, json={"sender": "alice", "message": text})

        assert response.status_code == 200
        assert [reply["recipient_id"] for reply in response.json()] == ["alice"]
        assert agent.received[0].text == text

    async def test_the_turn_is_stored_in_the_senders_conversation(
        self, client: httpx.AsyncClient
    ) -> None:
        await client.post(WEBHOOK, json={"sender": "alice", "message": "hello"})

        tracker = (await client.get("/conversations/alice/tracker")).json()
        assert tracker["latest_message"]["text"] == "hello"
        assert tracker["latest_input_channel"] == "rest"

    async def test_the_channel_reports_its_status(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/webhooks/rest/")

        assert (response.status_code, response.json()) == (200, {"status": "ok"})


class TestBadRequests:
    async def test_malformed_json_is_refused_with_400(self, client: httpx.AsyncClient) -> None:
        response = await client.post(WEBHOOK, content=b'{"sender": "alice", "message": ')

        assert response.status_code == 400
        assert response.json()["error"] == "malformed JSON body"
        assert "Expecting value" in response.json()["detail"]

    @pytest.mark.parametrize(
        "body",
        [b'["hello"]', b'"hello"', b"42", b"null"],
        ids=["list", "string", "number", "null"],
    )
    async def test_json_that_is_not_an_object_is_refused_with_400(
        self, client: httpx.AsyncClient, agent: EchoAgent, body: bytes
    ) -> None:
        response = await client.post(WEBHOOK, content=body)

        assert response.status_code == 400
        assert response.json()["error"] == "invalid request body"
        assert agent.received == []

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"sender": 7, "message": "hi"}, "sender"),
            ({"sender": "alice", "message": ["hi"]}, "message"),
            ({"sender": "alice", "message": None}, "message"),
            ({"sender": "alice"}, "message"),
            ({"message": "hi", "metadata": "de"}, "metadata"),
        ],
        ids=["number-sender", "list-message", "null-message", "no-message", "string-metadata"],
    )
    async def test_fields_of_the_wrong_type_are_refused_with_400_naming_the_field(
        self, client: httpx.AsyncClient, body: dict[str, Any], field: str
    ) -> None:
        response = await client.post(WEBHOOK, json=body)

        assert response.status_code == 400
        assert [problem["loc"] for problem in response.json()["detail"]] == [[field]]


class TestRasaRendering:
    async def render(self, message: BotMessage) -> list[dict[str, Any]]:
        output = CollectingOutputChannel()
        await output.send("alice", message)
        return output.messages

    async def test_paragraphs_of_plain_text_become_separate_messages(self) -> None:
        assert await self.render(BotMessage(text="Hello!\n\nHow can I help?")) == [
            {"recipient_id": "alice", "text": "Hello!"},
            {"recipient_id": "alice", "text": "How can I help?"},
        ]

    async def test_quick_replies_are_sent_as_buttons(self) -> None:
        reply = BotMessage(text="Sure?", quick_replies=({"title": "Yes", "payload": "/affirm"},))

        assert await self.render(reply) == [
            {
                "recipient_id": "alice",
                "text": "Sure?",
                "buttons": [{"title": "Yes", "payload": "/affirm"}],
            }
        ]

    async def test_custom_payloads_and_attachments_get_messages_of_their_own(self) -> None:
        reply = BotMessage(text="Your invoice", custom={"card": 1}, attachment={"pdf": "x"})

        assert await self.render(reply) == [
            {"recipient_id": "alice", "text": "Your invoice"},
            {"recipient_id": "alice", "custom": {"card": 1}},
            {"recipient_id": "alice", "attachment": {"pdf": "x"}},
        ]

    async def test_an_empty_message_renders_nothing(self) -> None:
        assert await self.render(BotMessage()) == []


class LoudInput:
    """A channel found by dotted path in credentials.yml."""

    name: ClassVar[str] = "loud"

    def __init__(self, volume: int) -> None:
        self.volume = volume

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> Self:
        return cls(volume=int((credentials or {}).get("volume", 1)))

    def router(self, agent: Agent) -> APIRouter:
        return APIRouter()


class TestCredentials:
    def test_the_rest_channel_is_registered_under_its_rasa_name(self) -> None:
        assert "rest" in CHANNELS
        assert CHANNELS.get("rest") is RestInput

    @pytest.mark.parametrize("settings", [None, {}], ids=["null", "empty"])
    def test_a_rest_entry_gives_the_rest_channel(self, settings: Mapping[str, Any] | None) -> None:
        (channel,) = channels_from_credentials({"rest": settings})

        assert isinstance(channel, RestInput)

    def test_no_credentials_give_no_channels(self) -> None:
        assert channels_from_credentials(None) == []

    def test_an_unknown_channel_is_an_error_naming_it_and_the_known_ones(self) -> None:
        with pytest.raises(ChannelError) as error:
            channels_from_credentials({"rest": None, "telegrm": {"access_token": "x"}})

        message = str(error.value)
        assert "credentials.yml" in message
        assert "'telegrm'" in message
        assert "rest" in message

    def test_the_rasa_x_chat_entry_is_ignored_with_a_warning(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING):
            channels = channels_from_credentials({"rest": None, "rasa": {"url": "http://x"}})

        assert [type(channel) for channel in channels] == [RestInput]
        assert "'rasa'" in caplog.text and "ignores" in caplog.text

    def test_the_rest_channel_refuses_settings_it_does_not_know(self) -> None:
        with pytest.raises(ChannelError, match="'rest' channel settings are invalid: secret"):
            channels_from_credentials({"rest": {"secret": "x"}})

    def test_a_dotted_class_path_names_a_custom_channel(self) -> None:
        (channel,) = channels_from_credentials({f"{__name__}.LoudInput": {"volume": 11}})

        assert isinstance(channel, LoudInput) and channel.volume == 11
        assert isinstance(channel, InputChannel)

    @pytest.mark.parametrize("name", [f"{__name__}.WEBHOOK"], ids=["not-a-channel"])
    def test_a_dotted_path_to_no_channel_is_an_error_naming_it(self, name: str) -> None:
        with pytest.raises(ChannelError, match=name):
            channels_from_credentials({name: None})

    def test_credentials_that_are_not_a_mapping_are_an_error(self) -> None:
        with pytest.raises(ChannelError, match="mapping"):
            channels_from_credentials({"rest": ["token"]})
