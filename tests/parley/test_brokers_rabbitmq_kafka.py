"""RabbitMQ (``type: pika``) and Kafka event brokers, configured with Rasa's keys.

RabbitMQ runs at 127.0.0.1:5672 (guest/guest; ``PARLEY_TEST_AMQP_URL`` overrides):
each test declares its own exchange and queue and removes them. No Kafka broker
can run on this machine: Kafka is played by a loopback stand-in speaking Kafka's
wire protocol (``fake_kafka``); the test against a live broker runs only where
``PARLEY_TEST_KAFKA_URL`` names one.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aio_pika
import pytest

from dialogue.events import BotUttered, UserUttered, event_to_dict
from dialogue.tracker import ConversationId
from parley.broker_pika import PikaEventBroker
from parley.brokers import EVENT_BROKERS, QueuedBroker
from parley.errors import ConfigError
from parley.runtime import open_event_broker, project_endpoints
from tests.parley.fake_kafka import running_fake_kafka

AMQP_URL = os.environ.get("PARLEY_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
KAFKA_URL = os.environ.get("PARLEY_TEST_KAFKA_URL")
TURN = [UserUttered(text="hi", timestamp=1.0), BotUttered(text="Hello!", timestamp=2.0)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def rabbit_names() -> AsyncIterator[tuple[str, str]]:
    """A fresh queue and exchange name; removed afterwards. Without RabbitMQ: skip (CI: fail)."""
    try:
        await (await aio_pika.connect(AMQP_URL, timeout=3)).close()
    except (OSError, aio_pika.exceptions.AMQPError, TimeoutError) as e:
        reason = f"RabbitMQ at {AMQP_URL} is not reachable: {e}"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    names = (f"parley-test-{uuid.uuid4().hex}", f"parley-test-{uuid.uuid4().hex}-x")
    yield names
    connection = await aio_pika.connect(AMQP_URL)
    channel = await connection.channel()
    await channel.queue_delete(names[0])
    await channel.exchange_delete(names[1])
    await connection.close()


async def drain(queue_name: str, count: int) -> list[aio_pika.abc.AbstractIncomingMessage]:
    connection = await aio_pika.connect(AMQP_URL)
    channel = await connection.channel()
    queue = await channel.declare_queue(queue_name, durable=True)
    messages = []
    for _ in range(count):
        message = await queue.get(timeout=5, fail=True)
        assert message is not None
        await message.ack()
        messages.append(message)
    assert await queue.get(fail=False) is None
    await connection.close()
    return messages


@pytest.mark.slow
async def test_rasas_pika_settings_publish_every_event_to_the_queue_in_order(
    rabbit_names: tuple[str, str],
) -> None:
    queue, exchange = rabbit_names
    settings = {
        "type": "pika",
        "url": "127.0.0.1",
        "port": 5672,
        "username": "guest",
        "password": "guest",
        "queues": [queue],
        "exchange_name": exchange,
    }
    broker = await EVENT_BROKERS.get("pika")(settings)
    assert isinstance(broker, PikaEventBroker)

    broker.publish(ConversationId("alice"), TURN)
    broker.publish(ConversationId("bob"), TURN[:1])
    await broker.close()

    messages = await drain(queue, 3)
    bodies = [json.loads(m.body) for m in messages]
    assert [(b["sender_id"], b["event"]) for b in bodies] == [
        ("alice", "user"),
        ("alice", "bot"),
        ("bob", "user"),
    ]
    assert bodies[1] == {"sender_id": "alice", **event_to_dict(TURN[1])}
    assert messages[0].delivery_mode == aio_pika.DeliveryMode.PERSISTENT


async def test_events_wait_while_rabbitmq_is_unreachable(rabbit_names: tuple[str, str]) -> None:
    queue, exchange = rabbit_names
    url = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    broker = await EVENT_BROKERS.get("pika")(
        {"type": "pika", "url": url, "queues": [queue], "exchange_name": exchange, "timeout": 1}
    )
    assert isinstance(broker, QueuedBroker)

    broker.publish(ConversationId("alice"), TURN)  # returns at once though RabbitMQ is down
    assert not await broker.flush(0.5)
    assert broker.pending == 2
    await broker.close(flush_timeout=0)


async def test_rasas_retry_keys_are_accepted_with_a_warning_and_unknown_keys_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        await EVENT_BROKERS.get("pika")({"type": "pika", "queue": "q", "raise_on_failure": True})
    assert "raise_on_failure" in caplog.text and "no effect" in caplog.text
    with pytest.raises(ConfigError, match="quues"):
        await EVENT_BROKERS.get("pika")({"type": "pika", "quues": ["q"]})
    with pytest.raises(ConfigError, match="security_protocol"):
        await EVENT_BROKERS.get("kafka")({"type": "kafka", "security_protocol": "TLS"})
    with pytest.raises(ConfigError, match="partition"):
        await EVENT_BROKERS.get("kafka")({"type": "kafka", "partition": 1})


async def test_kafka_publishes_every_event_to_the_topic_keyed_by_sender() -> None:
    async with running_fake_kafka() as kafka:
        broker = await EVENT_BROKERS.get("kafka")(
            {"type": "kafka", "url": kafka.url, "topic": "rasa_events", "partition_by_sender": True}
        )
        broker.publish(ConversationId("alice"), TURN)
        broker.publish(ConversationId("bob"), TURN[:1])
        await broker.close()

    records = kafka.topics["rasa_events"]
    bodies = [json.loads(r.value) for r in records]
    assert [(r.key, b["event"]) for r, b in zip(records, bodies, strict=True)] == [
        (b"alice", "user"),
        (b"alice", "bot"),
        (b"bob", "user"),
    ]
    assert bodies[1] == {"sender_id": "alice", **event_to_dict(TURN[1])}


async def test_kafka_events_wait_for_the_broker_and_are_sent_when_it_starts() -> None:
    port = free_port()
    broker = await EVENT_BROKERS.get("kafka")(
        {"type": "kafka", "url": f"127.0.0.1:{port}", "topic": "t", "timeout": 1}
    )
    broker.publish(ConversationId("alice"), TURN)
    assert isinstance(broker, QueuedBroker) and not await broker.flush(0.5)

    async with running_fake_kafka(port) as kafka:
        assert await broker.flush(15)
        await broker.close()

    assert [json.loads(r.value)["event"] for r in kafka.topics["t"]] == ["user", "bot"]


@pytest.mark.slow
@pytest.mark.skipif(
    KAFKA_URL is None,
    reason="no Kafka broker can run on this machine; set PARLEY_TEST_KAFKA_URL to run against one",
)
async def test_kafka_publishes_every_event_to_the_topic() -> None:
    from aiokafka import AIOKafkaConsumer

    topic = f"parley-test-{uuid.uuid4().hex}"
    broker = await EVENT_BROKERS.get("kafka")(
        {"type": "kafka", "url": KAFKA_URL, "topic": topic, "partition_by_sender": True}
    )
    broker.publish(ConversationId("alice"), TURN)
    await broker.close()

    consumer = AIOKafkaConsumer(topic, bootstrap_servers=KAFKA_URL, auto_offset_reset="earliest")
    await consumer.start()
    try:
        records = [await consumer.getone() for _ in TURN]
    finally:
        await consumer.stop()
    assert [json.loads(r.value)["event"] for r in records] == ["user", "bot"]
    assert {r.key for r in records} == {b"alice"}


async def test_a_rasa_endpoints_yml_event_broker_section_opens_the_broker(tmp_path: Path) -> None:
    (tmp_path / "endpoints.yml").write_text(
        "event_broker:\n"
        "  type: pika\n"
        "  url: 127.0.0.1\n"
        "  username: guest\n"
        "  password: guest\n"
        "  queues:\n"
        "    - rasa_production_events\n"
    )
    broker = await open_event_broker(project_endpoints(tmp_path))

    assert isinstance(broker, PikaEventBroker)
    assert broker.url == "amqp://guest:guest@127.0.0.1:5672/"
    assert broker.queues == ("rasa_production_events",)
    await broker.close()
