"""Kafka event broker (``type: kafka``), with Rasa's ``endpoints.yml`` keys::

    event_broker:
      type: kafka
      url: localhost:9092          # bootstrap server(s): one, or a list
      topic: rasa_core_events
      client_id: parley
      partition_by_sender: false   # key each message by sender_id (one partition per chat)
      security_protocol: PLAINTEXT # or SASL_PLAINTEXT, SSL, SASL_SSL
      sasl_mechanism: PLAIN
      sasl_username: ...
      sasl_password: ...
      ssl_cafile: ...
      ssl_certfile: ...
      ssl_keyfile: ...
      ssl_check_hostname: true

As in Rasa, every event is one JSON message: the event's Rasa JSON plus
``sender_id``. Messages are sent with ``acks=all`` and the batch is retried
until Kafka acknowledges it (at least once).
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from parley.brokers import EventBroker, QueuedBroker, check_settings, positive_int
from parley.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_TOPIC = "rasa_core_events"
_PROTOCOLS = {"PLAINTEXT", "SASL_PLAINTEXT", "SSL", "SASL_SSL"}
_KNOWN = {
    "type", "url", "topic", "client_id", "partition_by_sender", "security_protocol",
    "sasl_mechanism", "sasl_username", "sasl_password", "ssl_cafile", "ssl_certfile",
    "ssl_keyfile", "ssl_check_hostname", "batch_size", "max_pending", "timeout",
}  # fmt: skip


class KafkaEventBroker(QueuedBroker):
    """Publishes each event as one message to ``topic``."""

    retry_on = (KafkaError, OSError, TimeoutError)

    def __init__(
        self,
        producer_options: Mapping[str, Any],
        *,
        topic: str = DEFAULT_TOPIC,
        partition_by_sender: bool = False,
        timeout: float = 5.0,
        batch_size: int = 200,
        max_pending: int = 100_000,
    ) -> None:
        super().__init__(batch_size=batch_size, max_pending=max_pending)
        self.producer_options, self.topic = dict(producer_options), topic
        self.partition_by_sender, self.timeout = partition_by_sender, timeout
        self._producer: AIOKafkaProducer | None = None

    async def _send(self, batch: list[dict[str, str]]) -> None:
        producer = await self._started()
        try:
            async with asyncio.timeout(self.timeout):
                sent = [
                    await producer.send(self.topic, *_record(e, self.partition_by_sender))
                    for e in batch
                ]
                await asyncio.gather(*sent)
        except BaseException:
            await self._release()
            raise

    async def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(**self.producer_options, acks="all")
            try:
                async with asyncio.timeout(self.timeout):
                    await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _release(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except (KafkaError, OSError) as e:
                log.debug("event broker: stopping the Kafka producer: %s", e)


def _record(entry: Mapping[str, str], by_sender: bool) -> tuple[bytes, bytes | None]:
    body = {"sender_id": entry["conversation_id"], **json.loads(entry["event"])}
    key = entry["conversation_id"].encode() if by_sender else None
    return json.dumps(body).encode(), key


def producer_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """``AIOKafkaProducer`` arguments from Rasa's connection keys."""
    url = settings.get("url") or "localhost:9092"
    servers: Sequence[str] = [url] if isinstance(url, str) else list(url)
    protocol = str(settings.get("security_protocol") or "PLAINTEXT").upper()
    if protocol not in _PROTOCOLS:
        raise ConfigError(
            f"endpoints.yml: event_broker security_protocol {protocol!r}; "
            f"use one of {', '.join(sorted(_PROTOCOLS))}"
        )
    options: dict[str, Any] = {
        "bootstrap_servers": servers,
        "client_id": str(settings.get("client_id") or "parley"),
        "security_protocol": protocol,
    }
    if protocol.startswith("SASL"):
        options["sasl_mechanism"] = str(settings.get("sasl_mechanism") or "PLAIN")
        options["sasl_plain_username"] = settings.get("sasl_username")
        options["sasl_plain_password"] = settings.get("sasl_password")
    if protocol.endswith("SSL"):
        context = ssl.create_default_context(cafile=settings.get("ssl_cafile"))
        if settings.get("ssl_certfile"):
            context.load_cert_chain(settings["ssl_certfile"], settings.get("ssl_keyfile"))
        context.check_hostname = bool(settings.get("ssl_check_hostname", True))
        options["ssl_context"] = context
    return options


async def open_kafka_broker(settings: Mapping[str, Any]) -> EventBroker:
    """A :class:`KafkaEventBroker` from the ``event_broker`` section; no I/O yet."""
    check_settings(settings, _KNOWN, "kafka")
    return KafkaEventBroker(
        producer_options(settings),
        topic=str(settings.get("topic") or DEFAULT_TOPIC),
        partition_by_sender=bool(settings.get("partition_by_sender", False)),
        timeout=float(settings.get("timeout") or 5.0),
        batch_size=positive_int(settings, "batch_size", 200) or 200,
        max_pending=positive_int(settings, "max_pending", 100_000) or 100_000,
    )
