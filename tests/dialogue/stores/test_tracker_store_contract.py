"""What every tracker store promises, checked on SQLite (file and memory), PostgreSQL and memory."""

from __future__ import annotations

import asyncio

import pytest

from dialogue.errors import EventEncodeError, InvalidConversationId
from dialogue.events import (
    ACTION_LISTEN,
    ACTION_SESSION_START,
    EVENT_NAMES,
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    EntitiesAdded,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserFeaturization,
    UserUtteranceReverted,
    UserUttered,
)
from dialogue.interfaces import TrackerStore
from dialogue.locks import InMemoryLockStore
from dialogue.stores import InMemoryTrackerStore, SQLTrackerStore
from dialogue.tracker import ConversationId
from nlu.interfaces import Entity, IntentPrediction, ParseResult

Store = SQLTrackerStore | InMemoryTrackerStore
T0 = 1_700_000_000.125


def order_status_message() -> UserUttered:
    parse = ParseResult(
        text="where is order 42?",
        intent=IntentPrediction("order_status", 0.93),
        entities=(
            Entity(
                "order_id",
                "42",
                start=15,
                end=17,
                extractor="RegexEntityExtractor",
                confidence=0.99,
            ),
        ),
        intent_ranking=(IntentPrediction("order_status", 0.93), IntentPrediction("greet", 0.07)),
    )
    return UserUttered(
        text="where is order 42?",
        parse_data=parse,
        input_channel="rest",
        message_id="m-1",
        metadata={"locale": "en-GB"},
        timestamp=T0 + 2,
    )


def one_event_of_each_type() -> list[Event]:
    return [
        ActionExecuted(name=ACTION_SESSION_START, timestamp=T0),
        SessionStarted(timestamp=T0 + 0.5),
        ActionExecuted(name=ACTION_LISTEN, policy="RulePolicy", confidence=1.0, timestamp=T0 + 1),
        order_status_message(),
        EntitiesAdded(entities=({"entity": "order_id", "value": "42"},), timestamp=T0 + 3),
        SlotSet(name="order", value={"id": "42", "items": [1, 2]}, timestamp=T0 + 4),
        ActiveLoop(name="order_form", timestamp=T0 + 5),
        LoopInterrupted(is_interrupted=True, timestamp=T0 + 6),
        ActionExecutionRejected(name="order_form", policy="RulePolicy", timestamp=T0 + 7),
        FollowupAction(name="utter_ask_order", timestamp=T0 + 8),
        BotUttered(
            text="Order 42 ships today.", data={"buttons": [{"title": "Thanks"}]}, timestamp=T0 + 9
        ),
        UserFeaturization(use_text_for_featurization=False, timestamp=T0 + 10),
        UserUtteranceReverted(timestamp=T0 + 11),
        ActionReverted(timestamp=T0 + 12),
        AllSlotsReset(timestamp=T0 + 13),
        ConversationPaused(timestamp=T0 + 14),
        ConversationResumed(timestamp=T0 + 15),
        Restarted(timestamp=T0 + 16),
    ]


def test_the_fixture_covers_every_event_type() -> None:
    assert {type(e) for e in one_event_of_each_type()} == set(EVENT_NAMES.values())


def test_stores_implement_the_tracker_store_protocol(store: Store) -> None:
    assert isinstance(store, TrackerStore)


async def test_every_event_type_round_trips_unchanged(store: Store) -> None:
    events = one_event_of_each_type()

    await store.append(ConversationId("c1"), events)

    assert await store.retrieve(ConversationId("c1")) == events


async def test_user_message_keeps_its_intent_and_entities(store: Store) -> None:
    await store.append(ConversationId("c1"), [order_status_message()])

    [message] = await store.retrieve(ConversationId("c1"))

    assert isinstance(message, UserUttered)
    assert message.intent_name == "order_status"
    assert message.parse_data is not None
    assert [(e.entity, e.value) for e in message.parse_data.entities] == [("order_id", "42")]


async def test_unknown_conversation_has_no_events(store: Store) -> None:
    assert await store.retrieve(ConversationId("nobody")) == []
    assert await store.retrieve_since(ConversationId("nobody"), 0) == []


async def test_turns_accumulate_in_append_order(store: Store) -> None:
    cid = ConversationId("c1")
    first = [UserUttered(text="hi", timestamp=T0), BotUttered(text="hello", timestamp=T0 + 1)]
    second = [UserUttered(text="bye", timestamp=T0 + 2)]

    await store.append(cid, first)
    await store.append(cid, second)

    assert await store.retrieve(cid) == first + second
    assert await store.retrieve_since(cid, 2) == second
    assert await store.retrieve_since(cid, 3) == []


async def test_appending_nothing_creates_no_conversation(store: Store) -> None:
    await store.append(ConversationId("silent"), [])

    assert await store.conversation_ids() == []


async def test_conversation_ids_lists_each_conversation_once(store: Store) -> None:
    for cid in ["b", "a", "b"]:
        await store.append(ConversationId(cid), [UserUttered(text="hi")])

    assert await store.conversation_ids() == ["a", "b"]


async def test_a_50_kb_message_is_stored_whole(store: Store) -> None:
    text = "My order arrived damaged. " * 2000
    assert len(text) >= 50_000
    message = UserUttered(text=text, timestamp=T0)

    await store.append(ConversationId("long"), [message])

    assert await store.retrieve(ConversationId("long")) == [message]


async def test_unserialisable_event_stores_nothing_of_its_turn(store: Store) -> None:
    turn = [UserUttered(text="hi"), SlotSet(name="colours", value={"red", "blue"})]

    with pytest.raises(EventEncodeError, match="SlotSet"):
        await store.append(ConversationId("c1"), turn)

    assert await store.retrieve(ConversationId("c1")) == []


@pytest.mark.parametrize(
    "unreadable",
    [
        BotUttered(text=12345),  # type: ignore[arg-type]
        BotUttered(text="bad \ud800"),
        UserUttered(text="hi", metadata={"k": "\udc00"}),
        SlotSet(name="price", value=float("nan")),
        SlotSet(name="count", value=10**5000),
        BotUttered(text="hi", data={"buttons": "not a list"}),
    ],
    ids=["int-text", "lone-surrogate", "surrogate-metadata", "nan", "huge-int", "bad-buttons"],
)
async def test_an_event_that_would_not_read_back_is_refused_with_its_turn(
    store: Store, unreadable: Event
) -> None:
    turn = [UserUttered(text="hi"), unreadable]

    with pytest.raises(EventEncodeError):
        await store.append(ConversationId("c1"), turn)

    assert await store.retrieve(ConversationId("c1")) == []
    await store.append(ConversationId("c1"), [UserUttered(text="hi", timestamp=T0)])
    assert await store.retrieve(ConversationId("c1")) == [UserUttered(text="hi", timestamp=T0)]


async def test_concurrent_locked_turns_are_all_stored_in_lock_order(store: Store) -> None:
    locks, cid = InMemoryLockStore(), ConversationId("busy")
    started: list[int] = []
    granted: list[int] = []

    async def turn(index: int) -> None:
        started.append(index)
        async with locks.lock(cid):
            granted.append(index)
            seen = await store.retrieve(cid)
            await store.append(cid, [BotUttered(text=f"turn {index}", data={"seen": len(seen)})])

    await asyncio.gather(*(turn(i) for i in range(20)))

    stored = await store.retrieve(cid)
    assert granted == started
    assert [e.text for e in stored if isinstance(e, BotUttered)] == [f"turn {i}" for i in granted]
    assert [e.data["seen"] for e in stored if isinstance(e, BotUttered)] == list(range(20))


async def test_racing_unlocked_turns_both_land_whole(store: Store) -> None:
    """Without the lock two turns may claim the same sequence numbers; one retry resolves it."""
    cids = [ConversationId(f"race-{i}") for i in range(20)]  # many pairs, so some really race

    async def two_racing_turns(cid: ConversationId) -> None:
        await asyncio.gather(
            store.append(cid, [UserUttered(text="a1"), BotUttered(text="a2")]),
            store.append(cid, [UserUttered(text="b1"), BotUttered(text="b2")]),
        )

    await asyncio.gather(*(two_racing_turns(cid) for cid in cids))

    for cid in cids:
        texts = [getattr(e, "text", None) for e in await store.retrieve(cid)]
        assert texts in (["a1", "a2", "b1", "b2"], ["b1", "b2", "a1", "a2"])


async def test_parallel_conversations_keep_separate_event_lists(store: Store) -> None:
    cids = [ConversationId(f"customer-{i:03}") for i in range(200)]

    async def two_turns(cid: ConversationId) -> None:
        await store.append(cid, [UserUttered(text=f"hello from {cid}")])
        await store.append(cid, [BotUttered(text=f"hi {cid}")])

    await asyncio.gather(*(two_turns(cid) for cid in cids))

    for cid in cids:
        texts = [getattr(e, "text", None) for e in await store.retrieve(cid)]
        assert texts == [f"hello from {cid}", f"hi {cid}"]
    assert await store.conversation_ids() == cids


@pytest.mark.parametrize(
    "bad_id", ["", "x" * 256, "nul\x00inside"], ids=["empty", "too-long", "nul"]
)
async def test_an_id_no_store_can_key_on_is_refused_before_touching_the_store(
    store: Store, bad_id: str
) -> None:
    with pytest.raises(InvalidConversationId):
        await store.append(ConversationId(bad_id), [ActionExecuted(name="action_listen")])
    with pytest.raises(InvalidConversationId):
        await store.retrieve(ConversationId(bad_id))


async def test_names_longer_than_the_analytics_columns_are_stored_whole(store: Store) -> None:
    long_name = "action_" + "x" * 400
    intent = IntentPrediction(name="intent\x00" + "y" * 400, confidence=1.0)
    events = [
        ActionExecuted(name=long_name),
        UserUttered(text="hi", parse_data=ParseResult(text="hi", intent=intent)),
    ]
    await store.append(ConversationId("long-names"), events)
    assert await store.retrieve(ConversationId("long-names")) == events
