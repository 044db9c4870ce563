"""The tracker store's schema is created and upgraded by bundled Alembic migrations; a
database made before migrations existed is upgraded with every conversation kept."""

from __future__ import annotations

import asyncio
import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from dialogue.events import ActionExecuted, BotUttered, UserUttered, event_to_dict
from dialogue.stores import SQLTrackerStore
from dialogue.stores.schema import VERSION_TABLE, current_revision, head_revision
from dialogue.stores.sql import create_store_engine
from dialogue.stores.tables import Base
from dialogue.tracker import ConversationId

CID = ConversationId("customer-1")

# What Parley 0.1 (before migrations) created, as its create_all emitted it.
PARLEY_0_1_SCHEMA = {
    "sqlite": [
        "CREATE TABLE events (id INTEGER NOT NULL, conversation_id VARCHAR(255) NOT NULL, "
        "seq INTEGER NOT NULL, type_name VARCHAR(64) NOT NULL, timestamp DOUBLE NOT NULL, "
        "intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT NOT NULL, "
        "PRIMARY KEY (id))",
        "CREATE UNIQUE INDEX ix_events_conversation_seq ON events (conversation_id, seq)",
    ],
    "postgresql": [
        "CREATE TABLE events (id BIGSERIAL NOT NULL, conversation_id VARCHAR(255) NOT NULL, "
        "seq INTEGER NOT NULL, type_name VARCHAR(64) NOT NULL, "
        "timestamp DOUBLE PRECISION NOT NULL, intent_name VARCHAR(255), "
        "action_name VARCHAR(255), data TEXT NOT NULL, PRIMARY KEY (id))",
        "CREATE UNIQUE INDEX ix_events_conversation_seq ON events (conversation_id, seq)",
    ],
}

OLD_TURN = [
    UserUttered(text="where is my order?", timestamp=100.0),
    ActionExecuted(name="utter_ask_order_number", timestamp=101.0),
    BotUttered(text="What is your order number?", timestamp=102.0),
]


async def create_parley_0_1_database(url: str) -> None:
    """The old schema holding one conversation, written with plain SQL as 0.1 stored it."""
    engine = create_store_engine(url)
    async with engine.begin() as conn:
        for statement in PARLEY_0_1_SCHEMA[engine.dialect.name]:
            await conn.execute(text(statement))
        for seq, event in enumerate(OLD_TURN, start=1):
            await conn.execute(
                text(
                    "INSERT INTO events (conversation_id, seq, type_name, timestamp, data) "
                    "VALUES (:cid, :seq, :type, :ts, :data)"
                ),
                {
                    "cid": CID,
                    "seq": seq,
                    "type": event_to_dict(event)["event"],
                    "ts": event.timestamp,
                    "data": json.dumps(event_to_dict(event)),
                },
            )
    await engine.dispose()


def schema_facts(connection: Connection) -> tuple[str | None, set[str], set[str]]:
    inspector = inspect(connection)
    indexes = {index["name"] or "" for index in inspector.get_indexes("events")}
    return current_revision(connection), set(inspector.get_table_names()), indexes


async def test_a_new_database_gets_the_newest_schema(durable_url: str) -> None:
    store = await SQLTrackerStore.connect(durable_url)
    async with store.engine.connect() as conn:
        revision, tables, indexes = await conn.run_sync(schema_facts)
    await store.close()

    assert revision == head_revision()
    assert tables == {"events", VERSION_TABLE}
    assert indexes == {"ix_events_conversation_seq", "ix_events_timestamp"}


async def test_a_database_from_before_migrations_is_upgraded_keeping_its_conversations(
    durable_url: str,
) -> None:
    await create_parley_0_1_database(durable_url)

    store = await SQLTrackerStore.connect(durable_url)
    kept = await store.retrieve(CID)
    await store.append(CID, [UserUttered(text="PO-12345", timestamp=103.0)])
    after = await store.retrieve(CID)
    async with store.engine.connect() as conn:
        revision, _, indexes = await conn.run_sync(schema_facts)
    await store.close()

    assert kept == OLD_TURN
    assert after == [*OLD_TURN, UserUttered(text="PO-12345", timestamp=103.0)]
    assert revision == head_revision()
    assert "ix_events_timestamp" in indexes


async def test_reconnecting_to_an_upgraded_database_changes_nothing(durable_url: str) -> None:
    first = await SQLTrackerStore.connect(durable_url)
    await first.append(CID, OLD_TURN)
    await first.close()

    second = await SQLTrackerStore.connect(durable_url)
    events = await second.retrieve(CID)
    await second.close()

    assert events == OLD_TURN


async def test_workers_starting_at_once_upgrade_the_schema_once(durable_url: str) -> None:
    stores = await asyncio.gather(*(SQLTrackerStore.connect(durable_url) for _ in range(4)))
    await stores[0].append(CID, OLD_TURN)

    assert [await store.retrieve(CID) for store in stores] == [OLD_TURN] * 4
    for store in stores:
        await store.close()


def differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrations_build_exactly_the_declared_tables(durable_url: str) -> None:
    store = await SQLTrackerStore.connect(durable_url)
    async with store.engine.connect() as conn:
        found = await conn.run_sync(differences)
    await store.close()

    assert found == []
