"""The OpenAPI document tells the truth: security schemes, every error answer, event bodies.

A body the documented schema accepts is accepted by the server, and one it
refuses is refused with 400: checked for event bodies that used to disagree.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema_rs
import pytest

from parley.channels import RestInput
from parley.metrics import Metrics
from parley.operations import Operations
from parley.security import ApiAuth, ApiSecurity, RateLimit
from parley.server import create_app
from tests.actions.builders import domain_from
from tests.parley.doubles import EchoAgent

EVENTS = "/conversations/{conversation_id}/tracker/events"


@pytest.fixture
async def secured() -> AsyncIterator[httpx.AsyncClient]:
    security = ApiSecurity(auth=ApiAuth(token="t0ken"), rate_limit=RateLimit(100, 60))
    agent = EchoAgent(domain=domain_from("slots:\n  city:\n    type: text\n    mappings: []"))
    app = create_app(agent, [RestInput()], security=security, operations=Operations(Metrics()))
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        yield client


async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    return dict((await client.get("/openapi.json")).json())


async def test_security_schemes_are_declared_on_the_protected_routes_only(
    secured: httpx.AsyncClient,
) -> None:
    schema = await openapi(secured)

    assert set(schema["components"]["securitySchemes"]) == {"token", "bearer"}
    tracker = schema["paths"]["/conversations/{conversation_id}/tracker"]["get"]
    webhook = schema["paths"]["/webhooks/rest/webhook"]["post"]
    health = schema["paths"]["/health"]["get"]
    assert tracker["security"] == [{"token": []}, {"bearer": []}]
    assert "security" not in webhook and "security" not in health


async def test_each_route_lists_the_errors_it_gives(secured: httpx.AsyncClient) -> None:
    paths = (await openapi(secured))["paths"]

    def codes(path: str, method: str) -> set[str]:
        return {code for code in paths[path][method]["responses"] if code != "200"}

    assert codes(EVENTS, "post") == {"400", "401", "403", "413", "503"}
    assert codes("/conversations/{conversation_id}/tracker", "get") == {"400", "401", "403", "503"}
    assert codes("/webhooks/rest/webhook", "post") == {"400", "413", "429", "503"}
    assert codes("/model/parse", "post") == {"400", "401", "403", "413"}
    assert codes("/metrics", "get") == {"401", "403"}
    assert codes("/version", "get") == set()


BODIES = [
    pytest.param([], id="empty-list"),
    pytest.param({"event": "slot"}, id="slot-without-name"),
    pytest.param({"event": "slot", "name": "city", "value": "Rome"}, id="slot"),
    pytest.param({"event": "slot", "name": "no_such_slot", "value": 1}, id="unknown-slot"),
    pytest.param({"event": "bot", "text": "hi"}, id="bot"),
    pytest.param({"event": "bot", "text": 5}, id="bot-int-text"),
    pytest.param({"event": "bot", "data": {"buttons": "x"}}, id="bot-bad-buttons"),
    pytest.param({"event": "bot", "data": None, "metadata": None}, id="bot-null-data"),
    pytest.param({"event": "action"}, id="action-without-name"),
    pytest.param([{"event": "pause"}, {"event": "resume"}], id="list"),
    pytest.param({"event": "teleport"}, id="unknown-event"),
    pytest.param({"event": "loop_interrupted", "is_interrupted": 1}, id="int-for-bool"),
    pytest.param({"event": "user", "text": "hi", "timestamp": True}, id="bool-timestamp"),
]


@pytest.mark.parametrize("body", BODIES)
async def test_an_event_body_is_accepted_exactly_when_the_documented_schema_accepts_it(
    secured: httpx.AsyncClient, body: Any
) -> None:
    operation = (await openapi(secured))["paths"][EVENTS]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]

    response = await secured.post(
        "/conversations/c1/tracker/events", json=body, params={"token": "t0ken"}
    )

    documented = jsonschema_rs.validator_for(schema).is_valid(body)
    assert response.status_code == (200 if documented else 400), response.text


async def test_a_message_links_to_its_conversations_tracker_and_events_for_stateful_clients(
    secured: httpx.AsyncClient,
) -> None:
    paths = (await openapi(secured))["paths"]
    operation_ids = {
        (path, method): operation["operationId"]
        for path, operations in paths.items()
        for method, operation in operations.items()
    }
    webhook = paths["/webhooks/rest/webhook"]["post"]["responses"]["200"]["links"]
    events = paths[EVENTS]["post"]["responses"]["200"]["links"]
    tracker = paths["/conversations/{conversation_id}/tracker"]["get"]["responses"]["200"]

    assert webhook["ReadTracker"] == {
        "operationId": operation_ids[("/conversations/{conversation_id}/tracker", "get")],
        "parameters": {"conversation_id": "$request.body#/sender"},
    }
    assert webhook["AppendEvents"]["operationId"] == operation_ids[(EVENTS, "post")]
    assert events["ReadTracker"]["parameters"] == {
        "conversation_id": "$request.path.conversation_id"
    }
    assert "links" not in tracker  # reading leads nowhere new
