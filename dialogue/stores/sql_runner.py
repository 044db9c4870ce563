"""Where the SQL tracker store's statements run: on the async engine, or for a SQLite file
on a plain engine in a worker thread.

aiosqlite hands every driver call (cursor, execute, fetch, close, begin, commit) to its
thread and back, so one read costs about nine round trips through the event loop
(1.4 ms of CPU) and one append about a dozen (2.1 ms). A SQLite file opened with the
standard ``sqlite3`` driver in a worker thread does the same work in one hop per
statement batch (0.4 ms for a read), and stays off the event loop. Both runners take a
plain function of a synchronous :class:`~sqlalchemy.Connection`, so each query is
written once. An in-memory SQLite database lives in its one async connection and stays
on the async engine; PostgreSQL's asyncpg is async all the way down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import URL, Connection, Engine, create_engine
from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")
BEGIN_MODE = "parley_sqlite_begin"  # execution option read by the SQLite "begin" hook


class StatementRunner(Protocol):
    async def read(self, work: Callable[[Connection], T]) -> T:
        """``work`` on a connection, in a transaction that is rolled back."""
        ...

    async def write(self, work: Callable[[Connection], T]) -> T:
        """``work`` in one transaction, committed if it returns (``BEGIN IMMEDIATE`` on SQLite)."""
        ...

    async def dispose(self) -> None:
        """Close what the runner opened itself."""
        ...


class AsyncRunner:
    """Statements on the async engine, through ``run_sync``.

    With ``autocommit_reads`` (PostgreSQL), a read runs outside a transaction: its one
    ``SELECT`` sees one snapshot anyway, and the ``BEGIN`` and ``ROLLBACK`` that the
    driver would wrap around it are two round trips to the server for nothing.
    """

    def __init__(self, engine: AsyncEngine, autocommit_reads: bool = False) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{BEGIN_MODE: "IMMEDIATE"})
        self._reader = (
            engine.execution_options(isolation_level="AUTOCOMMIT") if autocommit_reads else engine
        )

    async def read(self, work: Callable[[Connection], T]) -> T:
        async with self._reader.connect() as conn:
            return await conn.run_sync(work)

    async def write(self, work: Callable[[Connection], T]) -> T:
        async with self._writer.begin() as conn:
            return await conn.run_sync(work)

    async def dispose(self) -> None:
        """Nothing: the engine is the store's, which disposes it."""


class ThreadRunner:
    """Statements on a ``sqlite3`` engine for the same file, in a worker thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{BEGIN_MODE: "IMMEDIATE"})

    async def read(self, work: Callable[[Connection], T]) -> T:
        return await asyncio.to_thread(_in_connection, self.engine, work)

    async def write(self, work: Callable[[Connection], T]) -> T:
        return await asyncio.to_thread(_in_transaction, self._writer, work)

    async def dispose(self) -> None:
        await asyncio.to_thread(self.engine.dispose)


def _in_connection(engine: Engine, work: Callable[[Connection], T]) -> T:
    with engine.connect() as conn:
        return work(conn)


def _in_transaction(engine: Engine, work: Callable[[Connection], T]) -> T:
    with engine.begin() as conn:
        return work(conn)


def is_sqlite_memory(url: URL) -> bool:
    """An in-memory SQLite database: it lives in its one connection."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def statement_runner(engine: AsyncEngine, configure: Callable[[Any], None]) -> StatementRunner:
    """A :class:`ThreadRunner` for a SQLite file, else an :class:`AsyncRunner`.

    ``configure`` registers the SQLite connection hooks on the plain engine.
    """
    url: URL = engine.url
    if url.get_backend_name() != "sqlite" or is_sqlite_memory(url):
        return AsyncRunner(engine, autocommit_reads=url.get_backend_name() == "postgresql")
    plain = create_engine(url.set(drivername="sqlite+pysqlite"))
    configure(plain)
    return ThreadRunner(plain)
