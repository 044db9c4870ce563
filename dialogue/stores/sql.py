"""A tracker store on SQLAlchemy's asyncio engine: SQLite (aiosqlite) or PostgreSQL (asyncpg).

The schema (one row per event in the table ``events``) is described in
:mod:`dialogue.stores.tables` and kept up to date by the Alembic migrations of
:mod:`dialogue.stores.schema`. Calls that fail for a transient reason are retried
(:class:`~dialogue.stores.retry.RetryPolicy`); an append whose commit was
acknowledged to nobody is never stored twice. Reads and appends of a SQLite file run
on the standard ``sqlite3`` driver in a worker thread (:mod:`dialogue.stores.sql_runner`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, nullcontext
from typing import Any, Self

from sqlalchemy import Connection, Engine, event, func, insert, literal, make_url, select
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from dialogue.errors import (
    ConcurrencyError,
    StoreConfigurationError,
    TrackerStoreError,
    TrackerStoreUnavailable,
)
from dialogue.events import ActionExecuted, Event, UserUttered, event_name
from dialogue.stores._codec import dump_event, load_readable
from dialogue.stores.retry import RetryPolicy
from dialogue.stores.schema import upgrade_schema
from dialogue.stores.sql_runner import BEGIN_MODE, is_sqlite_memory, statement_runner
from dialogue.stores.tables import EventRow
from dialogue.tracker import ConversationId, checked_conversation_id

SQLITE_BUSY_TIMEOUT_MS = 5000
POSTGRES_POOL_SIZE, POSTGRES_MAX_OVERFLOW = 16, 4


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
        _configure_sqlite_engine(engine.sync_engine)
    return engine


def _configure_sqlite_engine(engine: Engine) -> None:
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)


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
    mode = connection.get_execution_options().get(BEGIN_MODE, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def _backend_name(url: str) -> str | None:
    try:
        return make_url(url).get_backend_name()
    except (SQLAlchemyError, ValueError):
        return None  # create_store_engine reports the malformed URL


@asynccontextmanager
async def _database_errors(doing: str) -> AsyncIterator[None]:
    """Turn SQLAlchemy and driver errors into the dialogue error hierarchy."""
    try:
        yield
    except (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError) as e:
        raise TrackerStoreUnavailable(f"could not {doing}: {e}") from e
    except DBAPIError as e:
        if e.connection_invalidated or _lost_connection(e):
            raise TrackerStoreUnavailable(f"could not {doing}: {e}") from e
        raise TrackerStoreError(f"could not {doing}: {e}") from e
    except SQLAlchemyError as e:
        raise TrackerStoreError(f"could not {doing}: {e}") from e
    except (OSError, TimeoutError) as e:  # raised raw by drivers while connecting
        raise TrackerStoreUnavailable(f"could not {doing}: {e!r}") from e


def _lost_connection(error: BaseException) -> bool:
    """Whether a driver error says the connection itself went away (asyncpg's
    "connection was closed in the middle of operation" while connecting): transient,
    unlike an error the database answered with."""
    seen: BaseException | None = error
    for _ in range(8):  # the wrapper, SQLAlchemy's translated error, the driver's error
        if seen is None:
            return False
        if isinstance(seen, OSError | TimeoutError) or type(seen).__name__ in _LOST:
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


# asyncpg's names for a connection that failed or went away (its PostgresConnectionError
# family); compared by name so that this module does not import a driver it may not use.
_LOST = frozenset(
    {
        "PostgresConnectionError",
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "ClientCannotConnectError",
        "CannotConnectNowError",
    }
)


class SQLTrackerStore:
    """Events of all conversations in one SQL table, appended one transaction per call.

    Build it with :meth:`connect`, or pass an engine made by
    :func:`create_store_engine` whose schema is up to date. Errors: database
    failures raise :class:`TrackerStoreUnavailable` (transient, after ``retry``
    gave up) or :class:`TrackerStoreError`; nothing from the driver escapes unwrapped.
    """

    def __init__(self, engine: AsyncEngine, retry: RetryPolicy | None = None) -> None:
        self.engine = engine
        self.retry = retry or RetryPolicy()
        self._runner = statement_runner(engine, _configure_sqlite_engine)
        # One shared connection (StaticPool) cannot run two transactions at once.
        self._gate: asyncio.Lock | nullcontext[None] = (
            asyncio.Lock() if is_sqlite_memory(engine.url) else nullcontext()
        )

    @classmethod
    async def connect(cls, url: str, **options: Any) -> Self:
        """Create the engine, then create or upgrade the schema (see :mod:`dialogue.stores.schema`).

        ``options``: ``retry_attempts`` (default 3) and ``retry_backoff`` (seconds,
        default 0.05) set the :class:`RetryPolicy`; the rest go to
        :func:`create_store_engine` (pool settings). PostgreSQL connections are
        pinged before use (``pool_pre_ping``) and pooled 16 at most plus 4 overflow
        unless told otherwise: SQLAlchemy's 5 + 10 opened and closed an overflow
        connection for most appends at 32 concurrent conversations, and 20 a worker
        keeps four workers within PostgreSQL's default of 100 connections.
        Raises :class:`TrackerStoreUnavailable` if the database cannot be reached and
        :class:`StoreConfigurationError` for a bad URL or option.
        """
        engine_options = dict(options)
        retry = RetryPolicy.from_options(engine_options)
        if _backend_name(url) == "postgresql":
            engine_options.setdefault("pool_pre_ping", True)
            engine_options.setdefault("pool_size", POSTGRES_POOL_SIZE)
            engine_options.setdefault("max_overflow", POSTGRES_MAX_OVERFLOW)
        engine = create_store_engine(url, **engine_options)
        store = cls(engine, retry)
        try:
            await retry.run("creating tables", store._upgrade_schema)
        except BaseException:
            await engine.dispose()
            raise
        return store

    async def _upgrade_schema(self) -> None:
        async with _database_errors(f"create tables (schema migration) in {self.engine.url!r}"):
            await self._runner.write(upgrade_schema)

    async def retrieve(self, conversation_id: ConversationId) -> list[Event]:
        """All events of the conversation ordered by ``seq``; ``[]`` for an unknown id."""
        return await self.retrieve_since(conversation_id, 0)

    async def retrieve_since(self, conversation_id: ConversationId, seq: int) -> list[Event]:
        """Events with a sequence number above ``seq``, in order.

        Sequence numbers count from 1 without gaps, so ``retrieve_since(cid, n)``
        returns what was appended after the first ``n`` events. A stored event that
        no longer decodes is logged as an error and left out.
        """
        events, _ = await self.retrieve_from(conversation_id, seq)
        return events

    async def retrieve_from(
        self, conversation_id: ConversationId, seq: int
    ) -> tuple[list[Event], int]:
        """:meth:`retrieve_since`, and the sequence number of the last stored event read
        (``seq`` when there is none after it), unreadable ones included."""
        checked_conversation_id(conversation_id)
        query = (
            select(EventRow.seq, EventRow.data)
            .where(EventRow.conversation_id == conversation_id, EventRow.seq > seq)
            .order_by(EventRow.seq)
        )

        async def read() -> list[Any]:
            async with self._gate, _database_errors(f"read conversation {conversation_id!r}"):
                return await self._runner.read(lambda conn: list(conn.execute(query).all()))

        rows = await self.retry.run(f"reading {conversation_id!r}", read)
        last = rows[-1].seq if rows else seq
        return load_readable(((row.seq, row.data) for row in rows), conversation_id), last

    async def append(self, conversation_id: ConversationId, events: Sequence[Event]) -> None:
        """Append ``events`` after the stored ones in one transaction: all or none are stored.

        Sequence numbers continue from the current maximum. If a concurrent writer
        took the same numbers, the transaction is retried once; losing again raises
        :class:`ConcurrencyError`. Callers should hold the conversation's lock.
        A retry after a lost connection first checks whether the failed attempt
        committed after all, so events are stored exactly once.
        """
        checked_conversation_id(conversation_id)
        encoded = [(item, dump_event(item)) for item in events]
        if not encoded:
            return
        attempt = _Append(conversation_id, encoded)

        async def write() -> None:
            async with self._gate, _database_errors(f"append to {conversation_id!r}"):
                await self._append_once(attempt)

        await self.retry.run(f"appending to {conversation_id!r}", write)

    async def _append_once(self, attempt: _Append) -> None:
        try:
            await self._insert_after_last(attempt)
        except IntegrityError:
            try:
                await self._insert_after_last(attempt)
            except IntegrityError as e:
                raise ConcurrencyError(
                    f"conversation {attempt.conversation_id!r} was appended to concurrently "
                    "twice; hold its lock while appending"
                ) from e

    async def _insert_after_last(self, attempt: _Append) -> None:
        await self._runner.write(attempt.insert_after_last)

    async def conversation_ids(self) -> list[ConversationId]:
        """Ids of conversations with at least one event, sorted."""
        query = select(EventRow.conversation_id).distinct()
        ids = await self.retry.run("listing conversations", lambda: self._scalars(query))
        return sorted(ConversationId(cid) for cid in ids)  # Python's order, not the collation's

    async def active_conversation_count(self, since: float) -> int:
        """How many conversations have an event at or after ``since`` (seconds since the epoch)."""
        query = select(func.count(func.distinct(EventRow.conversation_id))).where(
            EventRow.timestamp >= since
        )
        counts = await self._scalars(query)
        return int(counts[0]) if counts else 0

    async def ping(self) -> None:
        """Raise :class:`TrackerStoreUnavailable` unless the database answers (no retry)."""
        await self._scalars(select(literal(1)))

    async def _scalars(self, query: Any) -> list[Any]:
        async with self._gate, _database_errors("query the database"):
            return await self._runner.read(lambda conn: list(conn.scalars(query).all()))

    async def close(self) -> None:
        """Close all pooled connections; using the store afterwards opens new ones.

        An in-memory SQLite database lives in its one connection, so closing discards it.
        """
        await self._runner.dispose()
        await self.engine.dispose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.engine.url!r})"


class _Append:
    """One ``append`` call across its tries: what to write, and where a try wrote it."""

    def __init__(self, conversation_id: ConversationId, encoded: list[tuple[Event, str]]) -> None:
        self.conversation_id = conversation_id
        self.encoded = encoded
        self.after: int | None = None  # the last seq seen by a try that went on to insert

    def insert_after_last(self, conn: Connection) -> None:
        """Insert the events after the conversation's last stored one, unless a failed
        earlier try stored them already; run in a write transaction."""
        last = _last_seq(conn, self.conversation_id)
        if self.committed_before(conn, last):
            return
        self.after = last
        rows = [
            _row(self.conversation_id, seq, item, text)
            for seq, (item, text) in enumerate(self.encoded, start=last + 1)
        ]
        conn.execute(insert(EventRow), rows)

    def committed_before(self, conn: Connection, last: int) -> bool:
        """Whether an earlier try's rows are stored (its commit's answer was lost)."""
        if self.after is None or last != self.after + len(self.encoded):
            return False
        query = (
            select(EventRow.data)
            .where(EventRow.conversation_id == self.conversation_id, EventRow.seq > self.after)
            .order_by(EventRow.seq)
        )
        stored = conn.scalars(query).all()
        return list(stored) == [text for _, text in self.encoded]


def _last_seq(conn: Connection, conversation_id: ConversationId) -> int:
    query = select(func.max(EventRow.seq)).where(EventRow.conversation_id == conversation_id)
    return conn.scalar(query) or 0


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
