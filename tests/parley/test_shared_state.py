"""Workers share Slack de-duplication and rate limits through Redis: N workers act as one,
and a restarted worker does not answer an event again. Real Redis, one app per "worker"."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from redis import asyncio as aioredis

from parley.channels import RestInput
from parley.channels.slack import SlackInput
from parley.security import ApiSecurity, RateLimit
from parley.server import create_app
from parley.sharedstate import MemorySharedState, RedisSharedState, open_shared_state
from tests.parley.channels.fake_slack import FakeSlack, running_fake_slack
from tests.parley.channels.test_slack import SECRET, TOKEN, WEBHOOK, message_event, signed_headers
from tests.parley.doubles import EchoAgent

REDIS_URL = os.environ.get("PARLEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    prefix = f"parley-test:{uuid.uuid4().hex}:"
    yield prefix
    redis = aioredis.Redis.from_url(REDIS_URL)
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


class Worker:
    """One server process's app: its own agent and Slack channel, state in Redis."""

    def __init__(self, fake: FakeSlack, prefix: str, security: ApiSecurity | None = None) -> None:
        credentials = {"slack_token": TOKEN, "slack_signing_secret": SECRET}
        self.channel = SlackInput.from_credentials({**credentials, "slack_api_url": fake.url})
        self.agent = EchoAgent()
        self.state = RedisSharedState.from_url(REDIS_URL, prefix)
        channels = [self.channel, RestInput()]
        app = create_app(self.agent, channels, security=security, shared=self.state)
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://parley.test"
        )

    async def deliver(self, body: bytes) -> int:
        response = await self.client.post(WEBHOOK, content=body, headers=signed_headers(body))
        await self.channel.join()
        return response.status_code

    async def close(self) -> None:
        await self.client.aclose()
        await self.state.close()


@pytest.fixture
def fake_slack() -> AsyncIterator[FakeSlack]:
    with running_fake_slack(TOKEN) as fake:
        yield fake


async def test_one_event_delivered_six_times_to_two_workers_is_answered_once(
    fake_slack: FakeSlack, redis_prefix: str
) -> None:
    workers = [Worker(fake_slack, redis_prefix), Worker(fake_slack, redis_prefix)]
    body = json.dumps(message_event("where is my order?")).encode()

    statuses = [await workers[i % 2].deliver(body) for i in range(6)]
    restarted = Worker(fake_slack, redis_prefix)  # a worker started after a crash
    replayed = await restarted.deliver(body)

    assert statuses == [200] * 6 and replayed == 200
    assert sum(len(w.agent.received) for w in [*workers, restarted]) == 1
    assert fake_slack.posted() == [{"channel": "C222", "text": "echo: where is my order?"}]
    for worker in [*workers, restarted]:
        await worker.close()


async def test_the_rate_limit_is_counted_across_workers(
    fake_slack: FakeSlack, redis_prefix: str
) -> None:
    security = ApiSecurity(rate_limit=RateLimit(3, 60))
    workers = [Worker(fake_slack, redis_prefix, security) for _ in range(2)]

    statuses = []
    for i in range(5):
        response = await workers[i % 2].client.post(
            "/webhooks/rest/webhook", json={"sender": "alice", "message": f"m{i}"}
        )
        statuses.append(response.status_code)

    assert statuses == [200, 200, 200, 429, 429]
    for worker in workers:
        await worker.close()


async def test_keys_expire_so_redis_does_not_grow_forever(redis_prefix: str) -> None:
    state = RedisSharedState.from_url(REDIS_URL, redis_prefix)
    assert await state.first_time("slack", ("Ev1",), ttl=60)
    assert not await state.first_time("slack", ("Ev1",), ttl=60)
    await state.wait_for("rest:alice", RateLimit(5, 60))
    redis = aioredis.Redis.from_url(REDIS_URL)
    keys = [key async for key in redis.scan_iter(match=f"{redis_prefix}*")]
    ttls = [await redis.pttl(key) for key in keys]
    await redis.aclose()
    await state.close()

    assert len(keys) == 2
    assert all(0 < ttl <= 61_000 for ttl in ttls)


async def test_without_a_redis_lock_store_the_state_stays_in_the_process() -> None:
    from dialogue.locks import InMemoryLockStore

    state = open_shared_state(InMemoryLockStore())

    assert isinstance(state, MemorySharedState)
    assert await state.first_time("slack", ("Ev1", "C1:1"), ttl=60)
    assert not await state.first_time("slack", ("C1:1",), ttl=60)
