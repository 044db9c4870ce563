"""SQL-specific promises: durability, the table layout, SQLite's WAL mode, error mapping."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import URL, Connection, event, make_url, text

from dialogue.errors import StoreConfigurationError, TrackerStoreUnavailable
from dialogue.events import ActionExecuted, BotUttered, UserUttered, event_to_dict
from dialogue.stores import SQLTrackerStore
from dialogue.tracker import ConversationId
from nlu.interfaces import IntentPrediction, ParseResult

CID = ConversationId("customer-1")


def greeting_turn() -> list[UserUttered | ActionExecuted | BotUttered]:
    parse = ParseResult(text="hello", intent=IntentPrediction("greet", 0.98))
    return [
        UserUttered(text="hello", parse_data=parse, timestamp=100.0),
        ActionExecuted(name="utter_greet", timestamp=101.0),
        BotUttered(text="Hi! How can I help?", timestamp=102.0),
    ]


async def test_events_survive_a_restart(durable_url: str) -> None:
    before = await SQLTrackerStore.connect(durable_url)
    await before.append(CID, greeting_turn())
    await before.close()

    after = await SQLTrackerStore.connect(durable_url)
    await after.append(CID, [UserUttered(text="where is my order?", timestamp=103.0)])
    events = await after.retrieve(CID)
    await after.close()

    assert events == [*greeting_turn(), UserUttered(text="where is my order?", timestamp=103.0)]


async def test_each_event_is_one_row_with_analytics_columns(durable_url: str) -> None:
    store = await SQLTrackerStore.connect(durable_url)
    await store.append(CID, greeting_turn())
    query = text(
        "SELECT seq, type_name, timestamp, intent_name, action_name, data FROM events "
        "WHERE conversation_id = :cid ORDER BY seq"
    )
    async with store.engine.connect() as conn:
        rows = (await conn.execute(query, {"cid": CID})).all()
    await store.close()

    assert [tuple(row[:5]) for row in rows] == [
        (1, "user", 100.0, "greet", None),
        (2, "action", 101.0, None, "utter_greet"),
        (3, "bot", 102.0, None, None),
    ]
    assert [json.loads(row.data) for row in rows] == [event_to_dict(e) for e in greeting_turn()]


async def test_sqlite_database_file_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    store = await SQLTrackerStore.connect(f"sqlite+aiosqlite:///{path}")
    await store.append(CID, greeting_turn())
    await store.close()

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(
    "stored",
    [
        '{"event": "teleport"}',
        '{"event": "bot", "text": 12345}',
        '{"event": "bot", "text": "\\ud800"}',
    ],
    ids=["unknown-type", "wrong-type", "lone-surrogate"],
)
async def test_an_unreadable_row_is_logged_and_skipped_not_fatal(
    durable_url: str, stored: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A row written by an older version that no longer decodes must not lock its
    conversation: it is reported with its position and the rest stays readable."""
    store = await SQLTrackerStore.connect(durable_url)
    await store.append(CID, greeting_turn())
    async with store.engine.begin() as conn:
        await conn.execute(text("UPDATE events SET data = :d WHERE seq = 2"), {"d": stored})

    events = await store.retrieve(CID)
    await store.append(CID, [UserUttered(text="still there?", timestamp=103.0)])
    after = await store.retrieve(CID)
    await store.close()

    turn = greeting_turn()
    assert events == [turn[0], turn[2]]
    assert after == [turn[0], turn[2], UserUttered(text="still there?", timestamp=103.0)]
    assert "#2 of 'customer-1'" in caplog.text


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_unreachable_database_raises_tracker_store_unavailable() -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/test"

    with pytest.raises(TrackerStoreUnavailable, match="could not create tables"):
        await SQLTrackerStore.connect(url)


@pytest.mark.parametrize(
    ("url", "options"),
    [
        ("sqlite+aiosqlite://", {"no_such_option": 1}),
        ("sqlite:///tracker.db", {}),
        ("nosuchdb+driver://host/db", {}),
    ],
    ids=["unknown-option", "sync-driver", "unknown-dialect"],
)
async def test_bad_url_or_option_is_a_configuration_error(
    url: str, options: dict[str, int]
) -> None:
    with pytest.raises(StoreConfigurationError, match="cannot create a SQL engine"):
        await SQLTrackerStore.connect(url, **options)


async def kill_connections_of(admin_url: URL, store_url: str) -> None:
    dsn = admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1",
            make_url(store_url).username,
        )
    finally:
        await admin.close()


@pytest.mark.postgres
async def test_without_retries_a_lost_connection_raises_unavailable_then_recovers(
    postgres_url: str, postgres_admin_url: URL
) -> None:
    store = await SQLTrackerStore.connect(
        postgres_url, pool_size=1, max_overflow=0, pool_pre_ping=False, retry_attempts=1
    )
    await store.append(CID, greeting_turn())
    await kill_connections_of(postgres_admin_url, postgres_url)

    with pytest.raises(TrackerStoreUnavailable):
        await store.retrieve(CID)
    assert await store.retrieve(CID) == greeting_turn()
    await store.close()


@pytest.mark.postgres
async def test_pool_pre_ping_hides_a_lost_connection(
    postgres_url: str, postgres_admin_url: URL
) -> None:
    store = await SQLTrackerStore.connect(postgres_url, pool_size=1, pool_pre_ping=True)
    await store.append(CID, greeting_turn())
    await kill_connections_of(postgres_admin_url, postgres_url)

    assert await store.retrieve(CID) == greeting_turn()
    await store.close()


@pytest.mark.postgres
async def test_by_default_a_lost_connection_is_retried_without_the_caller_noticing(
    postgres_url: str, postgres_admin_url: URL
) -> None:
    store = await SQLTrackerStore.connect(postgres_url, pool_size=1, pool_pre_ping=False)
    await store.append(CID, greeting_turn())
    await kill_connections_of(postgres_admin_url, postgres_url)

    await store.append(CID, greeting_turn())  # the first try meets the dead connection

    assert await store.retrieve(CID) == greeting_turn() * 2
    await store.close()


async def burst(store: SQLTrackerStore, round_: int) -> None:
    """16 conversations' turns stored at once."""
    cids = [ConversationId(f"burst-{round_}-{i}") for i in range(16)]
    await asyncio.gather(*(store.append(cid, greeting_turn()) for cid in cids))


def count_connections(store: SQLTrackerStore) -> list[object]:
    opened: list[object] = []
    event.listen(store.engine.sync_engine, "connect", lambda conn, record: opened.append(conn))
    return opened


@pytest.mark.postgres
async def test_postgres_keeps_enough_connections_for_a_burst_of_conversations(
    postgres_url: str,
) -> None:
    store = await SQLTrackerStore.connect(postgres_url)
    opened = count_connections(store)

    await burst(store, 1)
    first = len(opened)
    await burst(store, 2)  # SQLAlchemy's default pool (5 + 10 overflow) closed and reopened 10

    assert 0 < first <= 16 and len(opened) == first
    await store.close()


@pytest.mark.postgres
async def test_pool_options_in_endpoints_win_over_the_defaults(postgres_url: str) -> None:
    store = await SQLTrackerStore.connect(postgres_url, pool_size=2, max_overflow=0)
    opened = count_connections(store)

    await burst(store, 1)

    assert len(opened) <= 2
    await store.close()


def inside_a_transaction(conn: Connection) -> bool:
    """Whether two statements share one transaction: then the second one's ``now()`` (its
    transaction's start) is earlier than a clock read by the first one."""
    first = conn.exec_driver_sql("SELECT clock_timestamp()").scalar()
    second = conn.exec_driver_sql("SELECT now()").scalar()
    return bool(second < first)


@pytest.mark.postgres
async def test_postgres_reads_skip_begin_and_rollback_while_appends_stay_transactions(
    postgres_url: str,
) -> None:
    store = await SQLTrackerStore.connect(postgres_url)

    assert await store._runner.read(inside_a_transaction) is False
    assert await store._runner.write(inside_a_transaction) is True
    await store.close()
