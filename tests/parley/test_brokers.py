"""The Redis stream broker publishes every event it is given, in order, without making the
caller wait, and keeps events while Redis is unreachable."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis import asyncio as aioredis

from dialogue.events import BotUttered, UserUttered, event_to_dict
from dialogue.tracker import ConversationId
from parley.brokers import EVENT_BROKERS, RedisStreamBroker
from parley.errors import ConfigError
from tests.dialogue.stores.tcp_proxy import TcpProxy

REDIS_URL = os.environ.get("PARLEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TURN = [UserUttered(text="hi", timestamp=1.0), BotUttered(text="Hello!", timestamp=2.0)]


@pytest.fixture
async def stream() -> AsyncIterator[str]:
    name = f"parley-test:{uuid.uuid4().hex}:events"
    yield name
    client = aioredis.Redis.from_url(REDIS_URL)
    await client.delete(name)
    await client.aclose()


async def read(stream: str) -> list[dict[bytes, bytes]]:
    client = aioredis.Redis.from_url(REDIS_URL)
    entries = await client.xrange(stream)
    await client.aclose()
    return [fields for _, fields in entries]


async def test_published_events_arrive_in_the_stream_in_order(stream: str) -> None:
    broker = await EVENT_BROKERS.get("redis")({"url": REDIS_URL, "stream": stream})
    assert isinstance(broker, RedisStreamBroker)

    broker.publish(ConversationId("alice"), TURN)
    broker.publish(ConversationId("bob"), TURN[:1])
    await broker.close()

    entries = await read(stream)
    assert [e[b"conversation_id"] for e in entries] == [b"alice", b"alice", b"bob"]
    assert [e[b"type"] for e in entries] == [b"user", b"bot", b"user"]
    assert json.loads(entries[1][b"event"]) == event_to_dict(TURN[1])


async def test_events_wait_while_redis_is_down_and_are_sent_when_it_returns(stream: str) -> None:
    proxy = TcpProxy("127.0.0.1", int(REDIS_URL.rsplit(":", 1)[1].split("/")[0]))
    await proxy.start()
    await proxy.stop()  # the port is known, nothing answers on it
    broker = await EVENT_BROKERS.get("redis")(
        {"url": f"redis://127.0.0.1:{proxy.port}/0", "stream": stream}
    )
    assert isinstance(broker, RedisStreamBroker)

    broker.publish(ConversationId("alice"), TURN)  # returns at once though Redis is down
    assert not await broker.flush(0.3)
    assert broker.pending == 2
    await proxy.start()
    assert await broker.flush(10)
    await broker.close()
    await proxy.stop()

    assert [e[b"type"] for e in await read(stream)] == [b"user", b"bot"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"type": "redis", "topic": "x"}, "unknown event_broker setting.*topic"),
        ({"type": "redis", "max_len": 0}, "max_len must be a positive integer"),
    ],
    ids=["unknown-setting", "zero-max-len"],
)
async def test_bad_broker_settings_are_configuration_errors(
    settings: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        await EVENT_BROKERS.get("redis")(settings)
