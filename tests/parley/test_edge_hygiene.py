"""Text hygiene at the edge: what no store could keep and read back is refused with a JSON 400.

Lone surrogates, NUL characters, over-long strings and integers over Python's
digit limit, on every route that takes text (webhook, stream, parse, events,
sender ids). Nothing of a refused request is stored, and the conversation it
named still reads and goes on. Real agent, real SQLite store.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from actions import ActionResolver, NoCustomActions
from dialogue.locks import InMemoryLockStore
from dialogue.stores import SQLTrackerStore
from dialogue.tracker import ConversationId
from nlg import TemplateNLG
from parley.agent import BotAgent
from parley.channels import RestInput
from parley.channels.http import MAX_STRING_LENGTH
from parley.model import TrainedModel
from parley.server import create_app
from tests.parley.bots import train_bot, write_bot

BASE_URL = "http://parley.test"
HUGE_INT = "9" * 5000

BAD_VALUES = {
    "lone-surrogate": '"hi \\ud800"',
    "low-surrogate": '"\\udc00"',
    "nul": '"hi \\u0000 there"',
    "huge-integer": HUGE_INT,
    "over-long": json.dumps("x" * (MAX_STRING_LENGTH + 1)),
}


@pytest.fixture(scope="module")
def shop_model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    return train_bot(write_bot(tmp_path_factory.mktemp("shop")))[1]


@pytest.fixture
async def agent(shop_model: TrainedModel, tmp_path: Path) -> AsyncIterator[BotAgent]:
    store = await SQLTrackerStore.connect(f"sqlite+aiosqlite:///{tmp_path / 'parley.db'}")
    bot = BotAgent(
        domain=shop_model.domain,
        interpreter=shop_model.interpreter,
        policy=shop_model.policy,
        nlg=TemplateNLG(shop_model.domain.responses),
        actions=ActionResolver(shop_model.domain, NoCustomActions()),
        store=store,
        locks=InMemoryLockStore(),
    )
    yield bot
    await bot.close()


@pytest.fixture
async def client(agent: BotAgent) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(agent, [RestInput()], max_body_bytes=2_000_000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE_URL) as client:
        yield client


def bodies(value: str) -> dict[str, tuple[str, str]]:
    """Route and raw JSON body carrying ``value`` in each place text comes in."""
    return {
        "webhook-message": ("/webhooks/rest/webhook", f'{{"sender": "r4", "message": {value}}}'),
        "webhook-metadata": (
            "/webhooks/rest/webhook",
            f'{{"sender": "r4", "message": "hi", "metadata": {{"k": {value}}}}}',
        ),
        "webhook-sender": ("/webhooks/rest/webhook", f'{{"sender": {value}, "message": "hi"}}'),
        "stream-message": ("/webhooks/rest/stream", f'{{"sender": "r4", "message": {value}}}'),
        "parse": ("/model/parse", f'{{"text": {value}}}'),
        "events": ("/conversations/r4/tracker/events", f'{{"event": "bot", "text": {value}}}'),
        "events-metadata": (
            "/conversations/r4/tracker/events",
            f'{{"event": "slot", "name": "order_number", "value": {value}}}',
        ),
    }


CASES = [
    pytest.param(route, body, id=f"{place}-{kind}")
    for kind, value in BAD_VALUES.items()
    for place, (route, body) in bodies(value).items()
]


@pytest.mark.parametrize(("route", "body"), CASES)
async def test_unstorable_text_gets_a_json_400_and_nothing_is_stored(
    client: httpx.AsyncClient, agent: BotAgent, route: str, body: str
) -> None:
    response = await client.post(route, content=body.encode())

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) >= {"error", "detail"}
    assert await agent.store.conversation_ids() == []
    tracker = await client.get("/conversations/r4/tracker")
    assert tracker.status_code == 200
    reply = await client.post("/webhooks/rest/webhook", json={"sender": "r4", "message": "hello"})
    assert reply.json() == [{"recipient_id": "r4", "text": "Hello! How can I help?"}]


@pytest.mark.parametrize(
    "sender",
    ["", "x" * 256, "nul\x00inside"],
    ids=["empty", "too-long", "nul"],
)
@pytest.mark.parametrize("route", ["/webhooks/rest/webhook", "/webhooks/rest/stream"])
async def test_a_sender_id_no_store_accepts_is_a_400_on_webhook_and_stream_alike(
    client: httpx.AsyncClient, agent: BotAgent, route: str, sender: str
) -> None:
    response = await client.post(route, json={"sender": sender, "message": "hi"})

    assert response.status_code == 400
    refusals = {
        "invalid conversation id",
        "invalid text in the request body",
        "invalid request body",
    }
    assert response.json()["error"] in refusals
    assert await agent.store.conversation_ids() == []


@pytest.mark.parametrize("path_id", ["a%00b", "x" * 256], ids=["nul", "too-long"])
async def test_a_conversation_id_in_the_path_no_store_accepts_is_a_400(
    client: httpx.AsyncClient, path_id: str
) -> None:
    assert (await client.get(f"/conversations/{path_id}/tracker")).status_code == 400
    posted = await client.post(f"/conversations/{path_id}/tracker/events", json={"event": "pause"})
    assert posted.status_code == 400


async def test_valid_unicode_beyond_the_bmp_is_kept(
    client: httpx.AsyncClient, agent: BotAgent
) -> None:
    body = {"sender": "emoji", "message": "hello 👋", "metadata": {"k": "caf\u00e9 \U0001f600"}}

    assert (await client.post("/webhooks/rest/webhook", json=body)).status_code == 200

    tracker = await agent.tracker(ConversationId("emoji"))
    assert tracker.latest_message is not None
    assert tracker.latest_message.text == "hello 👋"
    assert tracker.latest_message.metadata == {"k": "caf\u00e9 \U0001f600"}
