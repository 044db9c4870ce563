"""State the workers of one server must share: channel de-duplication keys and rate limits.

With a Redis lock store, ``parley run`` keeps both in that Redis (keys under
``<lock key_prefix>shared:``, each with a TTL), so N workers behave like one and a
restarted worker remembers the events it already answered: a Slack retry reaching
another worker, or replayed after a restart, is not answered twice, and a sender
cannot multiply its rate limit by the number of workers. Otherwise both live in the
process (:class:`MemorySharedState`).

:func:`shared_state_of` gives a request's channel the server's shared state;
:func:`open_shared_state` builds it from ``endpoints.yml``.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Protocol

from redis import asyncio as aioredis
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Receive, Scope, Send

from parley.security.ratelimit import MemoryBuckets, RateLimit

_SCOPE_KEY = "parley.shared_state"


class SharedState(Protocol):
    async def first_time(self, namespace: str, keys: tuple[str, ...], ttl: float) -> bool:
        """Record ``keys`` of ``namespace`` for ``ttl`` seconds; ``True`` unless any of them
        was recorded before (within its ttl)."""
        ...

    async def wait_for(self, key: str, limit: RateLimit) -> float:
        """Take one token of ``key``'s bucket: 0 when admitted, else seconds until one is free."""
        ...

    async def close(self) -> None: ...


class MemorySharedState(MemoryBuckets):
    """Both kinds of state in this process (one worker, or locks that are not in Redis);
    at most ``max_keys`` de-duplication keys are kept (least recent forgotten)."""

    def __init__(self, max_keys: int = 100_000) -> None:
        super().__init__()
        self._max_keys = max_keys
        self._seen: OrderedDict[str, float] = OrderedDict()  # key -> expiry (monotonic)

    async def first_time(self, namespace: str, keys: tuple[str, ...], ttl: float) -> bool:
        now = time.monotonic()
        names = [f"{namespace}:{key}" for key in keys]
        seen = any(self._seen.get(name, 0.0) > now for name in names)
        for name in names:
            self._seen.pop(name, None)
            self._seen[name] = now + ttl
        while len(self._seen) > self._max_keys:
            self._seen.popitem(last=False)
        return not seen

    async def close(self) -> None:
        return None


# KEYS: the keys to record. ARGV: ttl ms. 1 if none existed (all now set), else 0 (all
# refreshed), so a retry that reaches any worker is recognised.
_FIRST_TIME = """
local seen = 0
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then seen = 1 end
end
for i = 1, #KEYS do redis.call('SET', KEYS[i], 1, 'PX', ARGV[1]) end
return 1 - seen
"""

# KEYS: bucket. ARGV: capacity, seconds to refill it. Returns ms to wait (0 = admitted).
_TAKE_TOKEN = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local capacity, period = tonumber(ARGV[1]), tonumber(ARGV[2]) * 1000
local rate = capacity / period
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]) or capacity, tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(period) + 1000)
return tostring(wait)
"""


class RedisSharedState:
    """Both kinds of state in Redis, under ``key_prefix``, every key with a TTL.

    If Redis fails, de-duplication admits the event and rate limiting admits the
    message (and the failure is raised to the caller's log by neither): a Redis
    outage must not silence the bot; the lock store reports the outage itself.
    """

    def __init__(self, client: aioredis.Redis, key_prefix: str, owns_client: bool = True) -> None:
        self.client = client
        self.key_prefix = key_prefix
        self._owns_client = owns_client
        self._first_time = client.register_script(_FIRST_TIME)
        self._take = client.register_script(_TAKE_TOKEN)

    @classmethod
    def from_url(cls, url: str, key_prefix: str) -> RedisSharedState:
        client = aioredis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        return cls(client, key_prefix)

    async def first_time(self, namespace: str, keys: tuple[str, ...], ttl: float) -> bool:
        names = [f"{self.key_prefix}seen:{namespace}:{key}" for key in keys]
        try:
            return bool(await self._first_time(keys=names, args=[max(1, int(ttl * 1000))]))
        except (RedisError, OSError):
            return True

    async def wait_for(self, key: str, limit: RateLimit) -> float:
        bucket = f"{self.key_prefix}rate:{limit.messages}/{limit.seconds:g}:{key}"
        try:
            waiting = await self._take(keys=[bucket], args=[limit.messages, limit.seconds])
        except (RedisError, OSError):
            return 0.0
        return max(0.0, float(waiting) / 1000)

    async def close(self) -> None:
        if self._owns_client:
            await self.client.aclose()


def shared_state_of(scope: Scope) -> SharedState | None:
    """The server's shared state for this request, if the app was given one."""
    state: SharedState | None = scope.get(_SCOPE_KEY)
    return state


class SharedStateMiddleware:
    """Hands every request the server's :class:`SharedState` (see :func:`shared_state_of`)."""

    def __init__(self, app: ASGIApp, state: SharedState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope[_SCOPE_KEY] = self.state
        await self.app(scope, receive, send)


def open_shared_state(lock_store: object) -> SharedState:
    """Shared state next to the lock store: in its Redis (same server, prefix
    ``<key_prefix>shared:``) when it is a Redis lock store, else in this process."""
    from dialogue.locks.redis import RedisLockStore

    if isinstance(lock_store, RedisLockStore):
        prefix = f"{lock_store.key_prefix}shared:"
        return RedisSharedState(lock_store.client, prefix, owns_client=False)
    return MemorySharedState()
