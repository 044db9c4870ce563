"""Transient database failures are retried with backoff, and an append whose commit went
through but whose answer was lost is stored exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import URL, make_url

from dialogue.errors import StoreConfigurationError, TrackerStoreUnavailable
from dialogue.events import ActionExecuted, BotUttered, UserUttered
from dialogue.stores import SQLTrackerStore
from dialogue.stores.retry import RetryPolicy
from dialogue.tracker import ConversationId
from tests.dialogue.stores.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

CID = ConversationId("customer-1")
TURN = [
    UserUttered(text="hello", timestamp=100.0),
    ActionExecuted(name="utter_greet", timestamp=101.0),
    BotUttered(text="Hi!", timestamp=102.0),
]
NEXT_TURN = [UserUttered(text="bye", timestamp=103.0), BotUttered(text="Bye!", timestamp=104.0)]


@pytest.fixture
async def proxy(postgres_admin_url: URL) -> AsyncIterator[TcpProxy]:
    running = TcpProxy(postgres_admin_url.host or "127.0.0.1", postgres_admin_url.port or 5432)
    await running.start()
    yield running
    await running.stop()


def through(proxy: TcpProxy, url: str) -> str:
    parsed = make_url(url).set(host="127.0.0.1", port=proxy.port)
    return parsed.render_as_string(hide_password=False)


async def test_an_append_whose_commit_answer_was_lost_is_stored_once(
    postgres_url: str, proxy: TcpProxy
) -> None:
    store = await SQLTrackerStore.connect(through(proxy, postgres_url), pool_pre_ping=False)
    await store.append(CID, TURN)
    proxy.cut_after = b"COMMIT"  # the database commits; the client never hears so

    await store.append(CID, NEXT_TURN)

    assert proxy.cuts == 1
    assert await store.retrieve(CID) == [*TURN, *NEXT_TURN]
    await store.close()


async def test_a_connection_cut_while_connecting_is_retried_not_fatal(
    postgres_url: str, proxy: TcpProxy
) -> None:
    proxy.cut_after = b"user"  # the start-up message: the handshake is cut halfway

    store = await SQLTrackerStore.connect(through(proxy, postgres_url), retry_backoff=0.01)

    assert proxy.cuts == 1
    await store.append(CID, TURN)
    assert await store.retrieve(CID) == TURN
    await store.close()


async def test_a_connection_cut_on_every_try_is_unavailable_not_a_store_error(
    postgres_url: str, proxy: TcpProxy
) -> None:
    proxy.cut_after = b"user"

    with pytest.raises(TrackerStoreUnavailable, match="could not"):
        await SQLTrackerStore.connect(through(proxy, postgres_url), retry_attempts=1)


async def test_a_database_back_within_the_retries_is_not_noticed(
    postgres_url: str, proxy: TcpProxy
) -> None:
    store = await SQLTrackerStore.connect(
        through(proxy, postgres_url), retry_attempts=8, retry_backoff=0.1
    )
    await store.append(CID, TURN)
    await proxy.stop()

    async def come_back() -> None:
        await asyncio.sleep(0.3)
        await proxy.start()

    returning = asyncio.create_task(come_back())
    await store.append(CID, NEXT_TURN)
    await returning

    assert await store.retrieve(CID) == [*TURN, *NEXT_TURN]
    await store.close()


async def test_a_database_down_longer_than_the_retries_raises_unavailable_then_recovers(
    postgres_url: str, proxy: TcpProxy
) -> None:
    store = await SQLTrackerStore.connect(through(proxy, postgres_url), retry_backoff=0.01)
    await store.append(CID, TURN)
    await proxy.stop()

    with pytest.raises(TrackerStoreUnavailable):
        await store.append(CID, NEXT_TURN)
    with pytest.raises(TrackerStoreUnavailable):
        await store.ping()
    await proxy.start()

    await store.ping()
    assert await store.retrieve(CID) == TURN  # the failed append stored nothing
    await store.close()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"retry_attempts": 0}, "retry_attempts must be >= 1"),
        ({"retry_attempts": "3"}, "retry_attempts must be an integer"),
        ({"retry_backoff": "fast"}, "retry_backoff must be a number"),
    ],
    ids=["zero-attempts", "string-attempts", "string-backoff"],
)
def test_bad_retry_settings_are_configuration_errors(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(StoreConfigurationError, match=message):
        RetryPolicy.from_options(dict(options))
