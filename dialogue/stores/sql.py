"""A tracker store on SQLAlchemy's asyncio engine: SQLite (aiosqlite) or PostgreSQL (asyncpg).

One row per event in the table ``events``:

==================  ===================  ==============================================
column              type                 meaning
==================  ===================  ==============================================
``id``              bigint, primary key  insertion order across all conversations
``conversation_id`` varchar(255)         the conversation (sender) id
``seq``             integer              1, 2, 3, ... within one conversation
``type_name``       varchar(64)          Rasa event name (``user``, ``action``, ...)
``timestamp``       double               event time, seconds since the epoch
``intent_name``     varchar(255), null   the intent of a ``user`` event, for analytics
``action_name``     varchar(255), null   the action of an ``action`` event, for analytics
``data``            text                 JSON of ``event_to_dict(event)``: the event itself
==================  ===================  ==============================================

``(conversation_id, seq)`` is unique (index ``ix_events_conversation_seq``), which
both orders a conversation and indexes lookups by ``conversation_id``. Only
``data`` is read back; the other columns exist for queries and analytics.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, nullcontext
from typing import Any, Self

from sqlalchemy import (
    URL,
    BigInteger,
    Connection,
    Double,
    Index,
    Integer,
    String,
    Text,
    event,
    func,
    insert,
    make_url,
    select,
)
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry

from dialogue.errors import (
    ConcurrencyError,
    StoreConfigurationError,
    TrackerStoreError,
    TrackerStoreUnavailable,
)
from dialogue.events import ActionExecuted, Event, UserUttered, event_name
from dialogue.stores._codec import dump_event, load_event
from dialogue.tracker import ConversationId, checked_conversation_id

SQLITE_BUSY_TIMEOUT_MS = 5000
_BEGIN_MODE = "parley_sqlite_begin"  # execution option read by the SQLite "begin" hook


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    """One stored event (see the module docstring for the schema)."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_conversation_seq", "conversation_id", "seq", unique=True),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    conversation_id: Mapped[str] = mapped_column(String(255))
    seq: Mapped[int] = mapped_column(Integer())
    type_name: Mapped[str] = mapped_column(String(64))
    timestamp: Mapped[float] = mapped_column(Double())
    intent_name: Mapped[str | None] = mapped_column(String(255))
    action_name: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[str] = mapped_column(Text())


def create_store_engine(url: str, **options: Any) -> AsyncEngine:
    """An :class:`AsyncEngine` for ``url`` set up the way :class:`SQLTrackerStore` needs.

    ``options`` go to :func:`sqlalchemy.ext.asyncio.create_async_engine`
    (``pool_size``, ``max_overflow``, ``pool_pre_ping``, ``pool_recycle``, ``echo``, ...).
    For SQLite every new connection gets ``journal_mode=WAL``, ``synchronous=NORMAL``
    and a busy timeout, and SQLAlchemy (not the driver) emits ``BEGIN`` so that
    appends can take the write lock up front. No I/O happens here.
    Raises :class:`StoreConfigurationError` for a malformed URL or an unknown option.
    """
    try:
        parsed = make_url(url)
        engine = create_async_engine(parsed, **options)
    except (SQLAlchemyError, TypeError, ValueError) as e:
        raise StoreConfigurationError(f"cannot create a SQL engine for {url!r}: {e}") from e
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
        event.listen(engine.sync_engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN in _begin_sqlite_transaction
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    # A deferred transaction that reads MAX(seq) and then writes fails at once with
    # SQLITE_BUSY when another writer committed in between; IMMEDIATE waits instead.
    mode = connection.get_execution_options().get(_BEGIN_MODE, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def _is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


@asynccontextmanager
async def _database_errors(doing: str) -> AsyncIterator[None]:
    """Turn SQLAlchemy and driver errors into the dialogue error hierarchy."""
    try:
        yield
    except (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError) as e:
        raise TrackerStoreUnavailable(f"could not {doing}: {e}") from e
    except DBAPIError as e:
        if e.connection_invalidated:
            raise TrackerStoreUnavailable(f"could not {doing}: {e}") from e
        raise TrackerStoreError(f"could not {doing}: {e}") from e
    except SQLAlchemyError as e:
        raise TrackerStoreError(f"could not {doing}: {e}") from e
    except (OSError, TimeoutError) as e:  # raised raw by drivers while connecting
        raise TrackerStoreUnavailable(f"could not {doing}: {e!r}") from e


class SQLTrackerStore:
    """Events of all conversations in one SQL table, appended one transaction per call.

    Build it with :meth:`connect`, or pass an engine made by
    :func:`create_store_engine` whose tables exist. Errors: database failures raise
    :class:`TrackerStoreUnavailable` (transient) or :class:`TrackerStoreError`;
    nothing from the driver escapes unwrapped.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{_BEGIN_MODE: "IMMEDIATE"})
        # One shared connection (StaticPool) cannot run two transactions at once.
        self._gate: asyncio.Lock | nullcontext[None] = (
            asyncio.Lock() if _is_sqlite_memory(engine.url) else nullcontext()
        )

    @classmethod
    async def connect(cls, url: str, **options: Any) -> Self:
        """Create the engine (``options`` as in :func:`create_store_engine`) and missing tables.

        Raises :class:`TrackerStoreUnavailable` if the database cannot be reached and
        :class:`StoreConfigurationError` for a bad URL or option.
        """
        engine = create_store_engine(url, **options)
        try:
            async with _database_errors(f"create tables in {engine.url!r}"), engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine)

    async def retrieve(self, conversation_id: ConversationId) -> list[Event]:
        """All events of the conversation ordered by ``seq``; ``[]`` for an unknown id."""
        return await self.retrieve_since(conversation_id, 0)

    async def retrieve_since(self, conversation_id: ConversationId, seq: int) -> list[Event]:
        """Events with a sequence number above ``seq``, in order.

        Sequence numbers count from 1 without gaps, so ``retrieve_since(cid, n)``
        returns what was appended after the first ``n`` events.
        """
        checked_conversation_id(conversation_id)
        query = (
            select(EventRow.seq, EventRow.data)
            .where(EventRow.conversation_id == conversation_id, EventRow.seq > seq)
            .order_by(EventRow.seq)
        )
        async with (
            self._gate,
            _database_errors(f"read conversation {conversation_id!r}"),
            self.engine.connect() as conn,
        ):
            rows = (await conn.execute(query)).all()
        return [load_event(row.data, f"#{row.seq} of {conversation_id!r}") for row in rows]

    async def append(self, conversation_id: ConversationId, events: Sequence[Event]) -> None:
        """Append ``events`` after the stored ones in one transaction: all or none are stored.

        Sequence numbers continue from the current maximum. If a concurrent writer
        took the same numbers, the transaction is retried once; losing again raises
        :class:`ConcurrencyError`. Callers should hold the conversation's lock.
        """
        checked_conversation_id(conversation_id)
        encoded = [(item, dump_event(item)) for item in events]
        if not encoded:
            return
        async with self._gate, _database_errors(f"append to conversation {conversation_id!r}"):
            try:
                await self._insert_after_last(conversation_id, encoded)
            except IntegrityError:
                try:
                    await self._insert_after_last(conversation_id, encoded)
                except IntegrityError as e:
                    raise ConcurrencyError(
                        f"conversation {conversation_id!r} was appended to concurrently twice; "
                        "hold its lock while appending"
                    ) from e

    async def _insert_after_last(
        self, conversation_id: ConversationId, encoded: Sequence[tuple[Event, str]]
    ) -> None:
        async with self._writer.begin() as conn:
            last = await _last_seq(conn, conversation_id)
            rows = [
                _row(conversation_id, seq, item, text)
                for seq, (item, text) in enumerate(encoded, start=last + 1)
            ]
            await conn.execute(insert(EventRow), rows)

    async def conversation_ids(self) -> list[ConversationId]:
        """Ids of conversations with at least one event, sorted."""
        query = select(EventRow.conversation_id).distinct()
        async with self._gate, _database_errors("list conversations"), self.engine.connect() as c:
            ids = (await c.scalars(query)).all()
        return sorted(ConversationId(cid) for cid in ids)  # Python's order, not the collation's

    async def close(self) -> None:
        """Close all pooled connections; using the store afterwards opens new ones.

        An in-memory SQLite database lives in its one connection, so closing discards it.
        """
        await self.engine.dispose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.engine.url!r})"


async def _last_seq(conn: AsyncConnection, conversation_id: ConversationId) -> int:
    query = select(func.max(EventRow.seq)).where(EventRow.conversation_id == conversation_id)
    return (await conn.scalar(query)) or 0


def _row(conversation_id: ConversationId, seq: int, item: Event, text: str) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "seq": seq,
        "type_name": event_name(item),
        "timestamp": item.timestamp,
        "intent_name": _label(item.intent_name) if isinstance(item, UserUttered) else None,
        "action_name": _label(item.name) if isinstance(item, ActionExecuted) else None,
        "data": text,
    }


def _label(name: str | None) -> str | None:
    """An analytics column value: what fits the column (the full event is in ``data``)."""
    return None if name is None else name.replace("\x00", "")[:255]
