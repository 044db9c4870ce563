"""Scale-out: `parley run --workers 2` on PostgreSQL and Redis keeps every conversation whole
and in order under concurrent load, survives a killed worker, and rides out a database
outage with 503s instead of lost or doubled turns.

Each test trains a tiny bot (template NLG), starts real worker processes on loopback,
and reads the results back from PostgreSQL and the Redis event stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from redis import asyncio as aioredis
from sqlalchemy import make_url

from dialogue.events import BotUttered, UserUttered
from dialogue.stores import SQLTrackerStore
from dialogue.tracker import ConversationId
from tests.dialogue.stores.tcp_proxy import TcpProxy
from tests.e2e.conftest import free_port
from tests.parley.bots import SHOP_BOT, train_bot, write_bot
from tests.parley.channels.fake_slack import FakeSlack, running_fake_slack
from tests.parley.channels.test_slack import SECRET as SLACK_SECRET
from tests.parley.channels.test_slack import TOKEN as SLACK_TOKEN
from tests.parley.channels.test_slack import message_event, signed_headers

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

REDIS_URL = os.environ.get("PARLEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TEXTS = ["hi", "where is my order", "status of order PO-12345", "hello bot", "bye"]


@pytest.fixture(scope="module")
def tiny_bot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_bot(tmp_path_factory.mktemp("scale") / "bot", SHOP_BOT)
    train_bot(root)
    return root


@dataclass
class Deployment:
    """A `parley run --workers N` process with its endpoints (PostgreSQL, Redis)."""

    project: Path
    database_url: str
    stream: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_endpoints(self, key_prefix: str) -> None:
        endpoints = {
            "tracker_store": {"type": "sql", "url": self.database_url},
            "lock_store": {"type": "redis", "url": REDIS_URL, "key_prefix": key_prefix},
            "event_broker": {"type": "redis", "url": REDIS_URL, "stream": self.stream},
        }
        (self.project / "endpoints.yml").write_text(json.dumps(endpoints), encoding="utf-8")

    async def start(self, workers: int = 2) -> None:
        log = (self.project / f"server-{self.port}.log").open("wb")
        command = [sys.executable, "-m", "parley", "run", "--workers", str(workers)]
        options = ["--host", "127.0.0.1", "--port", str(self.port), "--rate-limit", "off"]
        options += ["--enable-api", "--address-rate-limit", "off"]
        self.process = subprocess.Popen(
            [*command, *options], cwd=self.project, stdout=log, stderr=subprocess.STDOUT
        )
        await self.wait_healthy(workers)

    async def wait_healthy(self, workers: int, deadline_s: float = 90) -> None:
        stop = time.monotonic() + deadline_s
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as client:
            while time.monotonic() < stop:
                assert self.process is not None and self.process.poll() is None, self.log()
                try:
                    healthy = (await client.get("/health")).status_code == 200
                except httpx.TransportError:
                    healthy = False
                if healthy and len(self.workers()) == workers:
                    return
                await asyncio.sleep(0.2)
        raise TimeoutError(f"parley run did not become healthy:\n{self.log()}")

    def workers(self) -> list[int]:
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        children = [int(pid) for pid in path.read_text().split()]
        return [
            pid
            for pid in children
            if "resource_tracker" not in _cmdline(pid) and not _exited(pid)
        ]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            workers = self.workers()
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            for pid in workers:  # none may outlive a supervisor that had to be killed
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def log(self) -> str:
        return "\n".join(
            p.read_text("utf-8", "replace")[-3000:] for p in self.project.glob("*.log")
        )


def _exited(pid: int) -> bool:
    """A killed worker stays a child (a zombie) until the supervisor reaps it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


@pytest.fixture
async def deployment(
    tiny_bot: Path, postgres_url: str, tmp_path: Path
) -> AsyncIterator[Deployment]:
    project = tmp_path / "bot"
    project.mkdir()
    for item in tiny_bot.iterdir():
        if item.name != "endpoints.yml":
            (project / item.name).symlink_to(item)
    prefix = f"parley-e2e:{uuid.uuid4().hex}"
    running = Deployment(project, postgres_url, stream=f"{prefix}:events")
    running.write_endpoints(f"{prefix}:lock:")
    yield running
    running.stop()
    redis = aioredis.Redis.from_url(REDIS_URL)
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


@dataclass
class Conversation:
    """A client's view of one conversation: what it sent and which turns were answered."""

    sender: str
    acknowledged: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)
    bursts: list[set[str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def say(self, client: httpx.AsyncClient, text: str) -> bool:
        try:
            response = await client.post(
                "/webhooks/rest/webhook", json={"sender": self.sender, "message": text}
            )
        except httpx.TransportError as e:
            self.statuses.append(0)
            self.errors.append(repr(e))
            return False
        self.statuses.append(response.status_code)
        if response.status_code == 200 and response.json():
            self.acknowledged.append(text)
            self.answered_at.append(time.monotonic())
            return True
        return False


async def talk(client: httpx.AsyncClient, chat: Conversation, turns: int) -> None:
    """``turns`` messages; at turns 5 and 12 three of them go out at the same moment."""
    sent = 0
    while sent < turns:
        if sent in (5, 12):
            burst = [f"{TEXTS[(sent + k) % len(TEXTS)]} #{sent + k}" for k in range(3)]
            chat.bursts.append(set(burst))
            await asyncio.gather(*(chat.say(client, text) for text in burst))
            sent += 3
        else:
            await chat.say(client, f"{TEXTS[sent % len(TEXTS)]} #{sent}")
            sent += 1


async def stored(database_url: str, sender: str) -> tuple[list[str], list[object]]:
    store = await SQLTrackerStore.connect(database_url)
    events = await store.retrieve(ConversationId(sender))
    await store.close()
    return [e.text or "" for e in events if isinstance(e, UserUttered)], list(events)


def turns_of(events: list[object]) -> list[tuple[str, int]]:
    """Each user message with the number of bot replies stored before the next one."""
    turns: list[tuple[str, int]] = []
    for event in events:
        if isinstance(event, UserUttered):
            turns.append((event.text or "", 0))
        elif isinstance(event, BotUttered) and turns:
            turns[-1] = (turns[-1][0], turns[-1][1] + 1)
    return turns


def in_send_order(chat: Conversation, texts: list[str]) -> bool:
    """Sequential messages in send order; a burst's messages next to each other (they were
    sent at the same moment, so their arrival order is the network's)."""
    bursts = {text: burst for burst in chat.bursts for text in burst}
    position = 0
    while position < len(texts):
        group = bursts.get(texts[position], {texts[position]})
        if set(texts[position : position + len(group)]) != group:
            return False
        position += len(group)
    sequential = [text for text in texts if text not in bursts]
    return sequential == [text for text in chat.acknowledged if text not in bursts]


async def test_two_workers_keep_50_concurrent_conversations_whole_and_in_order(
    deployment: Deployment,
) -> None:
    await deployment.start(workers=2)
    chats = [Conversation(f"load-{i}") for i in range(50)]
    # Idle connections are dropped before the server's 5 s keep-alive ends, so a request
    # never races the server closing its connection.
    limits = httpx.Limits(max_connections=200, keepalive_expiry=2)
    async with httpx.AsyncClient(base_url=deployment.url, timeout=60, limits=limits) as client:
        await asyncio.gather(*(talk(client, chat, 20) for chat in chats))
        metrics = (await client.get("/metrics")).text

    assert [e for chat in chats for e in chat.errors] == []
    assert {status for chat in chats for status in chat.statuses} == {200}
    all_events = 0
    for chat in chats:
        texts, events = await stored(deployment.database_url, chat.sender)
        assert sorted(texts) == sorted(chat.acknowledged), chat.sender  # each exactly once
        assert len(texts) == 20
        assert in_send_order(chat, texts), (chat.sender, texts)
        assert all(replies >= 1 for _, replies in turns_of(events)), chat.sender
        all_events += len(events)
    assert 'parley_turns_total{channel="rest"} 1000.0' in metrics  # summed over both workers
    await assert_stream_has(deployment.stream, all_events)


async def assert_stream_has(stream: str, stored_events: int) -> None:
    redis = aioredis.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + 10
    while (length := await redis.xlen(stream)) < stored_events and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    entries = await redis.xrange(stream, count=1)
    await redis.aclose()
    assert length == stored_events  # every stored event published (once, in a clean run)
    assert set(entries[0][1]) == {b"conversation_id", b"type", b"event"}


async def test_a_killed_worker_loses_no_acknowledged_turn_and_conversations_continue(
    deployment: Deployment,
) -> None:
    await deployment.start(workers=2)
    chats = [Conversation(f"crash-{i}") for i in range(12)]
    limits = httpx.Limits(keepalive_expiry=2)
    async with httpx.AsyncClient(base_url=deployment.url, timeout=30, limits=limits) as client:
        load = asyncio.gather(*(talk(client, chat, 20) for chat in chats))
        while sum(len(chat.acknowledged) for chat in chats) < 40:
            await asyncio.sleep(0.02)
        assert not load.done()
        answered_before_kill = sum(len(chat.acknowledged) for chat in chats)
        victim = deployment.workers()[0]
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        await load
        await deployment.wait_healthy(workers=2)  # the supervisor started a new worker
        assert victim not in deployment.workers()
        continued = [await chat.say(client, f"hi again #{i}") for i, chat in enumerate(chats)]

    assert all(continued)
    assert sum(len(chat.acknowledged) for chat in chats) > answered_before_kill + 12
    # The killed worker's locks are short leases: every conversation answers again within 5 s.
    recovery = max(
        min(t for t in chat.answered_at if t > killed_at) - killed_at for chat in chats
    )
    assert recovery < 5, f"a conversation waited {recovery:.1f} s after the kill"
    for chat in chats:
        texts, _ = await stored(deployment.database_url, chat.sender)
        for text in chat.acknowledged:
            assert texts.count(text) == 1, (chat.sender, text, texts)
        assert texts[-1] == chat.acknowledged[-1]


async def test_a_database_outage_answers_503_and_recovers_without_a_restart(
    deployment: Deployment, postgres_url: str
) -> None:
    target = make_url(postgres_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    deployment.database_url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False
    )
    deployment.write_endpoints(f"parley-e2e:{uuid.uuid4().hex}:lock:")
    await deployment.start(workers=2)
    chat = Conversation("outage")
    try:
        async with httpx.AsyncClient(base_url=deployment.url, timeout=30) as client:
            assert await chat.say(client, "hi #0")
            await proxy.stop()
            down = [await chat.say(client, f"where is my order #{i}") for i in (1, 2)]
            health_down = await client.get("/health")
            os.kill(deployment.workers()[0], signal.SIGKILL)  # restarted while the database is down
            await asyncio.sleep(2)
            await proxy.start()
            up = await chat.say(client, "bye #3")
            health_up = await client.get("/health")
            await deployment.wait_healthy(workers=2)  # the restarted worker waited, then started
    finally:
        await proxy.stop()

    assert down == [False, False] and chat.statuses[1:3] == [503, 503]
    assert health_down.status_code == 503
    assert health_down.json()["checks"]["tracker_store"] != "ok"
    assert health_down.json()["checks"]["lock_store"] == "ok"
    assert up and health_up.status_code == 200
    texts, _ = await stored(postgres_url, "outage")
    assert texts == ["hi #0", "bye #3"]


def test_more_than_one_worker_is_refused_with_in_memory_locks(tiny_bot: Path) -> None:
    project = tiny_bot.parent / "memory-locks"
    project.mkdir(exist_ok=True)
    for item in tiny_bot.iterdir():
        if not (project / item.name).exists() and item.name != "endpoints.yml":
            (project / item.name).symlink_to(item)
    (project / "endpoints.yml").write_text("lock_store:\n  type: in_memory\n", encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "parley", "run", "--workers", "2", "--port", str(free_port())],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert "--workers 2 needs a lock store the workers share" in result.stderr
    assert "lock_store: {type: redis" in result.stderr


async def test_a_slack_event_delivered_six_times_to_two_workers_is_answered_once(
    deployment: Deployment,
) -> None:
    """Slack retries reach any worker, and a captured event may be replayed after a restart:
    the de-duplication keys live in Redis, so the event is answered exactly once."""
    with running_fake_slack(SLACK_TOKEN) as fake:
        credentials = {
            "rest": None,
            "slack": {
                "slack_token": SLACK_TOKEN,
                "slack_signing_secret": SLACK_SECRET,
                "slack_api_url": fake.url,
            },
        }
        (deployment.project / "credentials.yml").write_text(json.dumps(credentials))
        body = json.dumps(message_event("hello")).encode()
        await deployment.start(workers=2)
        statuses = [await _deliver(deployment.url, body) for _ in range(6)]
        await _wait_for_posts(fake, 1)
        deployment.stop()
        await deployment.start(workers=2)
        replayed = await _deliver(deployment.url, body)
        await asyncio.sleep(2)  # an answer to the replay would have been posted by now

        assert statuses == [200] * 6 and replayed == 200
        assert len(fake.posted()) == 1


async def _deliver(url: str, body: bytes) -> int:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:  # a new connection each
        response = await client.post(
            "/webhooks/slack/webhook", content=body, headers=signed_headers(body)
        )
    return response.status_code


async def _wait_for_posts(fake: FakeSlack, count: int, deadline_s: float = 20) -> None:
    stop = time.monotonic() + deadline_s
    while len(fake.posted()) < count and time.monotonic() < stop:
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)  # let a duplicate, if any, arrive too
