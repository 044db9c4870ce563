"""Closed by default, as Rasa: the management API needs --enable-api, an open one stays on
loopback unless --insecure, and rotating sender ids does not escape the rate limit."""

from __future__ import annotations

import httpx
import pytest
from click.testing import CliRunner

from parley.channels import RestInput
from parley.cli import cli
from parley.commands import security_settings
from parley.errors import ConfigError
from parley.metrics import Metrics
from parley.operations import Operations
from parley.security import ApiAuth, ApiSecurity, RateLimit
from parley.security.exposure import check_exposure
from parley.server import create_app
from tests.parley.doubles import EchoAgent

MANAGEMENT = [
    ("GET", "/conversations/alice/tracker"),
    ("POST", "/conversations/alice/tracker/events"),
    ("POST", "/model/parse"),
    ("GET", "/conversations/alice/handoff"),
    ("GET", "/metrics"),
]


def client(security: ApiSecurity, address: str = "203.0.113.7") -> httpx.AsyncClient:
    app = create_app(
        EchoAgent(), [RestInput()], security=security, operations=Operations(Metrics())
    )
    transport = httpx.ASGITransport(app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://parley.test")


async def test_without_enable_api_only_status_and_channels_are_served() -> None:
    security = security_settings(None, None, "HS256", "off", enable_api=False)

    async with client(security) as c:
        management = [
            (await c.request(m, p, json={"text": "hi"})).status_code for m, p in MANAGEMENT
        ]
        health = await c.get("/health")
        webhook = await c.post("/webhooks/rest/webhook", json={"sender": "a", "message": "hi"})
        documented = set((await c.get("/openapi.json")).json()["paths"])

    assert management == [404] * len(MANAGEMENT)
    assert (health.status_code, webhook.status_code) == (200, 200)
    assert not any(path.startswith(("/conversations", "/model", "/metrics")) for path in documented)


@pytest.mark.parametrize(
    ("host", "security", "insecure", "refused"),
    [
        ("0.0.0.0", ApiSecurity(), False, True),
        ("192.168.1.20", ApiSecurity(), False, True),
        ("0.0.0.0", ApiSecurity(), True, False),
        ("127.0.0.1", ApiSecurity(), False, False),
        ("localhost", ApiSecurity(), False, False),
        ("::1", ApiSecurity(), False, False),
        ("0.0.0.0", ApiSecurity(auth=ApiAuth(token="t")), False, False),
        ("0.0.0.0", ApiSecurity(api_enabled=False), False, False),
    ],
    ids=[
        "any-address",
        "lan-address",
        "insecure-flag",
        "loopback",
        "localhost",
        "ipv6-loopback",
        "with-token",
        "api-off",
    ],
)
def test_an_open_api_beyond_loopback_is_refused_unless_insecure(
    host: str, security: ApiSecurity, insecure: bool, refused: bool
) -> None:
    if refused:
        with pytest.raises(ConfigError, match="--insecure"):
            check_exposure(host, security, insecure)
    else:
        check_exposure(host, security, insecure)


def test_parley_run_refuses_before_loading_anything() -> None:
    result = CliRunner().invoke(
        cli, ["run", "--project", "/nonexistent", "--enable-api", "--host", "0.0.0.0"]
    )

    assert result.exit_code == 1
    assert "without --auth-token or --jwt-secret" in result.output


async def test_rotating_sender_ids_does_not_escape_the_per_address_limit() -> None:
    security = ApiSecurity(
        rate_limit=RateLimit(messages=5, seconds=60), address_rate_limit=RateLimit(3, 60)
    )
    async with client(security) as c:
        statuses = [
            (
                await c.post("/webhooks/rest/webhook", json={"sender": f"s{i}", "message": "hi"})
            ).status_code
            for i in range(5)
        ]

    assert statuses == [200, 200, 200, 429, 429]


@pytest.mark.parametrize("loopback", ["127.0.0.1", "::1"])
async def test_this_machines_own_address_is_not_limited_per_address(loopback: str) -> None:
    security = ApiSecurity(
        rate_limit=RateLimit(messages=5, seconds=60), address_rate_limit=RateLimit(3, 60)
    )
    async with client(security, loopback) as c:
        statuses = [
            (
                await c.post("/webhooks/rest/webhook", json={"sender": f"s{i}", "message": "hi"})
            ).status_code
            for i in range(5)
        ]
        same_sender = [
            (
                await c.post("/webhooks/rest/webhook", json={"sender": "one", "message": "hi"})
            ).status_code
            for _ in range(6)
        ]

    assert statuses == [200] * 5
    assert same_sender == [200] * 5 + [429]  # the per-sender limit still holds
