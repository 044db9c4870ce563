"""A bad answer from an action server never breaks a conversation.

Each answer below used to be stored and then made every later read of the
conversation fail. Now the whole answer is refused, the turn ends with the
fallback response, the error is logged with the conversation id, and the
conversation reads back and goes on. Real HTTP action server, real SQL stores.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from actions import ActionResolver
from actions.builtins import DEFAULT_FALLBACK_TEXT
from actions.remote import RemoteActions, RemoteSettings
from dialogue.events import ActionExecuted, BotUttered, Restarted, SlotSet, events_to_dicts
from dialogue.locks import InMemoryLockStore
from dialogue.stores import SQLTrackerStore
from dialogue.stores.cache import TrackerCache
from dialogue.stores.transfer import export_conversations
from dialogue.tracker import ConversationId
from nlg import TemplateNLG
from parley.agent import MAX_ACTIONS_PER_TURN, BotAgent
from parley.interfaces import UserMessage
from parley.model import TrainedModel
from tests.parley.bots import train_bot, write_bot

REFUND = "i want a refund"


class ScriptedActionServer:
    """An action server over real HTTP that answers every call with ``answer`` (raw JSON)."""

    def __init__(self) -> None:
        self.answer = b'{"events": [], "responses": []}'
        self.calls = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                server.calls += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(server.answer)))
                self.end_headers()
                self.wfile.write(server.answer)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/webhook"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def shop_model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    return train_bot(write_bot(tmp_path_factory.mktemp("shop")))[1]


@pytest.fixture(scope="module")
def action_server() -> Iterator[ScriptedActionServer]:
    server = ScriptedActionServer()
    yield server
    server.http.shutdown()


@pytest.fixture(
    params=[
        pytest.param("sqlite-file", id="sqlite-file"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite+aiosqlite:///{tmp_path / 'parley.db'}"


@pytest.fixture
async def agent(
    sql_url: str, shop_model: TrainedModel, action_server: ScriptedActionServer
) -> AsyncIterator[BotAgent]:
    url = sql_url
    bot = BotAgent(
        domain=shop_model.domain,
        interpreter=shop_model.interpreter,
        policy=shop_model.policy,
        nlg=TemplateNLG(shop_model.domain.responses),
        actions=ActionResolver(shop_model.domain, RemoteActions(RemoteSettings(action_server.url))),
        store=await SQLTrackerStore.connect(url),
        locks=InMemoryLockStore(),
        model_id=shop_model.model_id,
    )
    yield bot
    await bot.close()


async def say(agent: BotAgent, text: str, sender: str = "poisoned") -> list[str | None]:
    replies = await agent.handle_message(UserMessage(text=text, sender_id=ConversationId(sender)))
    return [reply.text for reply in replies]


POISONED_ANSWERS = {
    "int-text": '{"events": [], "responses": [{"text": 12345}]}',
    "lone-surrogate-text": '{"responses": [{"text": "bad \\ud800"}]}',
    "lone-surrogate-slot": '{"events": [{"event": "slot", "name": "order_number", '
    '"value": "\\udc00"}]}',
    "huge-integer": '{"events": [{"event": "slot", "name": "order_number", "value": '
    + "9" * 5000
    + "}]}",
    "buttons-not-a-list": '{"responses": [{"text": "pick", "buttons": "yes"}]}',
    "custom-not-an-object": '{"responses": [{"custom": [1, 2]}]}',
    "bot-event-int-text": '{"events": [{"event": "bot", "text": 7}]}',
    "slot-not-in-domain": '{"events": [{"event": "slot", "name": "no_such_slot", "value": 1}]}',
    "too-many-events": json.dumps(
        {"events": [{"event": "slot", "name": "order_number", "value": "x"}] * 101}
    ),
}


@pytest.mark.parametrize("answer", list(POISONED_ANSWERS.values()), ids=list(POISONED_ANSWERS))
async def test_a_poisoned_answer_ends_the_turn_with_the_fallback_and_the_chat_goes_on(
    agent: BotAgent,
    action_server: ScriptedActionServer,
    answer: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    action_server.answer = answer.encode()

    assert await say(agent, REFUND) == [DEFAULT_FALLBACK_TEXT]

    assert "conversation poisoned: action 'action_issue_refund'" in caplog.text
    tracker = await agent.tracker(ConversationId("poisoned"))
    json.dumps(events_to_dicts(tracker.events), ensure_ascii=False).encode("utf-8")
    slot_values = [e.value for e in tracker.events if isinstance(e, SlotSet)]
    assert slot_values == []  # nothing of the refused answer was stored
    [fallback] = [e for e in tracker.events if isinstance(e, ActionExecuted) and e.metadata]
    assert fallback.name == "action_default_fallback"
    assert fallback.metadata["failed_action"] == "action_issue_refund"
    assert await say(agent, "hello") == ["Hello! How can I help?"]


async def test_a_good_answer_is_still_stored_as_it_came(
    agent: BotAgent, action_server: ScriptedActionServer
) -> None:
    action_server.answer = b'{"responses": [{"text": "Refund issued."}], "events": []}'

    assert await say(agent, REFUND, "fine") == ["Refund issued."]

    tracker = await agent.tracker(ConversationId("fine"))
    assert [e.text for e in tracker.events if isinstance(e, BotUttered)] == ["Refund issued."]


async def test_a_follow_up_loop_is_cut_short_with_the_fallback_and_a_logged_error(
    agent: BotAgent, action_server: ScriptedActionServer, caplog: pytest.LogCaptureFixture
) -> None:
    action_server.answer = b'{"events": [{"event": "followup", "name": "action_issue_refund"}]}'
    calls_before = action_server.calls

    assert await say(agent, REFUND, "looping") == [DEFAULT_FALLBACK_TEXT]

    assert action_server.calls - calls_before == MAX_ACTIONS_PER_TURN
    assert "conversation looping" in caplog.text
    assert "without listening" in caplog.text
    action_server.answer = b'{"responses": [{"text": "Refund issued."}]}'
    assert await say(agent, REFUND, "looping") == ["Refund issued."]


async def test_a_conversation_holding_an_unreadable_event_reads_exports_restarts_and_goes_on(
    agent: BotAgent, caplog: pytest.LogCaptureFixture
) -> None:
    """Rows written by an older version that let such events through are skipped, reported."""
    assert await say(agent, "hello", "legacy") == ["Hello! How can I help?"]
    assert await say(agent, "hello", "other") == ["Hello! How can I help?"]
    store = agent.store
    assert isinstance(store, SQLTrackerStore)
    async with store.engine.begin() as conn:
        await conn.execute(
            text("UPDATE events SET data = :d WHERE conversation_id = 'legacy' AND seq = 6"),
            {"d": '{"event": "bot", "text": 12345, "timestamp": 1}'},
        )
        await conn.execute(
            text("UPDATE events SET data = :d WHERE conversation_id = 'legacy' AND seq = 2"),
            {"d": '{"event": "slot", "name": "order_number", "value": "\\ud800"}'},
        )
    agent.trackers = TrackerCache(store)  # a server started on the older version's rows

    tracker = await agent.tracker(ConversationId("legacy"))
    out = io.StringIO()
    exported = await export_conversations(store, out)
    await agent.append_events(ConversationId("legacy"), [Restarted()])

    assert len(tracker.events) == 5
    assert "#6 of 'legacy'" in caplog.text and "#2 of 'legacy'" in caplog.text
    assert exported == 2
    assert [json.loads(line)["conversation_id"] for line in out.getvalue().splitlines()] == [
        "legacy",
        "other",
    ]
    assert await say(agent, "hello", "legacy") == ["Hello! How can I help?"]


class GreetingBreaksNLG(TemplateNLG):
    """Templates, except that ``utter_greet`` raises, like a plug-in with a bug."""

    async def generate(
        self, response: str, tracker: Any, channel: str | None = None, **kwargs: Any
    ) -> Any:
        if response == "utter_greet":
            raise KeyError("template variable 'name' missing")
        return await super().generate(response, tracker, channel, **kwargs)


async def test_an_action_that_raises_ends_the_turn_with_the_fallback(
    agent: BotAgent, caplog: pytest.LogCaptureFixture
) -> None:
    agent.nlg = GreetingBreaksNLG(agent.domain.responses)

    assert await say(agent, "hello", "buggy") == [DEFAULT_FALLBACK_TEXT]

    assert "conversation buggy: action utter_greet raised" in caplog.text
    assert await say(agent, "where is my order", "buggy") == ["What is your order number?"]
