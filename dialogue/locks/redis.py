"""Conversation locks in Redis, shared by every process and machine that serves the bot.

Each conversation has three keys (``<prefix>{<id>}:...``):

* ``next`` — a counter; ``INCR`` hands out tickets in the order requests reach Redis;
* ``queue`` — a sorted set of the tickets waiting or holding, lowest first;
* ``deadlines`` — a hash ``ticket -> milliseconds`` (Redis clock) until which the
  ticket's owner is presumed alive.

The lowest live ticket holds the lock. Owners refresh their deadline while they
wait (every poll) and while they hold the lock (a heartbeat every third of
``lock_lifetime``), so a long turn keeps its lock, while the tickets of a crashed
process expire ``lock_lifetime`` seconds after its last refresh and are removed by
the next waiter: a crash blocks its conversations at most that long. The lease is
short (4 s by default), so a killed worker's conversations go on within seconds; a
holder whose event loop stalls longer than the lease loses its lock (logged). Idle
conversations' keys expire on their own. All changes run in Lua scripts, so each
step is atomic.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, Self

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from dialogue.errors import LockTimeout, StoreConfigurationError
from dialogue.interfaces import LockStore
from dialogue.locks.errors import LockStoreUnavailable
from dialogue.locks.registry import LOCK_STORES, refuse_unknown, seconds_option
from dialogue.tracker import ConversationId

log = logging.getLogger(__name__)

DEFAULT_LOCK_LIFETIME = 4.0
DEFAULT_KEY_PREFIX = "parley:lock:"
_FIRST_POLL, _LAST_POLL = 0.002, 0.05  # seconds between checks while waiting

_NOW_MS = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""
_KEEP_KEYS = "for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[IDLE]) end\n"

# Drops expired tickets at the head of the queue and returns the head ticket (-1: none).
_HEAD = """
while true do
  local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if not head then return HEAD_OR_NONE end
  local deadline = tonumber(redis.call('HGET', KEYS[3], head) or '0')
  if deadline >= now then return HEAD end
  redis.call('ZREM', KEYS[2], head)
  redis.call('HDEL', KEYS[3], head)
end
"""

# KEYS: next, queue, deadlines. ARGV: lifetime ms, idle ms. Returns {ticket, head}: a
# lock nobody holds is taken in this one call, without a first refresh.
_TAKE_TICKET = (
    _NOW_MS
    + """
local ticket = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], ticket, ticket)
redis.call('HSET', KEYS[3], ticket, now + tonumber(ARGV[1]))
"""
    + _KEEP_KEYS.replace("IDLE", "2")
    + _HEAD.replace("HEAD_OR_NONE", "{ticket, -1}").replace("HEAD", "{ticket, tonumber(head)}")
)

# KEYS: next, queue, deadlines. ARGV: ticket, lifetime ms, idle ms.
# Refreshes the ticket's deadline, drops expired tickets at the head of the queue
# and returns the head ticket; -1 if the caller's own ticket is gone (it expired).
_REFRESH_AND_HEAD = (
    _NOW_MS
    + """
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then return -1 end
redis.call('HSET', KEYS[3], ARGV[1], now + tonumber(ARGV[2]))
"""
    + _KEEP_KEYS.replace("IDLE", "3")
    + _HEAD.replace("HEAD_OR_NONE", "-1").replace("HEAD", "tonumber(head)")
)

# KEYS: queue, deadlines. ARGV: ticket.
_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
"""


class RedisLockStore:
    """Per-conversation FIFO locks across processes, with expiry for crashed holders.

    ``wait_timeout`` (seconds, ``None`` = wait as long as it takes) bounds the wait
    for a lock and raises :class:`~dialogue.errors.LockTimeout`. Redis failures
    raise :class:`~dialogue.locks.errors.LockStoreUnavailable` before the turn runs;
    a failure to release is logged and left to expiry, never raised over a turn
    that already ran.
    """

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        lock_lifetime: float = DEFAULT_LOCK_LIFETIME,
        wait_timeout: float | None = None,
    ) -> None:
        if lock_lifetime <= 0 or (wait_timeout is not None and wait_timeout <= 0):
            raise StoreConfigurationError("lock_lifetime and wait_timeout must be positive")
        self.client = client
        self.key_prefix = key_prefix
        self.lock_lifetime = lock_lifetime
        self.wait_timeout = wait_timeout
        self._take = client.register_script(_TAKE_TICKET)
        self._head = client.register_script(_REFRESH_AND_HEAD)
        self._release = client.register_script(_RELEASE)

    @classmethod
    def from_url(cls, url: str, **settings: Any) -> Self:
        """A store on a new client for ``redis://[:password@]host[:port][/db]``; no I/O."""
        try:
            client = aioredis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        except ValueError as e:
            raise StoreConfigurationError(f"invalid Redis URL {url!r}: {e}") from e
        return cls(client, **settings)

    @asynccontextmanager
    async def lock(self, conversation_id: ConversationId) -> AsyncIterator[None]:
        """Hold the conversation's lock for the ``async with`` body; released even on error."""
        keys = self._keys(conversation_id)
        ticket, head = await self._call(self._take, keys, [self._lifetime_ms, self._idle_ms])
        try:
            await self._wait_for_turn(conversation_id, keys, ticket, head)
        except BaseException:
            await asyncio.shield(self._give_back(keys, ticket))
            raise
        heartbeat = asyncio.create_task(self._keep_alive(conversation_id, keys, ticket))
        try:
            yield
        finally:
            heartbeat.cancel()
            await asyncio.shield(self._give_back(keys, ticket))

    async def ping(self) -> None:
        """Raise :class:`LockStoreUnavailable` unless Redis answers."""
        try:
            await self.client.ping()
        except (RedisError, OSError) as e:
            raise LockStoreUnavailable(f"Redis lock store is unreachable: {e}") from e

    async def close(self) -> None:
        await self.client.aclose()

    @property
    def _lifetime_ms(self) -> int:
        return max(1, int(self.lock_lifetime * 1000))

    @property
    def _idle_ms(self) -> int:
        return self._lifetime_ms * 4

    def _keys(self, conversation_id: ConversationId) -> list[str]:
        base = f"{self.key_prefix}{{{conversation_id}}}"
        return [f"{base}:next", f"{base}:queue", f"{base}:deadlines"]

    async def _wait_for_turn(
        self, conversation_id: ConversationId, keys: list[str], ticket: int, head: int
    ) -> None:
        pause = _FIRST_POLL
        try:
            async with asyncio.timeout(self.wait_timeout):
                while head != ticket:
                    if head == -1:  # our ticket expired: this process stalled too long
                        raise LockTimeout(conversation_id, self.lock_lifetime)
                    await asyncio.sleep(pause)
                    pause = min(pause * 1.5, _LAST_POLL)
                    head = await self._refresh(keys, ticket)
        except TimeoutError as e:
            raise LockTimeout(conversation_id, self.wait_timeout or 0.0) from e

    async def _keep_alive(
        self, conversation_id: ConversationId, keys: list[str], ticket: int
    ) -> None:
        while True:
            await asyncio.sleep(self.lock_lifetime / 3)
            try:
                head = await self._refresh(keys, ticket)
            except LockStoreUnavailable as e:
                log.warning("conversation %s: cannot refresh its lock: %s", conversation_id, e)
                continue
            if head != ticket:
                log.error(
                    "conversation %s: its lock expired while the turn ran (longer than "
                    "lock_lifetime=%gs without a refresh)",
                    conversation_id,
                    self.lock_lifetime,
                )
                return

    async def _refresh(self, keys: list[str], ticket: int) -> int:
        head = await self._call(self._head, keys, [ticket, self._lifetime_ms, self._idle_ms])
        return int(head)

    async def _give_back(self, keys: list[str], ticket: int) -> None:
        try:
            await self._call(self._release, keys[1:], [ticket])
        except LockStoreUnavailable as e:
            log.error("could not release lock ticket %d (%s); it expires on its own", ticket, e)

    async def _call(self, script: Any, keys: list[str], args: list[int]) -> Any:
        """The script's answer: an integer, or a list of integers."""
        try:
            result = await script(keys=keys, args=args)
        except (RedisError, OSError) as e:
            raise LockStoreUnavailable(f"Redis lock store failed: {e}") from e
        if isinstance(result, list):
            return [int(x) for x in result]
        return int(result) if result is not None else 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.client!r}, key_prefix={self.key_prefix!r})"


_SETTINGS = {"port", "db", "password", "key_prefix", "lock_lifetime", "wait_timeout", "use_ssl"}


@LOCK_STORES.register("redis", "RedisLockStore")
async def open_redis_lock_store(url: str | None, options: Mapping[str, Any]) -> LockStore:
    """A :class:`RedisLockStore`. ``url`` is a ``redis://`` URL, or (Rasa) the host name
    completed by ``port``, ``db``, ``password`` and ``use_ssl``. Other settings:
    ``key_prefix``, ``lock_lifetime`` (the lease, seconds, default 4), ``wait_timeout``
    (seconds).
    No connection is made until the first lock.
    """
    refuse_unknown("redis", options, _SETTINGS)
    lifetime = seconds_option(options, "lock_lifetime", DEFAULT_LOCK_LIFETIME)
    prefix = options.get("key_prefix") or DEFAULT_KEY_PREFIX
    return RedisLockStore.from_url(
        redis_url(url, options),
        key_prefix=str(prefix),
        lock_lifetime=lifetime or DEFAULT_LOCK_LIFETIME,
        wait_timeout=seconds_option(options, "wait_timeout", None),
    )


def redis_url(url: str | None, options: Mapping[str, Any]) -> str:
    """A full ``redis://`` URL from a URL, or from Rasa's host/port/db/password/use_ssl."""
    if url and "://" in url:
        return url
    scheme = "rediss" if options.get("use_ssl") else "redis"
    password = options.get("password")
    auth = f":{password}@" if password else ""
    host, port, db = url or "localhost", options.get("port") or 6379, options.get("db") or 0
    return f"{scheme}://{auth}{host}:{port}/{db}"
