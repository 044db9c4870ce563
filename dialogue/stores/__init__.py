"""Tracker stores: where conversations' events live.

* :class:`SQLTrackerStore` — SQLite or PostgreSQL through SQLAlchemy's asyncio engine.
* :class:`InMemoryTrackerStore` — in the process, for tests and demos.
* :data:`TRACKER_STORES` — both, by their ``endpoints.yml`` type names.
"""

from dialogue.stores.memory import InMemoryTrackerStore
from dialogue.stores.registry import TRACKER_STORES, TrackerStoreFactory
from dialogue.stores.sql import SQLTrackerStore

__all__ = ["TRACKER_STORES", "InMemoryTrackerStore", "SQLTrackerStore", "TrackerStoreFactory"]
