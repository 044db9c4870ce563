"""Event brokers: every stored tracker event, published for analytics.

``endpoints.yml``::

    event_broker:
      type: redis            # Redis streams (XADD); also: redis_streams
      url: redis://localhost:6379/0
      stream: parley:events  # default
      max_len: 1000000       # approximate cap of the stream (XADD MAXLEN ~); default none

or Rasa's ``type: pika`` (RabbitMQ, :mod:`parley.broker_pika`) and ``type: kafka``
(:mod:`parley.broker_kafka`), with Rasa's keys.

Publishing never slows a turn: the agent hands the turn's events to
:meth:`EventBroker.publish` after they are stored, which only queues them; a
background task sends them in batches and, while the broker is unreachable,
keeps them and retries with backoff (delivery is at least once: a batch whose
answer was lost is sent again). Events still queued when the process dies are
not published; they remain in the tracker store (``parley conversations export``).
Each stream entry has the fields ``conversation_id``, ``type`` (Rasa event name)
and ``event`` (the event's JSON).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from dialogue.events import Event, event_to_dict
from dialogue.tracker import ConversationId
from parley.errors import ConfigError
from plugins import Registry

log = logging.getLogger(__name__)


@runtime_checkable
class EventBroker(Protocol):
    def publish(self, conversation_id: ConversationId, events: Sequence[Event]) -> None:
        """Queue stored events for publication; returns at once and never raises for I/O."""
        ...

    async def close(self) -> None:
        """Send what is queued (for a few seconds at most), then release connections."""
        ...


EventBrokerFactory = Callable[[Mapping[str, Any]], Awaitable[EventBroker]]
EVENT_BROKERS: Registry[EventBrokerFactory] = Registry("event broker")


class QueuedBroker:
    """Queues events and sends them in batches from a background task, retrying with backoff.

    At most ``max_pending`` events wait in memory; beyond that the oldest are
    dropped with an error in the log (the tracker store still has them).
    Subclasses say how a batch is sent (:meth:`_send`), which errors mean "retry"
    (``retry_on``) and how connections are released (:meth:`_release`).
    """

    retry_on: tuple[type[BaseException], ...] = (OSError,)

    def __init__(
        self, *, batch_size: int = 200, max_pending: int = 100_000, max_backoff: float = 5.0
    ) -> None:
        self.batch_size, self.max_pending, self.max_backoff = batch_size, max_pending, max_backoff
        self._pending: deque[dict[str, str]] = deque()
        self._wake = asyncio.Event()
        self._relay: asyncio.Task[None] | None = None
        self.published = 0

    def publish(self, conversation_id: ConversationId, events: Sequence[Event]) -> None:
        for item in events:
            data = event_to_dict(item)
            entry = {"conversation_id": conversation_id, "type": str(data["event"])}
            self._pending.append({**entry, "event": json.dumps(data)})
        overflow = len(self._pending) - self.max_pending
        if overflow > 0:
            for _ in range(overflow):
                self._pending.popleft()
            log.error("event broker: %d events dropped, the broker is unreachable", overflow)
        if self._relay is None:
            self._relay = asyncio.create_task(self._run(), name="parley-event-broker")
        self._wake.set()

    @property
    def pending(self) -> int:
        """Events queued and not yet acknowledged by the broker."""
        return len(self._pending)

    async def flush(self, timeout: float) -> bool:
        """Wait until the queue is empty, at most ``timeout`` seconds; ``True`` if it is."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while self._pending:
                    await asyncio.sleep(0.01)
        return not self._pending

    async def close(self, flush_timeout: float = 5.0) -> None:
        """Send what is queued for at most ``flush_timeout`` seconds, then disconnect."""
        if self._pending and not await self.flush(flush_timeout):
            log.error("event broker: %d events not published at shutdown", len(self._pending))
        if self._relay is not None:
            self._relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay
        await self._release()

    async def _run(self) -> None:
        backoff = 0.05
        while True:
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
            batch = [self._pending[i] for i in range(min(self.batch_size, len(self._pending)))]
            try:
                await self._send(batch)
            except self.retry_on as e:
                log.warning("event broker: publishing failed, retrying in %.2fs: %s", backoff, e)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            backoff = 0.05
            for _ in batch:
                self._pending.popleft()
            self.published += len(batch)

    async def _send(self, batch: list[dict[str, str]]) -> None:
        """Send ``batch`` (``conversation_id``, ``type``, ``event`` JSON) or raise ``retry_on``."""
        raise NotImplementedError

    async def _release(self) -> None:
        """Close the connections."""


class RedisStreamBroker(QueuedBroker):
    """Publishes to one Redis stream with ``XADD`` from a background task."""

    retry_on = (RedisError, OSError)

    def __init__(
        self,
        client: aioredis.Redis,
        stream: str = "parley:events",
        *,
        max_len: int | None = None,
        batch_size: int = 200,
        max_pending: int = 100_000,
        max_backoff: float = 5.0,
    ) -> None:
        super().__init__(batch_size=batch_size, max_pending=max_pending, max_backoff=max_backoff)
        self.client, self.stream, self.max_len = client, stream, max_len

    async def _send(self, batch: list[dict[str, str]]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for entry in batch:
            pipe.xadd(self.stream, entry, maxlen=self.max_len, approximate=True)  # type: ignore[arg-type]
        await pipe.execute()

    async def _release(self) -> None:
        await self.client.aclose()


_REDIS_SETTINGS = {"type", "url", "stream", "max_len", "batch_size", "max_pending"}


@EVENT_BROKERS.register("redis", "redis_streams")
async def open_redis_stream_broker(settings: Mapping[str, Any]) -> EventBroker:
    """A :class:`RedisStreamBroker` from the ``event_broker`` section; no I/O yet."""
    unknown = sorted(set(settings) - _REDIS_SETTINGS)
    if unknown:
        raise ConfigError(
            f"endpoints.yml: unknown event_broker setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(_REDIS_SETTINGS))}"
        )
    url = settings.get("url") or "redis://localhost:6379/0"
    try:
        client = aioredis.Redis.from_url(str(url), socket_timeout=5, socket_connect_timeout=2)
    except ValueError as e:
        raise ConfigError(f"endpoints.yml: event_broker url {url!r}: {e}") from e
    return RedisStreamBroker(
        client,
        str(settings.get("stream") or "parley:events"),
        max_len=_positive_int(settings, "max_len", None),
        batch_size=_positive_int(settings, "batch_size", 200) or 200,
        max_pending=_positive_int(settings, "max_pending", 100_000) or 100_000,
    )


def _positive_int(settings: Mapping[str, Any], name: str, default: int | None) -> int | None:
    value = settings.get(name, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ConfigError(f"endpoints.yml: event_broker {name} must be a positive integer")
    return value if value is None else int(value)


@EVENT_BROKERS.register("pika", "PikaEventBroker", "rabbitmq")
async def open_pika_broker(settings: Mapping[str, Any]) -> EventBroker:
    """RabbitMQ, with Rasa's ``pika`` settings; see :mod:`parley.broker_pika`."""
    from parley.broker_pika import open_pika_broker as open_pika

    return await open_pika(settings)


@EVENT_BROKERS.register("kafka", "KafkaEventBroker")
async def open_kafka_broker(settings: Mapping[str, Any]) -> EventBroker:
    """Kafka, with Rasa's ``kafka`` settings; see :mod:`parley.broker_kafka`."""
    from parley.broker_kafka import open_kafka_broker as open_kafka

    return await open_kafka(settings)


def check_settings(settings: Mapping[str, Any], known: set[str], kind: str) -> None:
    """:class:`ConfigError` naming every ``event_broker`` key a broker does not know."""
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ConfigError(
            f"endpoints.yml: unknown {kind} event_broker setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )


def positive_int(settings: Mapping[str, Any], name: str, default: int | None) -> int | None:
    """``settings[name]`` as a positive integer (``default`` when absent), else ConfigError."""
    return _positive_int(settings, name, default)
