"""Conversation locks: one turn at a time per conversation, first come first served."""

from __future__ import annotations

import asyncio

import pytest

from dialogue.errors import LockTimeout, StoreConfigurationError
from dialogue.interfaces import LockStore
from dialogue.locks import LOCK_STORES, InMemoryLockStore
from dialogue.tracker import ConversationId

CID = ConversationId("customer-1")


async def hold(locks: InMemoryLockStore, cid: ConversationId, release: asyncio.Event) -> None:
    async with locks.lock(cid):
        await release.wait()


async def start_holding(
    locks: InMemoryLockStore, cid: ConversationId
) -> tuple[asyncio.Task[None], asyncio.Event]:
    """Start a task that holds ``cid``'s lock until the returned event is set."""
    release = asyncio.Event()
    task = asyncio.create_task(hold(locks, cid, release))
    await asyncio.sleep(0)
    return task, release


def test_in_memory_lock_store_implements_the_protocol() -> None:
    assert isinstance(InMemoryLockStore(), LockStore)


async def test_waiters_get_the_lock_in_arrival_order() -> None:
    locks, granted = InMemoryLockStore(), []
    holder, release = await start_holding(locks, CID)

    async def turn(index: int) -> None:
        async with locks.lock(CID):
            granted.append(index)
            await asyncio.sleep(0)

    waiters = []
    for index in range(10):
        waiters.append(asyncio.create_task(turn(index)))
        await asyncio.sleep(0)  # this waiter is queued before the next one arrives
    release.set()
    await asyncio.gather(holder, *waiters)

    assert granted == list(range(10))


async def test_only_one_turn_of_a_conversation_runs_at_a_time() -> None:
    locks, inside, most_inside = InMemoryLockStore(), 0, 0

    async def turn() -> None:
        nonlocal inside, most_inside
        async with locks.lock(CID):
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0.001)
            inside -= 1

    await asyncio.gather(*(turn() for _ in range(20)))

    assert most_inside == 1


async def test_other_conversations_are_not_blocked() -> None:
    locks = InMemoryLockStore()
    holder, release = await start_holding(locks, CID)

    async with asyncio.timeout(1):
        async with locks.lock(ConversationId("customer-2")):
            pass

    release.set()
    await holder


async def test_lock_is_released_when_the_turn_fails() -> None:
    locks = InMemoryLockStore(wait_timeout=1)

    with pytest.raises(RuntimeError, match="action server down"):
        async with locks.lock(CID):
            raise RuntimeError("action server down")

    async with locks.lock(CID):
        assert locks.active_conversations == {CID}
    assert locks.active_conversations == frozenset()


async def test_locks_are_forgotten_once_nobody_holds_or_waits() -> None:
    locks = InMemoryLockStore()

    async def turn(cid: ConversationId) -> None:
        async with locks.lock(cid):
            await asyncio.sleep(0)

    await asyncio.gather(*(turn(ConversationId(f"c{i % 100}")) for i in range(1000)))

    assert locks.active_conversations == frozenset()


async def test_waiting_too_long_raises_lock_timeout() -> None:
    locks = InMemoryLockStore(wait_timeout=0.05)
    holder, release = await start_holding(locks, CID)

    with pytest.raises(LockTimeout, match="customer-1") as raised:
        async with locks.lock(CID):
            pytest.fail("the lock was granted while another turn held it")

    assert raised.value.conversation_id == CID
    release.set()
    await holder
    assert locks.active_conversations == frozenset()


async def test_a_timed_out_waiter_does_not_block_those_behind_it() -> None:
    locks, granted = InMemoryLockStore(wait_timeout=0.2), []
    holder, release = await start_holding(locks, CID)

    async def impatient() -> None:
        with pytest.raises(LockTimeout):
            async with locks.lock(CID):
                granted.append("impatient")

    async def patient() -> None:
        async with locks.lock(CID):
            granted.append("patient")

    first = asyncio.create_task(impatient())
    await asyncio.sleep(0.1)
    second = asyncio.create_task(patient())  # queued behind first, gives up 0.1 s after it
    await first  # times out while the holder still holds
    release.set()
    await asyncio.gather(holder, second)

    assert granted == ["patient"]


@pytest.mark.parametrize("wait_timeout", [0, -1])
def test_wait_timeout_must_be_positive(wait_timeout: float) -> None:
    with pytest.raises(StoreConfigurationError, match="positive"):
        InMemoryLockStore(wait_timeout=wait_timeout)


@pytest.mark.parametrize("name", ["in_memory", "memory", "InMemoryLockStore"])
async def test_registry_opens_in_memory_lock_store_with_options(name: str) -> None:
    locks = await LOCK_STORES.get(name)(None, {"wait_timeout": 2.5})

    assert isinstance(locks, InMemoryLockStore)
    assert locks.wait_timeout == 2.5


@pytest.mark.parametrize(
    ("url", "options", "message"),
    [
        (None, {"lock_lifetime": 60}, "unknown .* lock_lifetime"),
        ("redis://localhost", {}, "unknown .* url"),
        (None, {"wait_timeout": "soon"}, "must be a number"),
    ],
    ids=["unknown-option", "url", "non-numeric-timeout"],
)
async def test_registry_rejects_bad_lock_store_settings(
    url: str | None, options: dict[str, object], message: str
) -> None:
    with pytest.raises(StoreConfigurationError, match=message):
        await LOCK_STORES.get("in_memory")(url, options)
