"""The Bot Framework channel: connector JWTs checked against the OpenID keys, replies posted
to the conversation's serviceUrl with a client-credentials token.

One loopback server plays Microsoft's three parts as they are documented
(https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication):
the OpenID metadata and its JWKS (keys with ``endorsements``), the token endpoint
(client-credentials grant), and the Bot Connector's conversations API.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from nlg.interfaces import BotMessage
from parley.channels import channels_from_credentials
from parley.channels.botframework import BotFrameworkInput
from parley.server import create_app
from tests.parley.channels.fake_api import FakeApi, FakeRequest, FakeResponse, running_fake_api
from tests.parley.doubles import EchoAgent

APP_ID, APP_PASSWORD, KID = "a3c4f2e1-0000-4000-8000-000000000001", "s3cr3t~pass", "key-1"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
BOT_TOKEN = "connector-access-token"
WEBHOOK = "/webhooks/botframework/webhook"


def microsoft(request: FakeRequest) -> FakeResponse:
    base = request.headers["host"]
    if request.path == "/v1/.well-known/openidconfiguration":
        return FakeResponse(
            200,
            {
                "issuer": "https://api.botframework.com",
                "jwks_uri": f"http://{base}/v1/.well-known/keys",
            },
        )
    if request.path == "/v1/.well-known/keys":
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
        return FakeResponse(
            200,
            {"keys": [{**jwk, "kid": KID, "use": "sig", "endorsements": ["msteams", "webchat"]}]},
        )
    if request.path.endswith("/oauth2/v2.0/token"):
        form = request.form()
        if (form.get("client_id"), form.get("client_secret")) != (APP_ID, APP_PASSWORD):
            return FakeResponse(401, {"error": "invalid_client"})
        return FakeResponse(
            200, {"token_type": "Bearer", "expires_in": 3599, "access_token": BOT_TOKEN}
        )
    if request.path.startswith("/v3/conversations/"):
        if request.headers.get("authorization") != f"Bearer {BOT_TOKEN}":
            return FakeResponse(401, {"message": "Authorization has been denied for this request."})
        return FakeResponse(200, {"id": "reply-1"})
    return FakeResponse(404, {"error": "not found"})


@pytest.fixture
def fake() -> Iterator[FakeApi]:
    with running_fake_api(microsoft) as api:
        yield api


@pytest.fixture
def agent() -> EchoAgent:
    menu = BotMessage(text="Pick one", buttons=({"title": "Track", "payload": "/track"},))
    return EchoAgent({"menu": [menu]})


@pytest.fixture
async def client(fake: FakeApi, agent: EchoAgent) -> AsyncIterator[httpx.AsyncClient]:
    credentials = {
        "app_id": APP_ID,
        "app_password": APP_PASSWORD,
        "openid_metadata_url": f"{fake.url}/v1/.well-known/openidconfiguration",
        "token_url": f"{fake.url}/botframework.com/oauth2/v2.0/token",
    }
    [channel] = channels_from_credentials({"botframework": credentials})
    assert isinstance(channel, BotFrameworkInput)
    transport = httpx.ASGITransport(create_app(agent, [channel]))
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        yield client


def activity(
    fake: FakeApi, text: str | None = "hello", channel: str = "msteams", **extra: Any
) -> dict[str, Any]:
    return {
        "type": "message",
        "id": "act-1",
        "channelId": channel,
        "serviceUrl": f"{fake.url}/",
        "from": {"id": "29:user-ann", "name": "Ann"},
        "recipient": {"id": "28:bot", "name": "Parley"},
        "conversation": {"id": "a:conv/1"},
        "text": text,
        **extra,
    }


def token(fake: FakeApi, key: Any = KEY, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
        "nbf": now - 10,
        "exp": now + 3600,
        "serviceUrl": f"{fake.url}/",
        **claims,
    }
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": KID})


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def replies(fake: FakeApi) -> list[Any]:
    return [(r.path, r.json()) for r in fake.requests if r.path.startswith("/v3/")]


async def test_a_signed_message_is_answered_in_its_conversation(
    client: httpx.AsyncClient, fake: FakeApi, agent: EchoAgent
) -> None:
    response = await client.post(WEBHOOK, json=activity(fake), headers=bearer(token(fake)))

    assert response.status_code == 200
    [(path, reply)] = replies(fake)
    assert path == "/v3/conversations/a%3Aconv%2F1/activities"
    assert reply == {
        "type": "message",
        "text": "echo: hello",
        "from": {"id": "28:bot", "name": "Parley"},
        "recipient": {"id": "29:user-ann", "name": "Ann"},
        "conversation": {"id": "a:conv/1"},
        "replyToId": "act-1",
    }
    assert [(m.sender_id, m.input_channel) for m in agent.received] == [
        ("29:user-ann", "botframework")
    ]


async def test_buttons_are_a_hero_card_and_a_card_click_is_its_payload(
    client: httpx.AsyncClient, fake: FakeApi, agent: EchoAgent
) -> None:
    await client.post(WEBHOOK, json=activity(fake, "menu"), headers=bearer(token(fake)))
    click = activity(fake, text=None, value={"payload": "/track"})
    await client.post(WEBHOOK, json=click, headers=bearer(token(fake)))

    [card] = replies(fake)[0][1]["attachments"]
    assert card["contentType"] == "application/vnd.microsoft.card.hero"
    assert card["content"]["buttons"] == [{"type": "imBack", "title": "Track", "value": "/track"}]
    assert [m.text for m in agent.received] == ["menu", "/track"]


async def test_a_request_without_a_token_is_401(client: httpx.AsyncClient, fake: FakeApi) -> None:
    response = await client.post(WEBHOOK, json=activity(fake))

    assert response.status_code == 401 and replies(fake) == []


@pytest.mark.parametrize(
    ("claims", "channel"),
    [
        ({"key": OTHER_KEY}, "msteams"),
        ({"aud": "another-bot"}, "msteams"),
        ({"iss": "https://evil.example"}, "msteams"),
        ({"exp": int(time.time()) - 3600}, "msteams"),
        ({}, "slack"),
        ({"serviceUrl": "https://evil.example/"}, "msteams"),
    ],
    ids=[
        "wrong-key",
        "wrong-audience",
        "wrong-issuer",
        "expired",
        "not-endorsed",
        "other-service-url",
    ],
)
async def test_a_token_that_does_not_verify_is_403(
    client: httpx.AsyncClient, fake: FakeApi, agent: EchoAgent, claims: dict[str, Any], channel: str
) -> None:
    signed = token(fake, **claims)
    response = await client.post(
        WEBHOOK, json=activity(fake, channel=channel), headers=bearer(signed)
    )

    assert response.status_code == 403
    assert agent.received == [] and replies(fake) == []


@pytest.mark.parametrize(
    "extra",
    [{"type": "conversationUpdate"}, {"from": "29:user-ann"}, {"text": None}],
    ids=["not-a-message", "sender-not-an-object", "no-text"],
)
async def test_other_activities_are_acknowledged_without_a_turn(
    client: httpx.AsyncClient, fake: FakeApi, agent: EchoAgent, extra: dict[str, Any]
) -> None:
    body = {**activity(fake), **extra}
    response = await client.post(WEBHOOK, json=body, headers=bearer(token(fake)))

    assert response.status_code == 200
    assert agent.received == [] and replies(fake) == []
