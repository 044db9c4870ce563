"""Chaos: poisoned action replies, bad text and a killed worker against `parley run --workers 2`.

Trains a tiny shop bot, serves it with two workers on PostgreSQL and Redis (default
lock lease), points its custom action at a loopback action server that answers in
rotation with good and poisoned replies (an int text, a lone surrogate, an unknown
slot, 101 events, a follow-up loop, a 500, non-JSON), and drives concurrent
conversations whose messages mix ordinary turns with bodies no store could keep
(lone surrogates, NULs, 5,000-digit integers, empty sender ids). A third of the way
in, one worker is killed with SIGKILL. Afterwards every conversation is read back
and continued. Prints one JSON object:

``requests`` sent, ``statuses`` counted, ``5xx``, ``transport_errors`` (requests cut
by the kill), ``conversations``, ``conversations_broken`` (tracker unreadable or the
next turn failing), ``acknowledged_turns``, ``lost`` and ``doubled`` acknowledged turns,
``recovery_seconds`` (from the kill until every conversation was answered again),
``cores``.

    python bench/chaos.py [--conversations 20] [--turns 15]
        [--postgres postgresql://postgres@127.0.0.1:5432/test] [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from load import _drop_schema, _postgres_schema
from redis import asyncio as aioredis
from served_bot import free_port, wait_ready

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.parley.bots import SHOP_BOT, write_bot  # noqa: E402

TOKEN = "chaos-token"
POISONED = [
    b'{"responses": [{"text": "Refund issued."}]}',
    b'{"events": [], "responses": [{"text": 12345}]}',
    b'{"responses": [{"text": "bad \\ud800"}]}',
    b'{"events": [{"event": "slot", "name": "no_such_slot", "value": 1}]}',
    json.dumps(
        {"events": [{"event": "slot", "name": "order_number", "value": "x"}] * 101}
    ).encode(),
    b'{"events": [{"event": "followup", "name": "action_issue_refund"}]}',
    b"<html>oops</html>",
]
BAD_BODIES = [
    b'{"sender": "SENDER", "message": "hi \\ud800"}',
    b'{"sender": "SENDER", "message": "hi", "metadata": {"k": "\\udc00"}}',
    b'{"sender": "SENDER", "message": "nul \\u0000 inside"}',
    b'{"sender": "SENDER", "message": "hi", "n": ' + b"9" * 5000 + b"}",
    b'{"sender": "", "message": "hi"}',
]
TEXTS = ["hello", "where is my order", "status of order PO-12345", "i want a refund", "bye"]


class PoisonedActionServer:
    """Answers each call with the next reply of :data:`POISONED` (500 for the HTML one)."""

    def __init__(self) -> None:
        self.calls = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                body = POISONED[server.calls % len(POISONED)]
                server.calls += 1
                self.send_response(500 if body.startswith(b"<") else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/webhook"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()


@dataclass
class Chat:
    sender: str
    acknowledged: list[str] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: int = 0

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + self.transport_errors


async def _post(client: httpx.AsyncClient, tally: Tally, body: bytes) -> httpx.Response | None:
    try:
        response = await client.post("/webhooks/rest/webhook", content=body)
    except httpx.TransportError:
        tally.transport_errors += 1
        return None
    tally.statuses[response.status_code] += 1
    return response


async def _converse(client: httpx.AsyncClient, tally: Tally, chat: Chat, turns: int) -> None:
    for turn in range(turns):
        if turn % 3 == 2:
            bad = BAD_BODIES[turn % len(BAD_BODIES)].replace(b"SENDER", chat.sender.encode())
            await _post(client, tally, bad)
            continue
        text = f"{TEXTS[turn % len(TEXTS)]} #{turn}"
        body = json.dumps({"sender": chat.sender, "message": text}).encode()
        response = await _post(client, tally, body)
        if response is not None and response.status_code == 200 and response.json():
            chat.acknowledged.append(text)
            chat.answered_at.append(time.monotonic())


def _workers(parent: int) -> list[int]:
    path = Path(f"/proc/{parent}/task/{parent}/children")
    pids = [int(pid) for pid in path.read_text().split()]
    return [pid for pid in pids if b"resource_tracker" not in _cmdline(pid)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


async def _verify(client: httpx.AsyncClient, tally: Tally, chat: Chat) -> dict[str, Any]:
    """Read the conversation back and continue it; what was lost, doubled or broken."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    tracker = await client.get(
        f"/conversations/{chat.sender}/tracker", params={"include_events": "ALL"}, headers=headers
    )
    texts = (
        [e.get("text") for e in tracker.json().get("events", []) if e.get("event") == "user"]
        if tracker.status_code == 200
        else []
    )
    body = json.dumps({"sender": chat.sender, "message": "hello again"}).encode()
    follow_up = await _post(client, tally, body)
    continued = follow_up is not None and follow_up.status_code == 200 and bool(follow_up.json())
    return {
        "broken": tracker.status_code != 200 or not continued,
        "lost": sum(1 for text in chat.acknowledged if text not in texts),
        "doubled": sum(1 for text in chat.acknowledged if texts.count(text) > 1),
    }


async def _run(
    args: argparse.Namespace, project: Path, database_url: str, prefix: str
) -> dict[str, Any]:
    actions = PoisonedActionServer()
    endpoints = {
        "tracker_store": {"type": "sql", "url": database_url},
        "lock_store": {"type": "redis", "url": args.redis, "key_prefix": f"{prefix}:lock:"},
        "action_endpoint": {"url": actions.url},
    }
    (project / "endpoints.yml").write_text(json.dumps(endpoints), encoding="utf-8")
    port = free_port()
    command = [sys.executable, "-m", "parley", "run", "-p", str(project), "--workers", "2"]
    options = ["--host", "127.0.0.1", "--port", str(port), "--enable-api", "--auth-token", TOKEN]
    options += ["--rate-limit", "off", "--address-rate-limit", "off"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen(
        [*command, *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    tally, chats = Tally(), [Chat(f"chaos-{i}") for i in range(args.conversations)]
    limits = httpx.Limits(keepalive_expiry=2)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits
        ) as client:
            await wait_ready(client, 180)
            while len(_workers(server.pid)) < 2:
                await asyncio.sleep(0.2)
            load = asyncio.gather(*(_converse(client, tally, c, args.turns) for c in chats))
            target = args.conversations * args.turns // 3 // 2
            while sum(len(c.acknowledged) for c in chats) < target and not load.done():
                await asyncio.sleep(0.02)
            os.kill(_workers(server.pid)[0], signal.SIGKILL)
            killed_at = time.monotonic()
            await load
            await wait_ready(client, 120)
            checks = [await _verify(client, tally, chat) for chat in chats]
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        actions.http.shutdown()
    after = [[t for t in c.answered_at if t > killed_at] for c in chats]
    recovery = max((min(times) - killed_at for times in after if times), default=0.0)
    return {
        "requests": tally.requests,
        "statuses": {str(code): n for code, n in sorted(tally.statuses.items())},
        "5xx": sum(n for code, n in tally.statuses.items() if code >= 500),
        "transport_errors": tally.transport_errors,
        "action_server_calls": actions.calls,
        "conversations": len(chats),
        "conversations_broken": sum(1 for check in checks if check["broken"]),
        "acknowledged_turns": sum(len(c.acknowledged) for c in chats),
        "lost": sum(check["lost"] for check in checks),
        "doubled": sum(check["doubled"] for check in checks),
        "recovery_seconds": round(recovery, 2),
        "cores": len(os.sched_getaffinity(0)),
    }


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="parley-chaos-") as folder:
        project = write_bot(Path(folder) / "bot", SHOP_BOT)
        subprocess.run(
            [sys.executable, "-m", "parley", "train", "-p", str(project)],
            check=True,
            stdout=sys.stderr,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        database_url, role = await _postgres_schema(args.postgres)
        prefix = f"parley-chaos:{uuid.uuid4().hex}"
        try:
            return await _run(args, project, database_url, prefix)
        finally:
            await _drop_schema(args.postgres, role)
            redis = aioredis.Redis.from_url(args.redis)
            keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
            if keys:
                await redis.delete(*keys)
            await redis.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--turns", type=int, default=15)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    print(json.dumps(asyncio.run(_main(parser.parse_args()))))


if __name__ == "__main__":
    main()
