"""The Facebook Messenger channel: Meta's subscription check, signed events in, Send API out.

The Graph API is played by a loopback server answering as
https://developers.facebook.com/docs/messenger-platform/reference/send-api documents:
``{"recipient_id", "message_id"}``, or an ``OAuthException`` (code 190) for a bad token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from nlg.interfaces import BotMessage
from parley.channels import channels_from_credentials
from parley.channels.facebook import FacebookInput, messenger_messages
from parley.server import create_app
from tests.parley.channels.fake_api import FakeApi, FakeRequest, FakeResponse, running_fake_api
from tests.parley.doubles import EchoAgent

VERIFY, SECRET, PAGE_TOKEN = "rasa-bot", "3e34709d01ea89032asdebfe5a74518", "EAAbHPa7H9rEBAAu"
WEBHOOK = "/webhooks/facebook/webhook"
PSID, PAGE = "6543210987654321", "112233445566"


def graph_api(request: FakeRequest) -> FakeResponse:
    if request.query.get("access_token") != [PAGE_TOKEN]:
        error = {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}
        return FakeResponse(400, {"error": error})
    body = request.json() or {}
    if request.path != "/v19.0/me/messages" or not body.get("message"):
        error = {"message": "(#100) The parameter message is required", "code": 100}
        return FakeResponse(400, {"error": {**error, "type": "OAuthException"}})
    return FakeResponse(200, {"recipient_id": body["recipient"]["id"], "message_id": "m_1"})


@pytest.fixture
def fake() -> Iterator[FakeApi]:
    with running_fake_api(graph_api) as api:
        yield api


@pytest.fixture
def agent() -> EchoAgent:
    menu = BotMessage(text="Pick one", buttons=({"title": "Track", "payload": "/track"},))
    return EchoAgent({"menu": [menu]})


def channel_for(fake: FakeApi, token: str = PAGE_TOKEN) -> FacebookInput:
    credentials = {
        "verify": VERIFY,
        "secret": SECRET,
        "page-access-token": token,
        "graph_api_url": f"{fake.url}/v19.0",
    }
    [channel] = channels_from_credentials({"facebook": credentials})
    assert isinstance(channel, FacebookInput)
    return channel


@pytest.fixture
async def client(fake: FakeApi, agent: EchoAgent) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(create_app(agent, [channel_for(fake)]))
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        yield client


def event(**messaging: Any) -> dict[str, Any]:
    item = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1, **messaging}
    return {"object": "page", "entry": [{"id": PAGE, "time": 1, "messaging": [item]}]}


async def post(client: httpx.AsyncClient, body: dict[str, Any], secret: str = SECRET) -> Any:
    raw = json.dumps(body).encode()
    signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature-256": signature, "Content-Type": "application/json"}
    return await client.post(WEBHOOK, content=raw, headers=headers)


def sent(fake: FakeApi) -> list[Any]:
    return [r.json() for r in fake.requests]


async def test_the_subscription_check_echoes_the_challenge_only_for_the_verify_token(
    client: httpx.AsyncClient,
) -> None:
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    ok = await client.get(WEBHOOK, params={**query, "hub.verify_token": VERIFY})
    wrong = await client.get(WEBHOOK, params={**query, "hub.verify_token": "guess"})

    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert wrong.status_code == 403


async def test_a_message_is_answered_through_the_send_api(
    client: httpx.AsyncClient, fake: FakeApi, agent: EchoAgent
) -> None:
    response = await post(client, event(message={"mid": "m_a", "text": "hello"}))

    assert response.status_code == 200
    assert sent(fake) == [
        {
            "recipient": {"id": PSID},
            "message": {"text": "echo: hello"},
            "messaging_type": "RESPONSE",
        }
    ]
    assert [(m.sender_id, m.input_channel) for m in agent.received] == [(PSID, "facebook")]


async def test_buttons_are_a_template_and_clicks_come_back_as_payloads(
    client: httpx.AsyncClient, fake: FakeApi, agent: EchoAgent
) -> None:
    await post(client, event(message={"mid": "m_b", "text": "menu"}))
    await post(client, event(postback={"title": "Track", "payload": "/track"}))
    await post(
        client, event(message={"mid": "m_c", "text": "Yes", "quick_reply": {"payload": "/affirm"}})
    )

    template = sent(fake)[0]["message"]["attachment"]["payload"]
    assert template["buttons"] == [{"type": "postback", "title": "Track", "payload": "/track"}]
    assert [m.text for m in agent.received] == ["menu", "/track", "/affirm"]


@pytest.mark.parametrize("secret", ["not-the-app-secret", None], ids=["wrong", "unsigned"])
async def test_an_event_not_signed_with_the_app_secret_is_refused(
    client: httpx.AsyncClient, fake: FakeApi, agent: EchoAgent, secret: str | None
) -> None:
    body = event(message={"mid": "m_a", "text": "hello"})
    if secret is None:
        response = await client.post(WEBHOOK, json=body)
    else:
        response = await post(client, body, secret=secret)

    assert response.status_code == 403
    assert agent.received == [] and fake.requests == []


async def test_echoes_of_the_pages_own_messages_are_ignored(
    client: httpx.AsyncClient, fake: FakeApi, agent: EchoAgent
) -> None:
    await post(client, event(message={"mid": "m_d", "text": "echo: hi", "is_echo": True}))

    assert agent.received == [] and fake.requests == []


async def test_a_refused_reply_is_logged(
    fake: FakeApi, agent: EchoAgent, caplog: pytest.LogCaptureFixture
) -> None:
    transport = httpx.ASGITransport(create_app(agent, [channel_for(fake, token="expired")]))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await post(client, event(message={"mid": "m_a", "text": "hello"}))

    assert response.status_code == 200
    assert "OAuthException" in caplog.text


def test_more_than_three_buttons_become_quick_replies() -> None:
    buttons = tuple({"title": f"B{i}", "payload": f"/b{i}"} for i in range(4))
    [message] = messenger_messages(BotMessage(text="Choose", buttons=buttons))
    assert message["text"] == "Choose" and len(message["quick_replies"]) == 4


@pytest.mark.parametrize(
    "body",
    [
        {"object": "page", "entry": [{"messaging": [{"sender": "x", "message": {"text": "hi"}}]}]},
        {"object": "page", "entry": "not a list"},
        {"object": "user", "entry": []},
        [1, 2],
    ],
    ids=["sender-not-an-object", "entry-not-a-list", "not-a-page", "not-an-object"],
)
async def test_signed_bodies_of_other_shapes_are_acknowledged_and_ignored(
    client: httpx.AsyncClient, fake: FakeApi, agent: EchoAgent, body: Any
) -> None:
    raw = json.dumps(body).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    response = await client.post(WEBHOOK, content=raw, headers={"X-Hub-Signature-256": signature})

    assert response.status_code == 200
    assert agent.received == [] and fake.requests == []
