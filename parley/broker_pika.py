"""RabbitMQ event broker (``type: pika``), with Rasa's ``endpoints.yml`` keys::

    event_broker:
      type: pika
      url: localhost               # a host name, or a full amqp(s):// URL
      port: 5672
      username: guest
      password: guest
      queues: [rasa_core_events]   # or one name (Rasa's older ``queue:``)
      exchange_name: rasa-exchange # a durable fanout exchange bound to every queue

As in Rasa, every event is one persistent JSON message: the event's Rasa JSON
plus ``sender_id``. Publishing uses publisher confirms; a batch that RabbitMQ
did not confirm is sent again (at least once).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection
from aio_pika.exceptions import AMQPError

from parley.brokers import EventBroker, QueuedBroker, check_settings, positive_int
from parley.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "rasa_core_events"
DEFAULT_EXCHANGE = "rasa-exchange"
_KNOWN = {
    "type", "url", "port", "username", "password", "queues", "queue", "exchange_name",
    "batch_size", "max_pending", "timeout",
}  # fmt: skip
# Rasa keys about its own retry loop; Parley's relay always keeps and retries.
_NO_EFFECT = {
    "raise_on_failure", "connection_attempts", "retry_delay_in_seconds",
    "should_keep_unpublished_messages",
}  # fmt: skip


class PikaEventBroker(QueuedBroker):
    """Publishes each event as one message to a fanout exchange bound to ``queues``."""

    retry_on = (AMQPError, OSError, TimeoutError)

    def __init__(
        self,
        url: str,
        *,
        queues: Sequence[str] = (DEFAULT_QUEUE,),
        exchange_name: str = DEFAULT_EXCHANGE,
        timeout: float = 5.0,
        batch_size: int = 200,
        max_pending: int = 100_000,
    ) -> None:
        super().__init__(batch_size=batch_size, max_pending=max_pending)
        self.url, self.queues, self.exchange_name = url, tuple(queues), exchange_name
        self.timeout = timeout
        self._connection: AbstractRobustConnection | None = None
        self._exchange: AbstractExchange | None = None

    async def _send(self, batch: list[dict[str, str]]) -> None:
        exchange = await self._connected()
        try:
            async with asyncio.timeout(self.timeout):
                for entry in batch:
                    await exchange.publish(_message(entry), routing_key="")
        except BaseException:
            await self._release()  # reconnect on the next try
            raise

    async def _connected(self) -> AbstractExchange:
        if self._exchange is not None:
            return self._exchange
        async with asyncio.timeout(self.timeout):
            connection = await aio_pika.connect_robust(self.url, timeout=self.timeout)
            try:
                channel: AbstractChannel = await connection.channel(publisher_confirms=True)
                exchange = await channel.declare_exchange(
                    self.exchange_name, aio_pika.ExchangeType.FANOUT, durable=True
                )
                for name in self.queues:
                    queue = await channel.declare_queue(name, durable=True)
                    await queue.bind(exchange)
            except BaseException:
                await connection.close()
                raise
        self._connection, self._exchange = connection, exchange
        return exchange

    async def _release(self) -> None:
        connection, self._connection, self._exchange = self._connection, None, None
        if connection is not None:
            try:
                await connection.close()
            except (AMQPError, OSError) as e:
                log.debug("event broker: closing the RabbitMQ connection: %s", e)


def _message(entry: Mapping[str, str]) -> aio_pika.Message:
    body = {"sender_id": entry["conversation_id"], **json.loads(entry["event"])}
    return aio_pika.Message(
        json.dumps(body).encode(),
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        app_id="parley",
    )


def amqp_url(settings: Mapping[str, Any]) -> str:
    """An ``amqp://`` URL from Rasa's ``url`` (a host or a URL), ``port`` and credentials."""
    url = str(settings.get("url") or "localhost")
    if "://" in url:
        return url
    port = settings.get("port") or 5672
    username, password = settings.get("username"), settings.get("password")
    credentials = (
        f"{quote(str(username), safe='')}:{quote(str(password or ''), safe='')}@"
        if username is not None
        else ""
    )
    return f"amqp://{credentials}{url}:{port}/"


async def open_pika_broker(settings: Mapping[str, Any]) -> EventBroker:
    """A :class:`PikaEventBroker` from the ``event_broker`` section; no I/O yet."""
    ignored = sorted(set(settings) & _NO_EFFECT)
    if ignored:
        log.warning("endpoints.yml: event_broker %s have no effect in Parley", ", ".join(ignored))
    check_settings({k: v for k, v in settings.items() if k not in _NO_EFFECT}, _KNOWN, "pika")
    queues = settings.get("queues", settings.get("queue", DEFAULT_QUEUE))
    queues = [queues] if isinstance(queues, str) else queues
    if not isinstance(queues, list) or not all(isinstance(q, str) and q for q in queues):
        raise ConfigError("endpoints.yml: event_broker queues must be a list of queue names")
    timeout = settings.get("timeout") or 5.0
    return PikaEventBroker(
        amqp_url(settings),
        queues=queues,
        exchange_name=str(settings.get("exchange_name") or DEFAULT_EXCHANGE),
        timeout=float(timeout),
        batch_size=positive_int(settings, "batch_size", 200) or 200,
        max_pending=positive_int(settings, "max_pending", 100_000) or 100_000,
    )
