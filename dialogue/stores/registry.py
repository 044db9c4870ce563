"""Tracker stores by their ``endpoints.yml`` ``tracker_store: type:`` name.

An entry is a :data:`TrackerStoreFactory`: ``await factory(url, options)`` opens a
ready store. ``url`` is a complete SQLAlchemy URL for SQL stores (the caller
assembles it from ``endpoints.yml``) and ``None`` for stores that need none;
``options`` are the remaining settings. A missing URL or an unknown option raises
:class:`~dialogue.errors.StoreConfigurationError`. New backends register with
``@TRACKER_STORES.register("name")``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from dialogue.errors import StoreConfigurationError
from dialogue.interfaces import TrackerStore
from dialogue.stores.memory import InMemoryTrackerStore
from dialogue.stores.sql import SQLTrackerStore
from plugins import Registry

TrackerStoreFactory = Callable[[str | None, Mapping[str, Any]], Awaitable[TrackerStore]]

TRACKER_STORES: Registry[TrackerStoreFactory] = Registry("tracker store")


@TRACKER_STORES.register("sql", "SQL", "SQLTrackerStore")
async def open_sql_store(url: str | None, options: Mapping[str, Any]) -> TrackerStore:
    """:meth:`SQLTrackerStore.connect`; ``options`` are engine options such as ``pool_size``."""
    if not url:
        raise StoreConfigurationError("the sql tracker store needs a database URL")
    return await SQLTrackerStore.connect(url, **options)


@TRACKER_STORES.register("memory", "in_memory", "InMemoryTrackerStore")
async def open_memory_store(url: str | None, options: Mapping[str, Any]) -> TrackerStore:
    """A fresh :class:`InMemoryTrackerStore`; it takes no URL and no options."""
    if url is not None or options:
        given = ["url"] * (url is not None) + sorted(options)
        raise StoreConfigurationError(
            f"the in-memory tracker store takes no settings; got {', '.join(given)}"
        )
    return InMemoryTrackerStore()
