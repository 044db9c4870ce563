"""Tracker store backends the store tests run against, each a named pytest parameter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dialogue.stores import InMemoryTrackerStore, SQLTrackerStore

Store = SQLTrackerStore | InMemoryTrackerStore


@dataclass(frozen=True)
class Backend:
    """Where a store keeps its events; ``url`` is ``None`` for the in-memory store."""

    name: str
    url: str | None

    async def open(self) -> Store:
        if self.url is None:
            return InMemoryTrackerStore()
        return await SQLTrackerStore.connect(self.url)


SQLITE_FILE = pytest.param("sqlite-file", id="sqlite-file")
SQLITE_MEMORY = pytest.param("sqlite-memory", id="sqlite-memory")
POSTGRES = pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)
MEMORY = pytest.param("memory", id="memory")


def _url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    match request.param:
        case "sqlite-file":
            return f"sqlite+aiosqlite:///{tmp_path / 'tracker.db'}"
        case "sqlite-memory":
            return "sqlite+aiosqlite://"
        case "postgres":
            return str(request.getfixturevalue("postgres_url"))
        case _:
            return None


@pytest.fixture(params=[SQLITE_FILE, SQLITE_MEMORY, POSTGRES, MEMORY])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Every tracker store backend."""
    return Backend(request.param, _url(request, tmp_path))


@pytest.fixture(params=[SQLITE_FILE, POSTGRES])
def durable_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a database whose events outlive the store object (a server restart)."""
    url = _url(request, tmp_path)
    assert url is not None
    return url


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    opened = await backend.open()
    yield opened
    await opened.close()
