"""Hand-off to a person: a paused conversation gets no bot replies until the API releases it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from actions import ActionResolver, NoCustomActions
from dialogue.events import ConversationPaused, UserUttered
from dialogue.locks import InMemoryLockStore
from dialogue.stores import InMemoryTrackerStore
from nlg import TemplateNLG
from parley.agent import BotAgent
from parley.model import TrainedModel
from parley.server import create_app
from tests.parley.bots import train_bot, write_bot


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    return train_bot(write_bot(tmp_path_factory.mktemp("handoff")))[1]


@pytest.fixture
async def client(model: TrainedModel) -> AsyncIterator[httpx.AsyncClient]:
    agent = BotAgent(
        domain=model.domain,
        interpreter=model.interpreter,
        policy=model.policy,
        nlg=TemplateNLG(model.domain.responses),
        actions=ActionResolver(model.domain, NoCustomActions()),
        store=InMemoryTrackerStore(),
        locks=InMemoryLockStore(),
    )
    app = create_app(agent, [])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        c.agent = agent  # type: ignore[attr-defined]
        yield c
    await agent.close()


async def test_a_paused_conversation_is_quiet_until_released(client: httpx.AsyncClient) -> None:
    agent: BotAgent = client.agent  # type: ignore[attr-defined]
    await agent.append_events("jo", [ConversationPaused()])  # type: ignore[arg-type]
    assert (await client.get("/conversations/jo/handoff")).json() == {
        "conversation_id": "jo",
        "paused": True,
    }
    assert await agent.handle_message(_message("hello")) == []
    stored = await agent.tracker("jo")  # type: ignore[arg-type]
    assert [e.text for e in stored.events if isinstance(e, UserUttered)] == ["hello"]

    released = (await client.post("/conversations/jo/handoff/release")).json()

    assert released == {"conversation_id": "jo", "paused": False, "released": True}
    assert [m.text for m in await agent.handle_message(_message("hello"))] == [
        "Hello! How can I help?"
    ]


async def test_releasing_a_conversation_that_is_not_paused_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    released = (await client.post("/conversations/kim/handoff/release")).json()
    assert released == {"conversation_id": "kim", "paused": False, "released": False}


def _message(text: str):  # type: ignore[no-untyped-def]
    from parley.interfaces import UserMessage

    return UserMessage(text=text, sender_id="jo")  # type: ignore[arg-type]
