"""What a JWT may reach: /metrics only as admin, and conversation ids decoded exactly once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from parley.channels import RestInput
from parley.metrics import Metrics
from parley.operations import Operations
from parley.security import ApiAuth, ApiSecurity
from parley.server import create_app
from tests.parley.doubles import EchoAgent
from tests.parley.security.test_api_security import JWT_SECRET, TOKEN, user_jwt


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    security = ApiSecurity(auth=ApiAuth(token=TOKEN, jwt_secret=JWT_SECRET))
    app = create_app(
        EchoAgent(), [RestInput()], security=security, operations=Operations(Metrics())
    )
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_metrics_need_the_token_or_an_admin_jwt(api: httpx.AsyncClient) -> None:
    anonymous = await api.get("/metrics")
    user = await api.get("/metrics", headers=bearer(user_jwt("alice")))
    admin = await api.get("/metrics", headers=bearer(user_jwt("carol", role="admin")))
    token = await api.get("/metrics", headers=bearer(TOKEN))

    assert (anonymous.status_code, user.status_code) == (401, 403)
    assert (admin.status_code, token.status_code) == (200, 200)
    assert "parley_turns" in token.text


async def test_a_percent_encoded_percent_is_not_decoded_twice(api: httpx.AsyncClient) -> None:
    """``alic%2565`` is the conversation ``alic%65``, not Alice's."""
    alice = bearer(user_jwt("alice"))

    sneaky = await api.get("/conversations/alic%2565/tracker", headers=alice)
    own = await api.get("/conversations/alice/tracker", headers=alice)

    assert sneaky.status_code == 403
    assert own.status_code == 200


async def test_a_user_whose_id_holds_a_percent_reads_their_own_conversation(
    api: httpx.AsyncClient,
) -> None:
    response = await api.get("/conversations/50%25off/tracker", headers=bearer(user_jwt("50%off")))

    assert response.status_code == 200
    assert response.json()["sender_id"] == "50%off"
