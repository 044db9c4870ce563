"""Rasa's callback channel: the webhook answers ``success`` at once, and each reply is POSTed
in Rasa's REST shape to the configured URL (a loopback receiver here)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from nlg.interfaces import BotMessage
from parley.channels import channels_from_credentials
from parley.channels.callback import CallbackInput
from parley.errors import ChannelError
from parley.server import create_app
from tests.parley.channels.fake_api import FakeApi, FakeRequest, FakeResponse, running_fake_api
from tests.parley.doubles import EchoAgent


def receiver(request: FakeRequest) -> FakeResponse:
    return FakeResponse(200, "") if request.path == "/bot" else FakeResponse(404, "no such path")


@pytest.fixture
def fake() -> Iterator[FakeApi]:
    with running_fake_api(receiver) as api:
        yield api


async def post(channel: CallbackInput, agent: EchoAgent, body: object) -> httpx.Response:
    transport = httpx.ASGITransport(create_app(agent, [channel]))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post("/webhooks/callback/webhook", json=body)
    await channel.join()
    return response


async def test_replies_are_posted_to_the_callback_url_in_rasas_rest_shape(fake: FakeApi) -> None:
    agent = EchoAgent({"hi": [BotMessage(text="Hello!\n\nHow can I help?")]})
    [channel] = channels_from_credentials({"callback": {"url": f"{fake.url}/bot"}})
    assert isinstance(channel, CallbackInput)

    response = await post(channel, agent, {"sender": "ann", "message": "hi"})

    assert (response.status_code, response.text) == (200, "success")
    assert [r.json() for r in fake.requests] == [
        {"recipient_id": "ann", "text": "Hello!"},
        {"recipient_id": "ann", "text": "How can I help?"},
    ]
    assert [(m.sender_id, m.input_channel) for m in agent.received] == [("ann", "callback")]


async def test_a_malformed_message_is_400_and_a_refused_callback_is_logged(
    fake: FakeApi, caplog: pytest.LogCaptureFixture
) -> None:
    agent = EchoAgent()
    channel = CallbackInput.from_credentials({"url": f"{fake.url}/elsewhere"})

    assert (await post(channel, agent, {"sender": "ann"})).status_code == 400
    assert (await post(channel, agent, {"sender": "ann", "message": "x"})).status_code == 200
    assert "callback: answering ann" in caplog.text and "404" in caplog.text


def test_the_url_is_required() -> None:
    with pytest.raises(ChannelError, match="url"):
        channels_from_credentials({"callback": None})
