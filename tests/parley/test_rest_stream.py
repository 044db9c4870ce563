"""``POST /webhooks/rest/stream``: a turn as server-sent events; nothing unchecked is sent."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from actions import ActionResolver, NoCustomActions
from dialogue.errors import TrackerStoreUnavailable
from dialogue.events import BotUttered, Event
from dialogue.locks import InMemoryLockStore
from dialogue.stores import InMemoryTrackerStore
from dialogue.tracker import ConversationId
from nlg import TemplateNLG
from nlg.llm import LLMNLG, LLMSettings
from nlg.testing import ScriptedGenerator
from parley.agent import BotAgent
from parley.channels import RestInput
from parley.model import TrainedModel
from parley.server import create_app
from tests.parley.bots import SHOP_BOT, train_bot, write_bot

STREAM = "/webhooks/rest/stream"
# The template-keyed scripts reword the template (rather than write a lead-in to it).
REWRITE = LLMSettings(rephrase_style="rewrite", candidates=1)
TEMPLATE = '- text: "Order {order_number} is on its way."'
FLAGGED = TEMPLATE + "\n              metadata: {rephrase: true}"
SCRIPT = {"Order PO-12345 is on its way.": "Good news: order PO-12345 is on its way to you!"}
SCRIPT_BREAKING_A_FACT = {"Order PO-12345 is on its way.": "Order PO-54321 is on its way!"}
SCRIPT_FALSE_SECOND_SENTENCE = {
    "Order PO-12345 is on its way.": "Order PO-12345 is on its way. It arrives in 2 days for $5."
}


def train_shop_bot_with_rephrasing(root: Path) -> TrainedModel:
    """The shop bot of ``tests.parley.bots``, its order-status answer marked for rephrasing."""
    files = {**SHOP_BOT, "domain.yml": SHOP_BOT["domain.yml"].replace(TEMPLATE, FLAGGED)}
    return train_bot(write_bot(root, files))[1]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    return train_shop_bot_with_rephrasing(tmp_path_factory.mktemp("stream-bot"))


class BrokenStore(InMemoryTrackerStore):
    async def append(self, conversation_id: ConversationId, events: Sequence[Event]) -> None:
        raise TrackerStoreUnavailable("the database is down")


def agent_for(model: TrainedModel, script: dict[str, str], store: Any = None) -> BotAgent:
    templates = TemplateNLG(model.domain.responses)
    return BotAgent(
        domain=model.domain,
        interpreter=model.interpreter,
        policy=model.policy,
        nlg=LLMNLG(templates, ScriptedGenerator(script), REWRITE),
        actions=ActionResolver(model.domain, NoCustomActions()),
        store=store or InMemoryTrackerStore(),
        locks=InMemoryLockStore(),
        model_id=model.model_id,
    )


async def client_for(agent: BotAgent) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(create_app(agent, [RestInput()]))
    return httpx.AsyncClient(transport=transport, base_url="http://parley.test")


@pytest.fixture
async def agent(model: TrainedModel) -> AsyncIterator[BotAgent]:
    bot = agent_for(model, SCRIPT)
    yield bot
    await bot.close()


def parse_sse(body: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


async def say(agent: BotAgent, text: str) -> list[tuple[str, dict[str, Any]]]:
    async with await client_for(agent) as client:
        response = await client.post(STREAM, json={"sender": "ana", "message": text})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    return parse_sse(response.text)


async def test_a_template_reply_comes_only_as_a_message_then_done(agent: BotAgent) -> None:
    assert await say(agent, "hello") == [
        ("message", {"recipient_id": "ana", "text": "Hello! How can I help?", "index": 0}),
        ("done", {}),
    ]


async def test_a_rewording_arrives_whole_as_one_checked_message_with_no_draft_tokens(
    agent: BotAgent,
) -> None:
    events = await say(agent, "where is PO-12345")

    final = "Good news: order PO-12345 is on its way to you!"
    assert events == [
        ("message", {"recipient_id": "ana", "text": final, "index": 0}),
        ("done", {}),
    ]


async def test_what_is_streamed_as_final_is_what_is_stored(agent: BotAgent) -> None:
    events = await say(agent, "where is PO-12345")

    stored = [
        e for e in (await agent.tracker(ConversationId("ana"))).events if isinstance(e, BotUttered)
    ]
    assert [e.text for e in stored] == [d["text"] for name, d in events if name == "message"]
    assert stored[-1].metadata["nlg"]["source"] == "llm"


@pytest.mark.parametrize(
    "script",
    [SCRIPT_BREAKING_A_FACT, SCRIPT_FALSE_SECOND_SENTENCE],
    ids=["changed order number", "false fact in the second sentence"],
)
async def test_not_one_token_of_a_refused_draft_reaches_the_client(
    model: TrainedModel, script: dict[str, str]
) -> None:
    events = await say(agent_for(model, script), "where is PO-12345")

    assert events == [
        ("message", {"recipient_id": "ana", "text": "Order PO-12345 is on its way.", "index": 0}),
        ("done", {}),
    ]


async def test_a_failed_turn_ends_with_an_error_then_done(model: TrainedModel) -> None:
    events = await say(agent_for(model, SCRIPT, store=BrokenStore()), "hello")

    assert events[-2:] == [("error", {"error": "the database is down"}), ("done", {})]


async def test_a_malformed_body_is_refused_before_any_event(agent: BotAgent) -> None:
    async with await client_for(agent) as client:
        response = await client.post(STREAM, content=b"{not json")

    assert response.status_code == 400
    assert response.json()["error"] == "malformed JSON body"
