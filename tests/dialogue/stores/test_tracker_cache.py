"""The tracker cache reads only what was stored since a conversation's last read, and
what it gives is always the conversation as stored."""

from __future__ import annotations

from collections.abc import Sequence

from dialogue.events import Event, UserUtteranceReverted
from dialogue.state import replay
from dialogue.stores import InMemoryTrackerStore
from dialogue.stores.cache import TrackerCache
from dialogue.tracker import ConversationId, Tracker
from tests.dialogue.stores.conftest import Backend, Store
from tests.dialogue.test_state import listen, ran, slot, user

C = ConversationId("alice")
SLOTS = {"email": None}
TURN = [listen(), user("hi", "greet"), ran("utter_greet")]
EMAIL = slot("email", "a@b.c")


class CountingStore:
    """A store that counts the events it hands out."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.read = 0

    async def retrieve(self, conversation_id: ConversationId) -> list[Event]:
        events = await self.inner.retrieve(conversation_id)
        self.read += len(events)
        return events

    async def retrieve_from(
        self, conversation_id: ConversationId, seq: int
    ) -> tuple[list[Event], int]:
        events, last = await self.inner.retrieve_from(conversation_id, seq)
        self.read += len(events)
        return events, last

    async def append(self, conversation_id: ConversationId, events: Sequence[Event]) -> None:
        await self.inner.append(conversation_id, events)


async def test_a_second_read_gets_only_the_new_events(store: Store) -> None:
    counting = CountingStore(store)
    cache = TrackerCache(counting)  # type: ignore[arg-type]
    await store.append(C, TURN)
    first = await cache.tracker(C, SLOTS)
    await store.append(C, [EMAIL])
    second = await cache.tracker(C, SLOTS)
    assert counting.read == len(TURN) + 1
    assert second.events == (*first.events, EMAIL)
    assert second.state == replay(await store.retrieve(C), SLOTS)


async def test_events_another_writer_stored_are_read(backend: Backend) -> None:
    mine, other = await backend.open(), await backend.open()
    if backend.url is None:
        other = mine  # the in-memory store has no second client
    try:
        cache = TrackerCache(mine)
        await mine.append(C, TURN)
        await cache.tracker(C, SLOTS)
        await other.append(C, [UserUtteranceReverted(), slot("email", "z@y.x")])
        tracker = await cache.tracker(C, SLOTS)
        assert list(tracker.events) == await mine.retrieve(C)
        assert tracker.state == replay(tracker.events, SLOTS)
    finally:
        await mine.close()
        if other is not mine:
            await other.close()


async def test_a_turn_stored_after_its_read_is_kept_with_its_derived_state() -> None:
    store = InMemoryTrackerStore()
    counting = CountingStore(store)
    cache = TrackerCache(counting)  # type: ignore[arg-type]
    await store.append(C, TURN)
    read = await cache.tracker(C, SLOTS)
    now = read.appended(user("bye", "goodbye"), ran("utter_goodbye"))
    assert now.state.latest_action == "utter_goodbye"
    await store.append(C, now.events[len(read.events) :])
    cache.stored(C, read, now, 2)
    counting.read = 0
    again = await cache.tracker(C, SLOTS)
    assert counting.read == 0
    assert again is now and "state" in again.__dict__
    assert list(again.events) == await store.retrieve(C)


async def test_a_turn_whose_read_is_no_longer_kept_is_read_again_in_full() -> None:
    store = InMemoryTrackerStore()
    cache = TrackerCache(store, size=1)
    await store.append(C, TURN)
    read = await cache.tracker(C, SLOTS)
    await cache.tracker(ConversationId("bob"), SLOTS)  # pushes alice out
    stale = read.appended(ran("utter_wrong"))
    cache.stored(C, read, stale, 1)  # alice was not kept: nothing to update
    assert (await cache.tracker(C, SLOTS)).events == tuple(TURN)


async def test_a_store_without_retrieve_from_is_read_whole() -> None:
    class PlainStore:
        def __init__(self) -> None:
            self.inner = InMemoryTrackerStore()

        async def retrieve(self, conversation_id: ConversationId) -> list[Event]:
            return await self.inner.retrieve(conversation_id)

    plain = PlainStore()
    await plain.inner.append(C, TURN)
    cache = TrackerCache(plain)  # type: ignore[arg-type]
    assert await cache.tracker(C, SLOTS) == Tracker(C, tuple(TURN), SLOTS)
    await plain.inner.append(C, [slot("email", "a@b.c")])
    assert (await cache.tracker(C, SLOTS)).state.slots["email"] == "a@b.c"


async def test_at_most_size_conversations_are_kept() -> None:
    store = InMemoryTrackerStore()
    cache = TrackerCache(store, size=2)
    for name in ("a", "b", "c"):
        await store.append(ConversationId(name), TURN)
        await cache.tracker(ConversationId(name), SLOTS)
    assert list(cache._kept) == ["b", "c"]
