"""Hand-off to a person: a paused conversation gets no bot replies until the API releases it,
except one ``utter_handoff_waiting`` per hand-off when the domain has that response."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from actions import ActionResolver, NoCustomActions
from dialogue.domain import ResponseVariation
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


WAITING = "A person from our team will reply here."


@pytest.fixture(params=[False, True], ids=["silent", "with-notice"])
async def client(
    model: TrainedModel, request: pytest.FixtureRequest
) -> AsyncIterator[httpx.AsyncClient]:
    domain = model.domain
    if request.param:
        notice = {"utter_handoff_waiting": (ResponseVariation(text=WAITING),)}
        domain = domain.model_copy(update={"responses": {**domain.responses, **notice}})
    agent = BotAgent(
        domain=domain,
        interpreter=model.interpreter,
        policy=model.policy,
        nlg=TemplateNLG(domain.responses),
        actions=ActionResolver(domain, NoCustomActions()),
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
    notice = "utter_handoff_waiting" in agent.domain.responses
    first = [m.text for m in await agent.handle_message(_message("hello"))]
    assert first == ([WAITING] if notice else [])
    assert await agent.handle_message(_message("anyone there?")) == []  # once per hand-off
    stored = await agent.tracker("jo")  # type: ignore[arg-type]
    said = [e.text for e in stored.events if isinstance(e, UserUttered)]
    assert said == ["hello", "anyone there?"]

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
