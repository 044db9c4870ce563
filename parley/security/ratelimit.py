"""Per-sender rate limiting of the channel webhooks.

Each sender (conversation id, per channel) gets a token bucket: ``messages``
fill it, one message takes one token, and it refills at ``messages`` per
``seconds``. A bursty human stays well inside; a script flooding one
conversation gets 429 with ``Retry-After`` and a JSON body saying when to retry.

:class:`SenderRateLimitMiddleware` limits every ``POST /webhooks/...`` whose
JSON body names a ``sender`` (the REST channel and its stream, Rasa-style custom
channels). Channels whose sender lies elsewhere in the payload (Slack) call
:func:`check_sender` themselves. With an address limit it also limits those
posts per client address, so a caller rotating sender ids is still held to a
limit; platforms that sign their requests (Slack, from a few addresses) are not, and
neither is this machine's own loopback address: a request from there is the operator's
own tooling, or a reverse proxy that did not name the client it forwards for (with
``X-Forwarded-For`` from a local proxy, the server sees the real client address).
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley.security.errors import RateLimited

_LIMITER_KEY = "parley.rate_limiter"
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)?\s*(s|sec|second|m|min|minute|h|hour)?\s*$")
_UNIT_SECONDS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600}
_UNIT_SECONDS["hour"] = 3600


@dataclass(frozen=True)
class RateLimit:
    """At most ``messages`` per ``seconds`` for each sender (bursts up to ``messages``)."""

    messages: int
    seconds: float

    def __post_init__(self) -> None:
        if self.messages < 1 or self.seconds <= 0:
            raise ValueError(f"a rate limit needs messages >= 1 and seconds > 0, not {self}")

    @classmethod
    def parse(cls, spec: str) -> RateLimit | None:
        """``"30/60"``, ``"30/60s"``, ``"30/minute"``, ``"5/2m"``; ``"off"`` gives ``None``."""
        if spec.strip().lower() == "off":
            return None
        match = _SPEC.match(spec.lower())
        if match is None or (match.group(2) is None and match.group(3) is None):
            raise ValueError(
                f"invalid rate limit {spec!r}: write MESSAGES/SECONDS ('30/60'), "
                "MESSAGES/UNIT ('30/minute') or 'off'"
            )
        count, unit = float(match.group(2) or 1), _UNIT_SECONDS[match.group(3) or "s"]
        return cls(int(match.group(1)), count * unit)


class SenderRateLimiter:
    """Token buckets by sender key; remembers at most ``max_senders`` (least recent forgotten)."""

    def __init__(
        self,
        limit: RateLimit,
        clock: Callable[[], float] = time.monotonic,
        max_senders: int = 100_000,
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._max_senders = max_senders
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def wait_for(self, sender: str) -> float:
        """Take one token for ``sender``: 0 when admitted, else the seconds until one is free."""
        now = self._clock()
        rate = self.limit.messages / self.limit.seconds
        tokens, then = self._buckets.pop(sender, (float(self.limit.messages), now))
        tokens = min(float(self.limit.messages), tokens + (now - then) * rate)
        waiting = 0.0 if tokens >= 1 else (1 - tokens) / rate
        self._buckets[sender] = (tokens - 1 if waiting == 0 else tokens, now)
        while len(self._buckets) > self._max_senders:
            self._buckets.popitem(last=False)
        return waiting

    def check(self, sender: str) -> None:
        """Raise :class:`RateLimited` when ``sender`` is over the limit."""
        _refuse_if_waiting(self.wait_for(sender), sender, self.limit)


class Buckets(Protocol):
    """Where token buckets live: this process, or a store the workers share (Redis)."""

    async def wait_for(self, key: str, limit: RateLimit) -> float:
        """Take one token of ``key``'s bucket: 0 when admitted, else seconds until one is."""
        ...


class MemoryBuckets:
    """:class:`Buckets` in this process, one :class:`SenderRateLimiter` per limit."""

    def __init__(self) -> None:
        self._limiters: dict[RateLimit, SenderRateLimiter] = {}

    async def wait_for(self, key: str, limit: RateLimit) -> float:
        return self._limiters.setdefault(limit, SenderRateLimiter(limit)).wait_for(key)


@dataclass(frozen=True)
class _Limits:
    buckets: Buckets
    sender: RateLimit | None
    address: RateLimit | None


def _refuse_if_waiting(waiting: float, key: str, limit: RateLimit) -> None:
    if waiting > 0:
        retry_after = max(1, math.ceil(waiting))
        raise RateLimited(
            "too many messages",
            retry_after,
            detail={
                "sender": key.partition(":")[2],
                "limit": f"{limit.messages} messages per {limit.seconds:g} seconds",
                "retry_after_seconds": retry_after,
            },
        )


async def check_sender(scope: Scope, channel: str, sender: str) -> None:
    """Apply the server's rate limit (if any) to ``sender`` of ``channel``; may raise 429."""
    limits: _Limits | None = scope.get(_LIMITER_KEY)
    if limits is not None and limits.sender is not None:
        key = f"{channel}:{sender}"
        _refuse_if_waiting(await limits.buckets.wait_for(key, limits.sender), key, limits.sender)


async def check_address(scope: Scope) -> None:
    """Apply the server's per-address limit (if any) to the request's client; may raise 429."""
    limits: _Limits | None = scope.get(_LIMITER_KEY)
    if limits is not None and limits.address is not None:
        client = scope.get("client")
        if client and _is_loopback(client[0]):
            return
        key = f"address:{client[0] if client else 'unknown'}"
        _refuse_if_waiting(await limits.buckets.wait_for(key, limits.address), key, limits.address)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # not an IP address (a test client's name, a Unix socket)
        return False


class SenderRateLimitMiddleware:
    """Answers 429 to webhook posts from a sender or an address over its limit, before the
    channel runs. ``buckets`` defaults to this process's memory."""

    def __init__(
        self,
        app: ASGIApp,
        sender: RateLimit | None,
        address: RateLimit | None = None,
        buckets: Buckets | None = None,
    ) -> None:
        self.app = app
        self.limits = _Limits(buckets or MemoryBuckets(), sender, address)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[_LIMITER_KEY] = self.limits
        channel = _webhook_channel(scope)
        if channel is None:
            await self.app(scope, receive, send)
            return
        messages = await _read_all(receive)
        sender = _sender_of(b"".join(m.get("body", b"") for m in messages))
        try:
            if sender is not None:  # the caller names its own sender: limit its address too
                await check_address(scope)
                await check_sender(scope, channel, sender)
        except RateLimited as refusal:
            await refusal.response()(scope, receive, send)
            return
        await self.app(scope, _replaying(messages, receive), send)


def _webhook_channel(scope: Scope) -> str | None:
    parts = str(scope["path"]).split("/")
    if scope["method"] == "POST" and len(parts) > 3 and parts[1] == "webhooks":
        return parts[2]
    return None


def _sender_of(body: bytes) -> str | None:
    """The ``sender`` of a Rasa-style message body (``default`` when left out), else ``None``."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or "message" not in data:
        return None
    sender = data.get("sender", "default")
    return sender if isinstance(sender, str) else None


async def _read_all(receive: Receive) -> deque[Message]:
    messages: deque[Message] = deque()
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages


def _replaying(messages: deque[Message], receive: Receive) -> Receive:
    async def replay() -> Message:
        return messages.popleft() if messages else await receive()

    return replay
