"""The management API needs a token or JWT; webhooks stay open but are rate limited per sender."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from parley.channels import RestInput
from parley.security import ApiAuth, ApiSecurity, RateLimit, sign_jwt
from parley.server import create_app
from tests.parley.doubles import EchoAgent

TOKEN = "s3cret-token"
JWT_SECRET = "jwt-shared-secret"
TRACKER = "/conversations/alice/tracker"


def user_jwt(username: str, role: str = "user", **claims: Any) -> str:
    return sign_jwt({"user": {"username": username, "role": role}, **claims}, JWT_SECRET)


async def client_for(agent: EchoAgent, **app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(create_app(agent, [RestInput()], **app))
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        yield client


@pytest.fixture
def agent() -> EchoAgent:
    return EchoAgent()


@pytest.fixture
async def api(agent: EchoAgent) -> AsyncIterator[httpx.AsyncClient]:
    auth = ApiAuth(token=TOKEN, jwt_secret=JWT_SECRET)
    async for client in client_for(agent, security=ApiSecurity(auth=auth)):
        yield client


class TestToken:
    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("GET", TRACKER, None),
            ("POST", f"{TRACKER}/events", {"event": "slot", "name": "x", "value": 1}),
            ("POST", "/model/parse", {"text": "hello"}),
        ],
        ids=["read-tracker", "append-events", "parse"],
    )
    async def test_without_credentials_the_management_api_answers_401(
        self, api: httpx.AsyncClient, method: str, path: str, body: Any
    ) -> None:
        response = await api.request(method, path, json=body)

        assert response.status_code == 401
        assert response.json()["error"] == "not authenticated"
        assert response.headers["WWW-Authenticate"] == "Bearer"

    async def test_a_wrong_token_answers_403(self, api: httpx.AsyncClient) -> None:
        by_query = await api.get(TRACKER, params={"token": "guess"})
        by_header = await api.get(TRACKER, headers={"Authorization": "Bearer guess"})

        assert (by_query.status_code, by_header.status_code) == (403, 403)
        assert by_query.json()["error"] == "invalid token"

    async def test_the_token_is_accepted_as_query_parameter_and_as_bearer_header(
        self, api: httpx.AsyncClient
    ) -> None:
        by_query = await api.get(TRACKER, params={"token": TOKEN})
        by_header = await api.get(TRACKER, headers={"Authorization": f"Bearer {TOKEN}"})

        assert (by_query.status_code, by_header.status_code) == (200, 200)
        assert by_query.json()["sender_id"] == "alice"

    async def test_the_token_may_write_events(self, api: httpx.AsyncClient) -> None:
        response = await api.post(
            f"{TRACKER}/events",
            params={"token": TOKEN},
            json={"event": "user", "text": "hi"},
        )

        assert response.status_code == 200
        assert response.json()["events"][-1]["text"] == "hi"

    @pytest.mark.parametrize("path", ["/", "/health", "/version", "/openapi.json", "/docs"])
    async def test_status_and_docs_stay_public(self, api: httpx.AsyncClient, path: str) -> None:
        assert (await api.get(path)).status_code == 200

    async def test_channel_webhooks_need_no_api_token(self, api: httpx.AsyncClient) -> None:
        response = await api.post("/webhooks/rest/webhook", json={"sender": "a", "message": "hi"})

        assert response.status_code == 200

    async def test_without_auth_settings_the_api_is_open(self, agent: EchoAgent) -> None:
        async for client in client_for(agent):
            assert (await client.get(TRACKER)).status_code == 200


class TestJwt:
    async def test_a_user_may_read_their_own_conversation(self, api: httpx.AsyncClient) -> None:
        headers = {"Authorization": f"Bearer {user_jwt('alice')}"}

        assert (await api.get(TRACKER, headers=headers)).status_code == 200

    async def test_a_user_may_not_read_someone_elses_conversation(
        self, api: httpx.AsyncClient
    ) -> None:
        response = await api.get(TRACKER, params={"token": user_jwt("bob")})

        assert response.status_code == 403
        assert response.json()["error"] == "insufficient permissions"

    async def test_an_admin_may_read_any_conversation(self, api: httpx.AsyncClient) -> None:
        response = await api.get(TRACKER, params={"token": user_jwt("carol", role="admin")})

        assert response.status_code == 200

    async def test_any_valid_jwt_may_parse(self, api: httpx.AsyncClient) -> None:
        headers = {"Authorization": f"Bearer {user_jwt('bob')}"}

        response = await api.post("/model/parse", json={"text": "hello"}, headers=headers)

        assert response.status_code == 200
        assert response.json()["intent"]["name"] == "greet"

    @pytest.mark.parametrize(
        "token",
        [
            pytest.param(user_jwt("alice", exp=1), id="expired"),
            pytest.param(
                sign_jwt({"user": {"username": "alice"}}, "other-secret"), id="other-secret"
            ),
            pytest.param("not.a.jwt", id="garbage"),
        ],
    )
    async def test_an_invalid_jwt_answers_403(self, api: httpx.AsyncClient, token: str) -> None:
        response = await api.get(TRACKER, headers={"Authorization": f"Bearer {token}"})

        assert response.status_code == 403


class TestCors:
    async def test_refusals_carry_cors_headers_and_preflights_need_no_token(
        self, agent: EchoAgent
    ) -> None:
        security = ApiSecurity(auth=ApiAuth(token=TOKEN))
        origin = {"Origin": "https://shop.example.com"}
        async for client in client_for(
            agent, security=security, cors_origins=["https://shop.example.com"]
        ):
            refused = await client.get(TRACKER, headers=origin)
            preflight = await client.options(
                TRACKER,
                headers={
                    **origin,
                    "Access-Control-Request-Method": "GET",
                    "Access-Control-Request-Headers": "authorization",
                },
            )
            other_origin = await client.get(
                "/health", headers={"Origin": "https://evil.example.com"}
            )

        assert refused.status_code == 401
        assert refused.headers["access-control-allow-origin"] == "https://shop.example.com"
        assert preflight.status_code == 200
        assert "access-control-allow-origin" not in other_origin.headers


class TestRateLimit:
    async def test_a_sender_over_the_limit_gets_429_with_retry_after_and_others_go_on(
        self, agent: EchoAgent
    ) -> None:
        security = ApiSecurity(rate_limit=RateLimit(messages=2, seconds=60))
        async for client in client_for(agent, security=security):
            alice = [
                await client.post("/webhooks/rest/webhook", json={"sender": "alice", "message": m})
                for m in ("one", "two", "three")
            ]
            bob = await client.post(
                "/webhooks/rest/webhook", json={"sender": "bob", "message": "hi"}
            )

        assert [r.status_code for r in alice] == [200, 200, 429]
        assert alice[2].headers["Retry-After"] == "30"
        assert alice[2].json() == {
            "error": "too many messages",
            "detail": {
                "sender": "alice",
                "limit": "2 messages per 60 seconds",
                "retry_after_seconds": 30,
            },
        }
        assert bob.status_code == 200
        assert [m.text for m in agent.received] == ["one", "two", "hi"]

    async def test_the_body_size_limit_still_applies_under_a_rate_limit(
        self, agent: EchoAgent
    ) -> None:
        security = ApiSecurity(rate_limit=RateLimit(messages=5, seconds=60))
        async for client in client_for(agent, security=security, max_body_bytes=100):
            response = await client.post(
                "/webhooks/rest/webhook", json={"sender": "alice", "message": "x" * 200}
            )

        assert response.status_code == 413
        assert agent.received == []
