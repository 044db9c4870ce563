"""The Twilio channel: signed messaging webhooks in, ``messages.create`` out (SMS, WhatsApp).

Requests are signed with the ``twilio`` package's RequestValidator, as Twilio signs
them; replies go through the real ``twilio`` client to a loopback stand-in for
Twilio's REST API that answers as https://www.twilio.com/docs/messaging/api/message-resource
documents (201 with the message resource; 401 code 20003 for wrong credentials;
400 code 21602 for a message without body or media).
"""

from __future__ import annotations

import base64
import itertools
import re
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator

from nlg.interfaces import BotMessage
from parley.channels import channels_from_credentials
from parley.channels.twilio import TwilioInput
from parley.errors import ChannelError
from parley.server import create_app
from tests.parley.channels.fake_api import FakeApi, FakeRequest, FakeResponse, running_fake_api
from tests.parley.doubles import EchoAgent

SID, TOKEN, NUMBER = "AC" + "1" * 32, "e231c197493a7122d475b4", "+440123456789"
PUBLIC_URL = "https://bot.example.com/webhooks/twilio/webhook"
_message_ids = itertools.count(1)


def twilio_api(request: FakeRequest) -> FakeResponse:
    expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    if request.headers.get("authorization") != expected:
        return _error(401, 20003, "Authenticate")
    if not re.fullmatch(rf"/2010-04-01/Accounts/{SID}/Messages.json", request.path):
        return _error(404, 20404, "The requested resource was not found")
    form = request.form()
    if not form.get("Body") and not form.get("MediaUrl"):
        return _error(400, 21602, "Message body is required.")
    resource = {
        "sid": f"SM{next(_message_ids):032d}",
        "account_sid": SID,
        "to": form.get("To"),
        "from": form.get("From"),
        "body": form.get("Body", ""),
        "status": "queued",
        "num_media": "1" if form.get("MediaUrl") else "0",
    }
    return FakeResponse(201, resource)


def _error(status: int, code: int, message: str) -> FakeResponse:
    return FakeResponse(status, {"code": code, "message": message, "status": status})


@pytest.fixture
def fake() -> Iterator[FakeApi]:
    with running_fake_api(twilio_api) as api:
        yield api


def channel_for(fake: FakeApi, **settings: Any) -> TwilioInput:
    credentials = {
        "account_sid": SID,
        "auth_token": TOKEN,
        "twilio_number": NUMBER,
        "webhook_url": PUBLIC_URL,
        "twilio_api_url": fake.url,
        **settings,
    }
    [channel] = channels_from_credentials({"twilio": credentials})
    assert isinstance(channel, TwilioInput)
    return channel


@pytest.fixture
def agent() -> EchoAgent:
    menu = BotMessage(text="Pick one", buttons=({"title": "Track", "payload": "/track"},))
    return EchoAgent({"menu": [menu], "photo": [BotMessage(image="https://x/y.png")]})


@pytest.fixture
async def client(fake: FakeApi, agent: EchoAgent) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(create_app(agent, [channel_for(fake)]))
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        yield client


def inbound(text: str, sender: str = "+15551234567") -> dict[str, str]:
    to = f"whatsapp:{NUMBER}" if sender.startswith("whatsapp:") else NUMBER
    return {
        "MessageSid": "SM" + "9" * 32,
        "AccountSid": SID,
        "From": sender,
        "To": to,
        "Body": text,
    }


async def post(
    client: httpx.AsyncClient, form: dict[str, str], token: str = TOKEN
) -> httpx.Response:
    signature = RequestValidator(token).compute_signature(PUBLIC_URL, form)
    headers = {
        "X-Twilio-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return await client.post("/webhooks/twilio/webhook", content=urlencode(form), headers=headers)


def created(fake: FakeApi) -> list[dict[str, str]]:
    return [r.form() for r in fake.requests if r.path.endswith("/Messages.json")]


async def test_an_sms_is_answered_from_the_twilio_number(
    client: httpx.AsyncClient, fake: FakeApi, agent: EchoAgent
) -> None:
    response = await post(client, inbound("hello"))

    assert response.status_code == 200 and "<Response>" in response.text
    assert created(fake) == [{"To": "+15551234567", "From": NUMBER, "Body": "echo: hello"}]
    [message] = agent.received
    assert (message.sender_id, message.input_channel) == ("+15551234567", "twilio")


async def test_a_whatsapp_message_is_answered_on_whatsapp(
    client: httpx.AsyncClient, fake: FakeApi
) -> None:
    await post(client, inbound("menu", sender="whatsapp:+15551234567"))

    assert created(fake) == [
        {
            "To": "whatsapp:+15551234567",
            "From": f"whatsapp:{NUMBER}",
            "Body": "Pick one\n1: Track (/track)",
        }
    ]


async def test_an_image_is_sent_as_media(client: httpx.AsyncClient, fake: FakeApi) -> None:
    await post(client, inbound("photo"))

    assert created(fake) == [{"To": "+15551234567", "From": NUMBER, "MediaUrl": "https://x/y.png"}]


@pytest.mark.parametrize("token", ["not-the-auth-token", ""], ids=["wrong-token", "unsigned"])
async def test_a_request_not_signed_with_the_auth_token_is_refused(
    client: httpx.AsyncClient, fake: FakeApi, agent: EchoAgent, token: str
) -> None:
    form = inbound("hello")
    if token:
        response = await post(client, form, token=token)
    else:
        response = await client.post("/webhooks/twilio/webhook", data=form)

    assert response.status_code == 403
    assert agent.received == [] and fake.requests == []


async def test_a_signature_for_another_url_is_refused(
    client: httpx.AsyncClient, agent: EchoAgent
) -> None:
    form = inbound("hello")
    signature = RequestValidator(TOKEN).compute_signature("https://evil.example/hook", form)
    response = await client.post(
        "/webhooks/twilio/webhook", data=form, headers={"X-Twilio-Signature": signature}
    )

    assert response.status_code == 403 and agent.received == []


async def test_a_reply_twilio_refuses_is_logged_and_the_webhook_still_answered(
    fake: FakeApi, agent: EchoAgent, caplog: pytest.LogCaptureFixture
) -> None:
    channel = channel_for(fake, account_sid="AC" + "2" * 32)
    transport = httpx.ASGITransport(create_app(agent, [channel]))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await post(client, inbound("hello"))

    assert response.status_code == 200
    assert "Authenticate" in caplog.text


async def test_a_reply_that_cannot_reach_twilio_is_logged_and_the_webhook_still_answered(
    fake: FakeApi, agent: EchoAgent, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as closed:  # a port nothing listens on: the connection is refused
        closed.bind(("127.0.0.1", 0))
        unreachable = f"http://127.0.0.1:{closed.getsockname()[1]}"
    channel = channel_for(fake, twilio_api_url=unreachable)
    transport = httpx.ASGITransport(create_app(agent, [channel]))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await post(client, inbound("hello"))

    assert response.status_code == 200
    assert [m.text for m in agent.received] == ["hello"]
    assert "twilio: replying to +15551234567 failed" in caplog.text


def test_the_moodbots_rasa_credentials_are_accepted_and_a_missing_key_refused() -> None:
    rasa = {"account_sid": SID, "auth_token": TOKEN, "twilio_number": NUMBER}
    assert isinstance(TwilioInput.from_credentials(rasa), TwilioInput)
    with pytest.raises(ChannelError, match="auth_token"):
        channels_from_credentials({"twilio": {"account_sid": SID, "twilio_number": NUMBER}})
