"""The outside tester's probes (issue: nothing a client, an action server or a crash sends can
break a conversation), replayed against a live `parley run` over HTTP.

Each probe must end with a 4xx or the fallback response, and leave its conversation
readable and able to continue. One server (SQLite, template NLG, JWT-protected API)
and one scripted action server serve the whole module.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from actions.builtins import DEFAULT_FALLBACK_TEXT
from parley.security import sign_jwt
from tests.e2e.conftest import free_port
from tests.parley.bots import write_bot

pytestmark = pytest.mark.slow

SECRET = "probe-jwt-secret"
ADMIN = {"Authorization": f"Bearer {sign_jwt({'user': {'role': 'admin'}}, SECRET)}"}
REFUND = "i want a refund"


class ActionServer:
    """Answers every call with ``answer`` (raw bytes)."""

    def __init__(self) -> None:
        self.answer = b"{}"
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(200)
                self.send_header("Content-Length", str(len(server.answer)))
                self.end_headers()
                self.wfile.write(server.answer)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/webhook"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def actions() -> Iterator[ActionServer]:
    server = ActionServer()
    yield server
    server.http.shutdown()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, actions: ActionServer) -> Iterator[str]:
    project = write_bot(tmp_path_factory.mktemp("probes") / "bot")
    endpoints = {"action_endpoint": {"url": actions.url}}
    (project / "endpoints.yml").write_text(json.dumps(endpoints), encoding="utf-8")
    train = [sys.executable, "-m", "parley", "train"]
    assert subprocess.run(train, cwd=project, capture_output=True, timeout=600).returncode == 0
    port = free_port()
    command = [sys.executable, "-m", "parley", "run", "--host", "127.0.0.1", "--port", str(port)]
    options = ["--enable-api", "--jwt-secret", SECRET, "--rate-limit", "off"]
    with (project / "server.log").open("wb") as log:
        server = subprocess.Popen([*command, *options], cwd=project, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            assert server.poll() is None, (project / "server.log").read_text()
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)  # refused, or 503 "starting" while the models load
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def client(live: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live, timeout=30) as client:
        yield client


def say(client: httpx.Client, sender: str, text: str) -> list[str]:
    response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    assert response.status_code == 200, response.text
    return [reply.get("text", "") for reply in response.json()]


def assert_readable_and_going_on(client: httpx.Client, sender: str) -> None:
    tracker = client.get(f"/conversations/{sender}/tracker", headers=ADMIN)
    assert tracker.status_code == 200, tracker.text
    assert say(client, sender, "hello") == ["Hello! How can I help?"]


@pytest.mark.parametrize(
    "answer",
    [
        b'{"events": [], "responses": [{"text": 12345}]}',
        b'{"responses": [{"text": "bad \\ud800"}]}',
        b'{"events": [{"event": "slot", "name": "no_such_slot", "value": 1}]}',
        json.dumps(
            {"events": [{"event": "slot", "name": "order_number", "value": "x"}] * 20_000}
        ).encode(),
    ],
    ids=["A-int-text", "A-lone-surrogate", "I-unknown-slot", "I-20000-events"],
)
def test_a_poisoned_action_reply_ends_with_the_fallback(
    client: httpx.Client, actions: ActionServer, answer: bytes
) -> None:
    actions.answer = answer
    sender = f"poisoned-{abs(hash(answer))}"

    assert say(client, sender, REFUND) == [DEFAULT_FALLBACK_TEXT]

    assert_readable_and_going_on(client, sender)
    restart = client.post(
        f"/conversations/{sender}/tracker/events", json={"event": "restart"}, headers=ADMIN
    )
    assert restart.status_code == 200
    assert_readable_and_going_on(client, sender)


def test_G_a_follow_up_loop_ends_with_the_fallback(
    client: httpx.Client, actions: ActionServer
) -> None:
    actions.answer = b'{"events": [{"event": "followup", "name": "action_issue_refund"}]}'

    assert say(client, "looping", REFUND) == [DEFAULT_FALLBACK_TEXT]
    assert_readable_and_going_on(client, "looping")


@pytest.mark.parametrize(
    ("route", "body"),
    [
        (
            "/webhooks/rest/webhook",
            '{"sender": "r4", "message": "hi", "metadata": {"k": "\\ud800"}}',
        ),
        ("/webhooks/rest/webhook", '{"sender": "r4", "message": "hi \\ud800"}'),
        ("/webhooks/rest/webhook", '{"sender": "r4\\ud800", "message": "hi"}'),
        ("/webhooks/rest/webhook", '{"sender": "r4", "message": "hi", "n": ' + "9" * 5000 + "}"),
        ("/model/parse", '{"text": "hi", "n": ' + "9" * 5000 + "}"),
        ("/conversations/r4/tracker/events", '{"event": "bot", "text": "\\udc00"}'),
        ("/webhooks/rest/stream", '{"sender": "", "message": "hi"}'),
    ],
    ids=[
        "B-surrogate-metadata",
        "E-surrogate-message",
        "E-surrogate-sender",
        "E-huge-int-webhook",
        "E-huge-int-parse",
        "B-surrogate-event",
        "I-stream-empty-sender",
    ],
)
def test_unstorable_input_is_a_json_400_and_the_conversation_stays_whole(
    client: httpx.Client, route: str, body: str
) -> None:
    response = client.post(route, content=body.encode(), headers=ADMIN)

    assert response.status_code == 400
    assert "error" in response.json()
    assert_readable_and_going_on(client, "r4")


def test_H_metrics_need_an_admin_and_ids_are_decoded_once(client: httpx.Client) -> None:
    alice = {"Authorization": f"Bearer {sign_jwt({'user': {'username': 'alice'}}, SECRET)}"}

    assert client.get("/metrics", headers=alice).status_code == 403
    assert client.get("/metrics", headers=ADMIN).status_code == 200
    assert client.get("/conversations/alic%2565/tracker", headers=alice).status_code == 403
    assert client.get("/conversations/alice/tracker", headers=alice).status_code == 200


def test_J_an_open_api_on_every_interface_refuses_to_start(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "parley", "run", "--enable-api", "--host", "0.0.0.0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert "--insecure" in result.stderr + result.stdout
