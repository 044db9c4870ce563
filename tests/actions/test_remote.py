"""Remote actions: a real rasa_sdk action server in its own process, driven through the engine.

Every failure (server killed, too slow, 500, garbage, refused) ends with the
fallback reply and a valid stored conversation; a rejection lets the policies
choose again.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from actions import ActionResolver
from actions.builtins import DEFAULT_FALLBACK_TEXT
from actions.errors import ActionNotFound, ActionServerError
from actions.remote import RemoteActions, RemoteSettings
from dialogue.events import ActionExecuted, ActionExecutionRejected, Event
from dialogue.locks import InMemoryLockStore
from dialogue.stores import SQLTrackerStore
from dialogue.tracker import ConversationId
from nlg import TemplateNLG
from parley.agent import BotAgent
from parley.interfaces import UserMessage
from parley.model import TrainedModel
from tests.actions.builders import context, conversation, domain_from
from tests.e2e.conftest import free_port
from tests.parley.bots import train_bot, write_bot

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).parent / "sdk_project"


class ActionServer:
    """``parley run actions`` (rasa_sdk's server) for the test project, on a loopback port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ActionServer:
        command = [sys.executable, "-m", "parley", "run", "actions", "--actions", "refund_actions"]
        self.process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=PROJECT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # rasa_sdk's Sanic runs a worker process: kill the group
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"action server exited: {self.process.stderr.read()!r}")  # type: ignore[union-attr]
            try:
                httpx.get(self.url.replace("/webhook", "/health"), timeout=1).raise_for_status()
                return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise TimeoutError("the action server did not start")

    def kill(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
            self.process = None


class BadServer:
    """A loopback HTTP server that answers every POST in one broken way."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        handler = self._handler(mode)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def _handler(mode: str) -> type[BaseHTTPRequestHandler]:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                if mode == "slow":
                    time.sleep(2)
                status, body = (
                    (500, b"Internal Server Error") if mode == "500" else (200, b"<html>")
                )
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def action_server() -> Iterator[ActionServer]:
    server = ActionServer().start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def refund_bot(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    return train_bot(write_bot(tmp_path_factory.mktemp("refund-bot")))[1]


class Chat:
    def __init__(self, agent: BotAgent, sender: str) -> None:
        self.agent, self.sender = agent, ConversationId(sender)

    async def user(self, text: str) -> list[str]:
        replies = await self.agent.handle_message(UserMessage(text=text, sender_id=self.sender))
        return [m.text or "" for m in replies]

    async def stored(self) -> list[Event]:
        return list(await self.agent.store.retrieve(self.sender))


async def agent_for(model: TrainedModel, url: str, path: Path, **tuning: float) -> BotAgent:
    settings = RemoteSettings(url=url, timeout=tuning.pop("timeout", 5.0), **tuning)  # type: ignore[arg-type]
    return BotAgent(
        domain=model.domain,
        interpreter=model.interpreter,
        policy=model.policy,
        nlg=TemplateNLG(model.domain.responses),
        actions=ActionResolver(model.domain, RemoteActions(settings)),
        store=await SQLTrackerStore.connect(f"sqlite+aiosqlite:///{path / 'parley.db'}"),
        locks=InMemoryLockStore(),
    )


@pytest.fixture
async def remote_agent(
    refund_bot: TrainedModel, action_server: ActionServer, tmp_path: Path
) -> AsyncIterator[BotAgent]:
    agent = await agent_for(refund_bot, action_server.url, tmp_path)
    yield agent
    await agent.close()


async def test_the_action_server_runs_the_action_and_its_replies_are_stored(
    remote_agent: BotAgent,
) -> None:
    chat = Chat(remote_agent, "refund-ok")
    assert await chat.user("where is PO-55555") == ["Order PO-55555 is on its way."]

    assert await chat.user("i want a refund") == [
        "Order PO-55555 is on its way.",
        "Refund for PO-55555 issued.",
    ]

    tracker = await remote_agent.tracker(chat.sender)
    assert tracker.slots["order_number"] is None  # the action's own event
    assert any(
        isinstance(e, ActionExecuted) and e.name == "action_issue_refund"
        for e in await chat.stored()
    )


async def test_a_rejected_action_lets_the_policies_choose_again(remote_agent: BotAgent) -> None:
    chat = Chat(remote_agent, "refund-rejected")
    await chat.user("i want a refund")  # no order number: the action rejects its execution
    stored = await chat.stored()
    assert any(
        isinstance(e, ActionExecutionRejected) and e.name == "action_issue_refund" for e in stored
    )
    assert not any(
        isinstance(e, ActionExecuted) and e.name == "action_issue_refund" for e in stored
    )
    assert await chat.user("hello") == ["Hello! How can I help?"]


def _fell_back(events: list[Event]) -> bool:
    return any(
        isinstance(e, ActionExecuted)
        and e.name == "action_default_fallback"
        and e.metadata.get("failed_action") == "action_issue_refund"
        for e in events
    )


@pytest.mark.parametrize("mode", ["500", "garbage", "slow", "refused"])
async def test_a_failing_action_server_gets_the_fallback_and_the_chat_goes_on(
    mode: str, refund_bot: TrainedModel, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = BadServer(mode) if mode != "refused" else None
    url = bad.url if bad else f"http://127.0.0.1:{free_port()}/webhook"
    agent = await agent_for(refund_bot, url, tmp_path, timeout=0.5, backoff=0.01)
    chat = Chat(agent, f"failing-{mode}")
    try:
        await chat.user("where is PO-55555")
        with caplog.at_level(logging.ERROR):
            assert await chat.user("i want a refund") == [DEFAULT_FALLBACK_TEXT]
        assert f"conversation failing-{mode}" in caplog.text
        assert _fell_back(await chat.stored())
        assert await chat.user("hello") == ["Hello! How can I help?"]
        assert (await agent.tracker(chat.sender)).slots["order_number"] == "PO-55555"
    finally:
        await agent.close()
        if bad is not None:
            bad.close()


async def test_a_killed_action_server_gets_the_fallback_and_the_chat_goes_on(
    refund_bot: TrainedModel, tmp_path: Path
) -> None:
    server = ActionServer().start()
    agent = await agent_for(refund_bot, server.url, tmp_path, backoff=0.01)
    chat = Chat(agent, "server-killed")
    try:
        await chat.user("where is PO-55555")
        server.kill()
        assert await chat.user("i want a refund") == [DEFAULT_FALLBACK_TEXT]
        assert _fell_back(await chat.stored())
        assert await chat.user("where is PO-11111") == ["Order PO-11111 is on its way."]
    finally:
        server.kill()
        await agent.close()


DOMAIN = domain_from("actions: [action_issue_refund, action_broken]")


async def test_an_action_the_server_lacks_is_not_found(action_server: ActionServer) -> None:
    remote = RemoteActions(RemoteSettings(url=action_server.url))
    try:
        with pytest.raises(ActionNotFound, match="action_nope"):
            await remote.run("action_nope", context(DOMAIN, conversation(DOMAIN)))
        with pytest.raises(ActionServerError, match="answered 500"):
            await remote.run("action_broken", context(DOMAIN, conversation(DOMAIN)))
    finally:
        await remote.close()


async def test_a_dead_server_opens_the_circuit_so_later_calls_fail_at_once() -> None:
    settings = RemoteSettings(
        url=f"http://127.0.0.1:{free_port()}/webhook",
        retries=2,
        backoff=0.05,
        breaker_failures=2,
        breaker_reset=60,
    )
    remote = RemoteActions(settings)
    ctx = context(DOMAIN, conversation(DOMAIN))
    try:
        for _ in range(2):
            started = time.perf_counter()
            with pytest.raises(ActionServerError, match="cannot reach"):
                await remote.run("action_issue_refund", ctx)
            assert time.perf_counter() - started >= 0.05 + 0.1  # two retries with backoff
        assert remote.breaker.is_open
        started = time.perf_counter()
        with pytest.raises(ActionServerError, match="unreachable; not calling it"):
            await remote.run("action_issue_refund", ctx)
        assert time.perf_counter() - started < 0.05
    finally:
        await remote.close()
