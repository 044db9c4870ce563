"""Redis conversation locks: one turn at a time per conversation across processes, in
arrival order, and a crashed holder blocks its conversation only for ``lock_lifetime``."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest
from redis import asyncio as aioredis

from dialogue.errors import LockTimeout, StoreConfigurationError
from dialogue.interfaces import LockStore
from dialogue.locks import LOCK_STORES, LockStoreUnavailable, RedisLockStore
from dialogue.tracker import ConversationId

REDIS_URL = os.environ.get("PARLEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CID = ConversationId("customer-1")

Opener = Callable[..., Coroutine[Any, Any, RedisLockStore]]


@pytest.fixture(scope="module")
def redis_url() -> str:
    """The test Redis; unreachable skips locally and fails in CI."""
    client = aioredis.Redis.from_url(REDIS_URL)
    host = client.connection_pool.connection_kwargs.get("host", "127.0.0.1")
    port = client.connection_pool.connection_kwargs.get("port", 6379)
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as e:
        reason = f"Redis at {host}:{port} is unreachable ({e}); set PARLEY_TEST_REDIS_URL"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}. CI must run the Redis tests.", pytrace=False)
        pytest.skip(reason)
    return REDIS_URL


@pytest.fixture
async def open_locks(redis_url: str) -> AsyncIterator[Opener]:
    """Opens lock stores that share one fresh key prefix, like processes sharing a Redis."""
    prefix = f"parley-test:{uuid.uuid4().hex}:"
    opened: list[RedisLockStore] = []

    async def open_store(**options: Any) -> RedisLockStore:
        store = await LOCK_STORES.get("redis")(redis_url, {"key_prefix": prefix, **options})
        assert isinstance(store, RedisLockStore)
        opened.append(store)
        return store

    yield open_store
    cleaner = aioredis.Redis.from_url(redis_url)
    keys = [key async for key in cleaner.scan_iter(match=f"{prefix}*")]
    if keys:
        await cleaner.delete(*keys)
    await cleaner.aclose()
    for store in opened:
        await store.close()


async def hold(locks: LockStore, cid: ConversationId, release: asyncio.Event) -> None:
    async with locks.lock(cid):
        await release.wait()


async def start_holding(
    locks: LockStore, cid: ConversationId
) -> tuple[asyncio.Task[None], asyncio.Event]:
    release = asyncio.Event()
    task = asyncio.create_task(hold(locks, cid, release))
    await asyncio.sleep(0.05)  # the holder has its ticket and the lock
    return task, release


async def test_redis_lock_store_implements_the_protocol(open_locks: Opener) -> None:
    assert isinstance(await open_locks(), LockStore)


async def test_waiters_from_several_processes_get_the_lock_in_arrival_order(
    open_locks: Opener,
) -> None:
    processes = [await open_locks(), await open_locks(), await open_locks()]
    granted: list[int] = []
    holder, release = await start_holding(processes[0], CID)

    async def turn(index: int) -> None:
        async with processes[index % 3].lock(CID):
            granted.append(index)

    waiters = []
    for index in range(12):
        waiters.append(asyncio.create_task(turn(index)))
        await asyncio.sleep(0.02)  # this waiter's ticket is taken before the next one asks
    release.set()
    await asyncio.gather(holder, *waiters)

    assert granted == list(range(12))


async def test_only_one_turn_of_a_conversation_runs_at_a_time_across_processes(
    open_locks: Opener,
) -> None:
    processes = [await open_locks(), await open_locks()]
    inside, most_inside, turns = 0, 0, 0

    async def turn(index: int) -> None:
        nonlocal inside, most_inside, turns
        async with processes[index % 2].lock(CID):
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0.002)
            inside -= 1
            turns += 1

    await asyncio.gather(*(turn(i) for i in range(30)))

    assert (most_inside, turns) == (1, 30)


async def test_other_conversations_are_not_blocked(open_locks: Opener) -> None:
    locks = await open_locks()
    holder, release = await start_holding(locks, CID)

    async with asyncio.timeout(1), locks.lock(ConversationId("customer-2")):
        pass

    release.set()
    await holder


async def test_lock_is_released_when_the_turn_fails(open_locks: Opener) -> None:
    locks = await open_locks(wait_timeout=1)

    with pytest.raises(RuntimeError, match="action server down"):
        async with locks.lock(CID):
            raise RuntimeError("action server down")

    async with asyncio.timeout(1), locks.lock(CID):
        pass


async def test_waiting_too_long_raises_lock_timeout_and_others_keep_their_place(
    open_locks: Opener,
) -> None:
    locks, granted = await open_locks(), []
    impatient_process = await open_locks(wait_timeout=0.2)
    holder, release = await start_holding(locks, CID)

    async def impatient() -> None:
        async with impatient_process.lock(CID):
            granted.append("impatient")

    async def patient() -> None:
        async with locks.lock(CID):
            granted.append("patient")

    first = asyncio.create_task(impatient())
    await asyncio.sleep(0.05)
    second = asyncio.create_task(patient())
    with pytest.raises(LockTimeout, match="customer-1"):
        await first
    release.set()
    await asyncio.gather(holder, second)

    assert granted == ["patient"]


async def test_a_turn_longer_than_the_lifetime_keeps_its_lock(open_locks: Opener) -> None:
    holder_process, waiter_process = await open_locks(lock_lifetime=0.3), await open_locks()
    order: list[str] = []

    async def long_turn() -> None:
        async with holder_process.lock(CID):
            order.append("long turn starts")
            await asyncio.sleep(1.0)  # over three lifetimes; the heartbeat keeps it
            order.append("long turn ends")

    async def next_turn() -> None:
        async with waiter_process.lock(CID):
            order.append("next turn")

    first = asyncio.create_task(long_turn())
    await asyncio.sleep(0.05)
    await asyncio.gather(first, next_turn())

    assert order == ["long turn starts", "long turn ends", "next turn"]


CRASHING_HOLDER = """
import asyncio, sys
from dialogue.locks import LOCK_STORES

async def main():
    locks = await LOCK_STORES.get("redis")(sys.argv[1], {"key_prefix": sys.argv[2],
                                                         "lock_lifetime": 1.0})
    async with locks.lock("customer-1"):
        print("holding", flush=True)
        await asyncio.sleep(600)

asyncio.run(main())
"""


async def test_a_killed_holder_blocks_the_conversation_only_until_its_lock_expires(
    open_locks: Opener, redis_url: str
) -> None:
    locks = await open_locks()
    prefix = locks.key_prefix
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CRASHING_HOLDER), redis_url, prefix],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert await asyncio.to_thread(holder.stdout.readline) == "holding\n"
        with pytest.raises(LockTimeout):  # the live holder really holds it
            async with (await open_locks(wait_timeout=0.3)).lock(CID):
                pass
        holder.kill()  # SIGKILL: no release, no more heartbeats
        holder.wait(timeout=10)
        killed = time.monotonic()
        async with asyncio.timeout(5), locks.lock(CID):
            waited = time.monotonic() - killed
    finally:
        holder.kill()
        holder.wait(timeout=10)

    assert waited <= 1.0 + 1.0  # one lifetime after the last heartbeat, plus polling


async def test_released_locks_leave_only_an_expiring_counter(
    open_locks: Opener, redis_url: str
) -> None:
    locks = await open_locks(lock_lifetime=5)
    for _ in range(3):
        async with locks.lock(CID):
            pass

    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    keys = [key async for key in client.scan_iter(match=f"{locks.key_prefix}*")]
    ttls = [await client.pttl(key) for key in keys]
    await client.aclose()
    assert [key.rsplit(":", 1)[-1] for key in keys] == ["next"]
    assert 0 < ttls[0] <= 4 * 5000


async def test_an_unreachable_redis_raises_lock_store_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens
    locks = await LOCK_STORES.get("redis")(f"redis://127.0.0.1:{port}/0", {})
    assert isinstance(locks, RedisLockStore)

    with pytest.raises(LockStoreUnavailable):
        async with locks.lock(CID):
            pytest.fail("a lock was granted without Redis")
    with pytest.raises(LockStoreUnavailable):
        await locks.ping()
    await locks.close()


async def test_registry_builds_the_url_from_rasa_style_settings() -> None:
    locks = await LOCK_STORES.get("RedisLockStore")(
        "cache.internal", {"port": 6380, "db": 2, "password": "s3cret", "lock_lifetime": 30}
    )
    assert isinstance(locks, RedisLockStore)

    kwargs = locks.client.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["password"]) == (
        "cache.internal",
        6380,
        2,
        "s3cret",
    )
    assert locks.lock_lifetime == 30
    await locks.close()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lifetime": 60}, "unknown redis lock store setting.*lifetime"),
        ({"lock_lifetime": 0}, "lock_lifetime must be positive"),
        ({"wait_timeout": "soon"}, "wait_timeout must be a number"),
    ],
    ids=["unknown-option", "zero-lifetime", "non-numeric-timeout"],
)
async def test_registry_rejects_bad_redis_settings(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(StoreConfigurationError, match=message):
        await LOCK_STORES.get("redis")("redis://127.0.0.1:6379/0", options)
