"""The HTTP API: Rasa-shaped routes, and JSON errors for every kind of bad request."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from dialogue.errors import InvalidConversationId, TrackerStoreUnavailable
from dialogue.tracker import ConversationId, Tracker
from nlg.interfaces import BotMessage
from parley import __version__
from parley.channels import RestInput
from parley.errors import ChannelError
from parley.server import create_app
from tests.actions.builders import domain_from
from tests.parley.doubles import EchoAgent

BASE_URL = "http://parley.test"
LIMIT = 2_000


class OrderLookupFailed(RuntimeError):
    pass


class UnreachableStoreAgent(EchoAgent):
    """An agent whose conversation store is down."""

    async def tracker(self, conversation_id: ConversationId) -> Tracker:
        raise ConnectionError("tracker store unreachable")


@pytest.fixture
def agent() -> EchoAgent:
    return EchoAgent(
        {
            "where is my order?": [BotMessage(text="Which order number?", response="utter_ask")],
            "crash": OrderLookupFailed("order database unreachable"),
        },
        model_id="20240101-rules",
        domain=domain_from("slots:\n  order_id:\n    type: text\n    mappings: []"),
    )


@pytest.fixture
async def client(agent: EchoAgent) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(agent, [RestInput()], max_body_bytes=LIMIT)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE_URL) as client:
        yield client


async def say(client: httpx.AsyncClient, sender: str, text: str) -> httpx.Response:
    return await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})


class TestStatus:
    async def test_the_root_says_hello(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/")

        assert response.text == f"Hello from Parley: {__version__}"

    async def test_health_is_ok(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/health")).json() == {"status": "ok"}

    async def test_version_names_parley_and_the_model(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/version")

        assert response.json() == {"version": __version__, "model_id": "20240101-rules"}

    async def test_the_openapi_schema_documents_every_route(
        self, client: httpx.AsyncClient
    ) -> None:
        schema = (await client.get("/openapi.json")).json()

        assert schema["info"]["title"] == "Parley" and schema["info"]["description"]
        assert set(schema["paths"]) == {
            "/",
            "/health",
            "/version",
            "/conversations/{conversation_id}/tracker",
            "/conversations/{conversation_id}/tracker/events",
            "/conversations/{conversation_id}/handoff",
            "/conversations/{conversation_id}/handoff/release",
            "/model/parse",
            "/webhooks/rest/",
            "/webhooks/rest/webhook",
            "/webhooks/rest/stream",
        }
        operations = [op for path in schema["paths"].values() for op in path.values()]
        assert all(op["summary"] and op["description"] for op in operations)
        webhook = schema["paths"]["/webhooks/rest/webhook"]["post"]
        body_schema = webhook["requestBody"]["content"]["application/json"]["schema"]
        assert set(body_schema["properties"]) >= {"sender", "message", "metadata"}

    async def test_the_openapi_schema_documents_400_and_413_never_422(
        self, client: httpx.AsyncClient
    ) -> None:
        schema = (await client.get("/openapi.json")).json()

        webhook = schema["paths"]["/webhooks/rest/webhook"]["post"]
        tracker = schema["paths"]["/conversations/{conversation_id}/tracker"]["get"]
        assert {"400", "413"} <= set(webhook["responses"])
        assert "400" in tracker["responses"]
        assert "422" not in (await client.get("/openapi.json")).text


class TestTracker:
    async def test_an_unknown_conversation_is_empty(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/conversations/nobody/tracker")

        assert response.status_code == 200
        assert response.json() == {
            "sender_id": "nobody",
            "slots": {"requested_slot": None, "session_started_metadata": None, "order_id": None},
            "latest_message": {
                "intent": {},
                "entities": [],
                "text": None,
                "message_id": None,
                "metadata": {},
            },
            "latest_event_time": None,
            "followup_action": None,
            "paused": False,
            "events": [],
            "latest_input_channel": None,
            "active_loop": {},
            "latest_action": {},
            "latest_action_name": None,
        }

    async def test_a_turn_shows_in_the_tracker(self, client: httpx.AsyncClient) -> None:
        await say(client, "alice", "where is my order?")

        tracker = (await client.get("/conversations/alice/tracker")).json()

        assert [e["event"] for e in tracker["events"]] == ["user", "action", "bot", "action"]
        assert tracker["latest_message"]["text"] == "where is my order?"
        assert tracker["latest_message"]["intent"] == {"name": "nlu_fallback", "confidence": 0.3}
        assert tracker["latest_action_name"] == "action_listen"
        assert tracker["latest_event_time"] == tracker["events"][-1]["timestamp"]

    @pytest.mark.parametrize(
        ("include", "expected"),
        [
            ("ALL", ["user", "restart", "user"]),
            ("APPLIED", ["restart", "user"]),
            ("AFTER_RESTART", ["user"]),
            ("NONE", None),
        ],
        ids=["all", "applied", "after-restart", "none"],
    )
    async def test_include_events_chooses_which_events_are_listed(
        self, client: httpx.AsyncClient, include: str, expected: list[str] | None
    ) -> None:
        events = [{"event": "user", "text": "hi"}, {"event": "restart"}]
        await client.post("/conversations/alice/tracker/events", json=events)
        await client.post("/conversations/alice/tracker/events", json={"event": "user"})

        response = await client.get(f"/conversations/alice/tracker?include_events={include}")

        listed = response.json()["events"]
        assert (listed if listed is None else [e["event"] for e in listed]) == expected

    async def test_an_unknown_include_events_value_is_refused_with_400(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/conversations/alice/tracker?include_events=SOME")

        assert response.status_code == 400
        assert response.json()["detail"][0]["loc"] == ["query", "include_events"]


class TestAppendEvents:
    async def test_an_appended_event_shows_in_the_tracker(self, client: httpx.AsyncClient) -> None:
        slot = {"event": "slot", "name": "order_id", "value": "A-17", "timestamp": 1.5}

        response = await client.post("/conversations/alice/tracker/events", json=slot)

        assert response.status_code == 200
        assert response.json()["slots"]["order_id"] == "A-17"
        stored = (await client.get("/conversations/alice/tracker")).json()
        assert stored["events"] == [{**slot, "metadata": {}}]

    async def test_a_list_of_events_is_appended_in_order(self, client: httpx.AsyncClient) -> None:
        events = [
            {"event": "action", "name": "action_listen"},
            {"event": "pause"},
            {"event": "followup", "name": "action_handoff"},
        ]

        tracker = (await client.post("/conversations/bob/tracker/events", json=events)).json()

        assert [e["event"] for e in tracker["events"]] == ["action", "pause", "followup"]
        assert (tracker["paused"], tracker["followup_action"]) == (True, "action_handoff")

    @pytest.mark.parametrize(
        ("body", "problem"),
        [
            ({"event": "teleport"}, "unknown event type 'teleport'"),
            ({"name": "order_id"}, "unknown event type None"),
            ({"event": "slot", "value": 3}, "missing a field"),
            ([{"event": "pause"}, {"event": "user", "parse_data": "hi"}], "event 1"),
            ([], "no events"),
        ],
        ids=["unknown-type", "no-type", "missing-field", "bad-parse-data", "empty-list"],
    )
    async def test_a_bad_event_is_refused_with_400_naming_the_problem(
        self, client: httpx.AsyncClient, body: Any, problem: str
    ) -> None:
        response = await client.post("/conversations/alice/tracker/events", json=body)

        assert response.status_code == 400
        assert problem in f"{response.json()['error']}: {response.json()['detail']}"
        assert (await client.get("/conversations/alice/tracker")).json()["events"] == []

    @pytest.mark.parametrize(
        "body", [b"{not json", b'"pause"', b"[1, 2]"], ids=["malformed", "string", "numbers"]
    )
    async def test_a_body_that_is_not_events_is_refused_with_400(
        self, client: httpx.AsyncClient, body: bytes
    ) -> None:
        response = await client.post("/conversations/alice/tracker/events", content=body)

        assert response.status_code == 400
        assert set(response.json()) == {"error", "detail"}


class TestParse:
    async def test_parse_returns_rasa_parse_data(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/model/parse", json={"text": "hi, order 42"})

        assert response.json() == {
            "text": "hi, order 42",
            "intent": {"name": "greet", "confidence": 1.0},
            "entities": [
                {"entity": "number", "value": 42, "start": 10, "end": 12, "extractor": "EchoAgent"}
            ],
            "intent_ranking": [{"name": "greet", "confidence": 1.0}],
        }

    async def test_a_message_id_is_echoed(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/model/parse", json={"text": "hi", "message_id": "m1"})

        assert response.json()["message_id"] == "m1"

    async def test_parse_stores_nothing(self, client: httpx.AsyncClient, agent: EchoAgent) -> None:
        await client.post("/model/parse", json={"text": "hi"})

        assert agent.received == []

    @pytest.mark.parametrize("body", [{"text": 5}, {}, ["hi"]], ids=["number", "none", "list"])
    async def test_a_body_without_text_is_refused_with_400(
        self, client: httpx.AsyncClient, body: Any
    ) -> None:
        response = await client.post("/model/parse", json=body)

        assert (response.status_code, response.json()["error"]) == (400, "invalid request body")


class TestBodyLimit:
    async def test_a_body_declared_too_large_is_refused_with_413_unread(
        self, client: httpx.AsyncClient, agent: EchoAgent
    ) -> None:
        response = await say(client, "alice", "x" * LIMIT)

        assert response.status_code == 413
        assert response.json() == {
            "error": "request body too large",
            "detail": f"the limit is {LIMIT} bytes",
        }
        assert agent.received == []

    async def test_a_chunked_body_is_counted_as_it_arrives(
        self, client: httpx.AsyncClient, agent: EchoAgent
    ) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"sender": "alice", "message": "'
            for _ in range(10):
                yield b"x" * 500
            yield b'"}'

        response = await client.post("/webhooks/rest/webhook", content=chunks())

        assert response.request.headers.get("content-length") is None
        assert response.status_code == 413
        assert agent.received == []

    async def test_a_chunked_body_under_the_limit_is_served(
        self, client: httpx.AsyncClient
    ) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"sender": "alice", '
            yield b'"message": "hello"}'

        response = await client.post("/webhooks/rest/webhook", content=chunks())

        assert response.json() == [{"recipient_id": "alice", "text": "echo: hello"}]

    async def test_the_default_limit_admits_a_50_kB_message(self, agent: EchoAgent) -> None:
        app = create_app(agent, [RestInput()])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE_URL) as c:
            response = await say(c, "alice", "x" * 50_000)

        assert response.status_code == 200


class TestErrors:
    async def test_a_failing_turn_is_a_logged_500_naming_the_conversation(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.ERROR, logger="parley.server"):
            response = await say(client, "carol", "crash")

        assert response.status_code == 500
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"] == "internal error"
        assert response.json()["conversation_id"] == "carol"
        assert "order database unreachable" not in response.text
        (record,) = caplog.records
        assert "carol" in record.getMessage()
        assert record.exc_info is not None and record.exc_info[0] is OrderLookupFailed

    async def test_the_conversation_of_a_failing_tracker_route_comes_from_the_path(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        app = create_app(UnreachableStoreAgent(), [RestInput()])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE_URL) as c:
            with caplog.at_level(logging.ERROR, logger="parley.server"):
                response = await c.get("/conversations/dave/tracker")

        assert (response.status_code, response.json()["conversation_id"]) == (500, "dave")
        assert "dave" in caplog.records[0].getMessage()

    async def test_a_tracker_store_outage_is_a_503_to_retry(self) -> None:
        outage = TrackerStoreUnavailable("database at 127.0.0.1:5432 is unreachable")
        app = create_app(EchoAgent({"hello": outage}), [RestInput()])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE_URL) as c:
            response = await say(c, "erin", "hello")

        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert "unreachable" in response.json()["detail"]

    async def test_a_conversation_id_the_store_refuses_is_a_400(self) -> None:
        refused = InvalidConversationId("conversation id must be 1 to 255 characters")
        app = create_app(EchoAgent({"hello": refused}), [RestInput()])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE_URL) as c:
            response = await say(c, "x" * 200, "hello")

        assert response.status_code == 400
        assert response.json()["error"] == "invalid conversation id"

    async def test_json_nested_too_deeply_is_a_400(self, agent: EchoAgent) -> None:
        depth = 100_000
        body = '{"sender": "d", "message": "hi", "metadata": ' + "[" * depth + "]" * depth + "}"
        app = create_app(agent, [RestInput()])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE_URL) as c:
            response = await c.post("/webhooks/rest/webhook", content=body.encode())

        assert response.status_code == 400

    async def test_an_unknown_route_is_a_json_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/no/such/route")

        assert response.status_code == 404
        assert response.json() == {"error": "not found", "detail": "Not Found"}

    async def test_a_wrong_method_is_a_json_405(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/webhooks/rest/webhook")

        assert response.status_code == 405
        assert response.json()["error"] == "method not allowed"

    async def test_cors_origins_may_call_the_api(self, agent: EchoAgent) -> None:
        app = create_app(agent, [RestInput()], cors_origins=["https://shop.example"])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE_URL) as c:
            response = await c.get("/health", headers={"origin": "https://shop.example"})

        assert response.headers["access-control-allow-origin"] == "https://shop.example"

    def test_a_channel_given_twice_is_an_error(self, agent: EchoAgent) -> None:
        with pytest.raises(ChannelError, match="rest"):
            create_app(agent, [RestInput(), RestInput()])


@pytest.fixture
async def live_server(agent: EchoAgent) -> AsyncIterator[str]:
    """The app served by uvicorn on a free loopback port."""
    app = create_app(agent, [RestInput()], max_body_bytes=LIMIT)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    async with asyncio.timeout(5):
        while not server.started:
            await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    await serving
    sock.close()


@pytest.mark.slow
async def test_a_conversation_over_real_http(live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server) as client:
        reply = await say(client, "erin", "where is my order?")
        malformed = await client.post("/webhooks/rest/webhook", content=b"{")
        too_large = await say(client, "erin", "x" * LIMIT)
        tracker = await client.get("/conversations/erin/tracker")

    assert reply.json() == [{"recipient_id": "erin", "text": "Which order number?"}]
    assert (malformed.status_code, malformed.json()["error"]) == (400, "malformed JSON body")
    assert too_large.status_code == 413
    assert tracker.json()["latest_message"]["text"] == "where is my order?"
