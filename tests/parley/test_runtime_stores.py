"""A server that starts while its database is down waits for it instead of exiting:
with ``parley run --workers N`` one worker that fails to start stops every worker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import URL, make_url

from dialogue.errors import TrackerStoreUnavailable
from dialogue.events import UserUttered
from dialogue.tracker import ConversationId
from parley.project import EndpointsConfig
from parley.runtime import open_tracker_store, wait_for_tracker_store
from tests.dialogue.stores.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
async def down_database(postgres_admin_url: URL) -> AsyncIterator[TcpProxy]:
    """A proxy to PostgreSQL that has a port but refuses connections until started again."""
    proxy = TcpProxy(postgres_admin_url.host or "127.0.0.1", postgres_admin_url.port or 5432)
    await proxy.start()
    await proxy.stop()
    yield proxy
    await proxy.stop()


def endpoints_through(proxy: TcpProxy, postgres_url: str) -> EndpointsConfig:
    url = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port)
    store = {"type": "sql", "url": url.render_as_string(hide_password=False)}
    return EndpointsConfig.model_validate({"tracker_store": {**store, "retry_backoff": 0.01}})


async def test_a_server_starting_during_an_outage_waits_and_opens_the_store_when_it_returns(
    postgres_url: str, down_database: TcpProxy, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    endpoints = endpoints_through(down_database, postgres_url)
    caplog.set_level(logging.WARNING, logger="parley.runtime")

    opening = asyncio.create_task(wait_for_tracker_store(endpoints, tmp_path))
    await asyncio.sleep(1.0)
    still_waiting = not opening.done()
    await down_database.start()
    store = await asyncio.wait_for(opening, timeout=20)

    assert still_waiting
    assert "waiting for the tracker store" in caplog.text
    said = [UserUttered(text="hi", timestamp=1.0)]
    await store.append(ConversationId("c"), said)
    assert await store.retrieve(ConversationId("c")) == said
    await store.close()


async def test_a_command_that_cannot_reach_the_database_fails_at_once(
    postgres_url: str, down_database: TcpProxy, tmp_path: Path
) -> None:
    endpoints = endpoints_through(down_database, postgres_url)

    with pytest.raises(TrackerStoreUnavailable):
        await asyncio.wait_for(open_tracker_store(endpoints, tmp_path), timeout=20)
