"""The turn loop, end to end through real NLU, policies, actions, templates and stores."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from actions import ActionResolver, NoCustomActions
from dialogue.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from dialogue.interfaces import TrackerStore
from dialogue.locks import InMemoryLockStore
from dialogue.stores import InMemoryTrackerStore, SQLTrackerStore
from dialogue.tracker import ConversationId
from nlg import TemplateNLG
from parley.agent import BotAgent
from parley.errors import InvalidRequest
from parley.interfaces import UserMessage
from parley.model import TrainedModel
from tests.parley.bots import train_bot, write_bot


@pytest.fixture(scope="module")
def shop_model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    return train_bot(write_bot(tmp_path_factory.mktemp("shop")))[1]


def make_agent(model: TrainedModel, store: TrackerStore) -> BotAgent:
    return BotAgent(
        domain=model.domain,
        interpreter=model.interpreter,
        policy=model.policy,
        nlg=TemplateNLG(model.domain.responses),
        actions=ActionResolver(model.domain, NoCustomActions()),
        store=store,
        locks=InMemoryLockStore(),
        model_id=model.model_id,
    )


@pytest.fixture
async def agent(shop_model: TrainedModel) -> AsyncIterator[BotAgent]:
    bot = make_agent(shop_model, InMemoryTrackerStore())
    yield bot
    await bot.close()


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
async def sql_store(sql_url: str) -> AsyncIterator[SQLTrackerStore]:
    store = await SQLTrackerStore.connect(sql_url)
    yield store
    await store.close()


class Chat:
    """One user talking to the bot; reads like the conversation it tests."""

    def __init__(self, agent: BotAgent, sender: str = "alice") -> None:
        self.agent, self.sender = agent, ConversationId(sender)

    async def user(self, text: str) -> list[str]:
        replies = await self.agent.handle_message(UserMessage(text=text, sender_id=self.sender))
        return [m.text or "" for m in replies]

    async def events(self) -> Sequence[Event]:
        return (await self.agent.tracker(self.sender)).events


async def test_a_greeting_is_answered_and_the_whole_turn_is_stored(agent: BotAgent) -> None:
    chat = Chat(agent)
    assert await chat.user("hello there") == ["Hello! How can I help?"]
    kinds = [type(e).__name__ for e in await chat.events()]
    assert kinds == [
        "ActionExecuted",  # action_session_start
        "SessionStarted",
        "ActionExecuted",  # action_listen
        "UserUttered",
        "ActionExecuted",  # utter_greet
        "BotUttered",
        "ActionExecuted",  # action_listen
    ]


async def test_an_order_number_fills_the_slot_that_the_next_rule_depends_on(
    agent: BotAgent,
) -> None:
    assert await Chat(agent, "bob").user("where is my order") == ["What is your order number?"]
    alice = Chat(agent, "alice")
    assert await alice.user("where is PO-12345") == ["Order PO-12345 is on its way."]
    assert await alice.user("has my order shipped") == ["Order PO-12345 is on its way."]
    slots = (await agent.tracker(ConversationId("alice"))).slots
    assert slots["order_number"] == "PO-12345"


async def test_a_custom_action_nobody_can_run_answers_with_the_fallback_and_the_chat_goes_on(
    agent: BotAgent,
) -> None:
    chat = Chat(agent)
    replies = await chat.user("i want a refund")
    assert replies == ["Sorry, I didn't get that. Could you rephrase?"]
    fallback = next(
        e
        for e in await chat.events()
        if isinstance(e, ActionExecuted) and e.name == "action_default_fallback"
    )
    assert fallback.metadata["failed_action"] == "action_issue_refund"
    assert await chat.user("hello") == ["Hello! How can I help?"]


@pytest.mark.parametrize("text", ["", "   ", "x" * 50_000, "where is " + "PO-12345 " * 5000])
async def test_empty_and_huge_messages_are_answered(agent: BotAgent, text: str) -> None:
    replies = await Chat(agent).user(text)
    assert len(replies) >= 1
    stored = [e for e in await Chat(agent).events() if isinstance(e, UserUttered)]
    assert stored[-1].text == text


async def test_a_button_payload_names_the_intent_directly(agent: BotAgent) -> None:
    chat = Chat(agent)
    assert await chat.user("/greet") == ["Hello! How can I help?"]
    assert await chat.user('/order_status{"order_number": "PO-99999"}') == [
        "Order PO-99999 is on its way."
    ]
    latest = (await agent.tracker(ConversationId("alice"))).latest_message
    assert latest is not None and latest.parse_data is not None
    assert latest.parse_data.intent is not None and latest.parse_data.intent.confidence == 1.0


async def test_a_payload_with_an_unknown_intent_goes_through_nlu_instead(agent: BotAgent) -> None:
    assert await Chat(agent).user("/no_such_intent") != []


async def test_an_expired_session_starts_a_new_one_and_carries_slots_over(agent: BotAgent) -> None:
    two_hours_ago = time.time() - 2 * 3600
    old: list[Event] = [
        SessionStarted(timestamp=two_hours_ago),
        SlotSet(name="order_number", value="PO-77777", timestamp=two_hours_ago),
        ActionExecuted(name="action_listen", timestamp=two_hours_ago),
    ]
    await agent.append_events(ConversationId("alice"), old)
    chat = Chat(agent)
    assert await chat.user("where is my order") == ["Order PO-77777 is on its way."]
    sessions = [e for e in await chat.events() if isinstance(e, SessionStarted)]
    assert len(sessions) == 2


async def test_a_paused_conversation_stores_messages_but_does_not_answer(agent: BotAgent) -> None:
    await agent.append_events(ConversationId("alice"), [ConversationPaused()])
    chat = Chat(agent)
    assert await chat.user("hello") == []
    assert isinstance((await chat.events())[-1], UserUttered)


async def test_concurrent_messages_to_one_conversation_are_handled_one_turn_at_a_time(
    shop_model: TrainedModel, sql_store: SQLTrackerStore
) -> None:
    agent = make_agent(shop_model, sql_store)
    sender = ConversationId("burst")
    texts = [f"hello {i}" for i in range(20)]
    await asyncio.gather(*(agent.handle_message(UserMessage(t, sender)) for t in texts))
    events = await sql_store.retrieve(sender)
    users = [e.text for e in events if isinstance(e, UserUttered)]
    assert users == texts
    turns = [e for e in events if isinstance(e, UserUttered | BotUttered)]
    assert [type(e) for e in turns] == [UserUttered, BotUttered] * 20


async def test_200_parallel_conversations_keep_their_own_state(
    shop_model: TrainedModel, sql_store: SQLTrackerStore
) -> None:
    agent = make_agent(shop_model, sql_store)
    numbers = {ConversationId(f"user-{i}"): f"PO-{10000 + i}" for i in range(200)}
    await asyncio.gather(
        *(agent.handle_message(UserMessage(f"where is {n}", c)) for c, n in numbers.items())
    )
    for conversation, number in numbers.items():
        assert (await agent.tracker(conversation)).slots["order_number"] == number


async def test_a_conversation_survives_a_restart_of_the_bot(
    shop_model: TrainedModel, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'parley.db'}"
    first = make_agent(shop_model, await SQLTrackerStore.connect(url))
    await Chat(first).user("where is PO-24680")
    await first.close()

    second = make_agent(shop_model, await SQLTrackerStore.connect(url))
    assert await Chat(second).user("has my order shipped") == ["Order PO-24680 is on its way."]
    await second.close()


async def test_a_session_start_payload_starts_a_new_session_keeping_slots(agent: BotAgent) -> None:
    chat = Chat(agent)
    await chat.user("where is PO-12345")
    await chat.user("/session_start")
    tracker = await agent.tracker(ConversationId("alice"))
    assert sum(isinstance(e, SessionStarted) for e in tracker.events) == 2
    assert tracker.slots["order_number"] == "PO-12345"
    last_two = [e.name for e in tracker.events[-2:] if isinstance(e, ActionExecuted)]
    assert last_two != ["action_listen", "action_listen"]


async def test_a_restart_forgets_the_conversation(agent: BotAgent) -> None:
    chat = Chat(agent)
    await chat.user("where is PO-12345")
    await chat.user("/restart")
    assert (await agent.tracker(ConversationId("alice"))).slots["order_number"] is None
    assert await chat.user("where is my order") == ["What is your order number?"]


async def test_events_setting_a_slot_the_domain_lacks_are_refused(agent: BotAgent) -> None:
    with pytest.raises(InvalidRequest, match="nope"):
        await agent.append_events(ConversationId("alice"), [SlotSet(name="nope", value=1)])
    assert (await agent.tracker(ConversationId("alice"))).events == ()
