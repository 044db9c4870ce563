"""The REST channel can require its token, or a signed JWT that names the sender."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from parley.channels import RestInput, channels_from_credentials
from parley.security import sign_jwt
from parley.server import create_app
from tests.parley.doubles import EchoAgent

SECRET = "rest-jwt-secret"


async def client_for(credentials: dict[str, str] | None) -> AsyncIterator[httpx.AsyncClient]:
    channels = channels_from_credentials({"rest": credentials})
    app = create_app(EchoAgent(), channels)
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        yield client


@pytest.fixture
async def with_token() -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for({"token": "rest-t0ken"}):
        yield client


@pytest.fixture
async def with_jwt() -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for({"jwt_secret": SECRET}):
        yield client


def jwt_for(username: str, secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {sign_jwt({'user': {'username': username}}, secret)}"}


@pytest.mark.parametrize("route", ["/webhooks/rest/webhook", "/webhooks/rest/stream"])
async def test_with_a_token_only_its_holders_may_post(
    with_token: httpx.AsyncClient, route: str
) -> None:
    body = {"sender": "alice", "message": "hi"}

    anonymous = await with_token.post(route, json=body)
    wrong = await with_token.post(route, json=body, params={"token": "guess"})
    right = await with_token.post(route, json=body, params={"token": "rest-t0ken"})

    assert (anonymous.status_code, wrong.status_code, right.status_code) == (401, 403, 200)


async def test_with_a_jwt_secret_a_token_may_post_only_as_the_sender_it_names(
    with_jwt: httpx.AsyncClient,
) -> None:
    as_alice = await with_jwt.post(
        "/webhooks/rest/webhook",
        json={"sender": "alice", "message": "hi"},
        headers=jwt_for("alice"),
    )
    spoofed = await with_jwt.post(
        "/webhooks/rest/webhook",
        json={"sender": "U024BE7LH", "message": "hi"},
        headers=jwt_for("alice"),
    )
    forged = await with_jwt.post(
        "/webhooks/rest/webhook",
        json={"sender": "alice", "message": "hi"},
        headers=jwt_for("alice", "another-secret"),
    )

    assert as_alice.status_code == 200
    assert as_alice.json() == [{"recipient_id": "alice", "text": "echo: hi"}]
    assert (spoofed.status_code, forged.status_code) == (403, 403)


async def test_without_settings_the_channel_is_open_as_in_rasa() -> None:
    async for client in client_for(None):
        response = await client.post(
            "/webhooks/rest/webhook", json={"sender": "a", "message": "hi"}
        )
        assert response.status_code == 200
    assert RestInput().settings.open


async def test_the_openapi_document_lists_the_refusals_of_a_protected_channel(
    with_token: httpx.AsyncClient,
) -> None:
    paths = (await with_token.get("/openapi.json")).json()["paths"]

    for route in ("/webhooks/rest/webhook", "/webhooks/rest/stream"):
        assert {"401", "403"} <= set(paths[route]["post"]["responses"])
