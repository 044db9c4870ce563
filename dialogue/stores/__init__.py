"""Tracker stores: where conversations' events live.

* :class:`SQLTrackerStore` — SQLite or PostgreSQL through SQLAlchemy's asyncio engine.
* :class:`InMemoryTrackerStore` — in the process, for tests and demos.
* :data:`TRACKER_STORES` — both, by their ``endpoints.yml`` type names.
* :func:`export_conversations` / :func:`import_conversations` — JSON lines, any store.
"""

from dialogue.stores.memory import InMemoryTrackerStore
from dialogue.stores.registry import TRACKER_STORES, TrackerStoreFactory
from dialogue.stores.sql import SQLTrackerStore
from dialogue.stores.transfer import (
    ConversationFileError,
    ImportReport,
    export_conversations,
    import_conversations,
)

__all__ = [
    "TRACKER_STORES",
    "ConversationFileError",
    "ImportReport",
    "InMemoryTrackerStore",
    "SQLTrackerStore",
    "TrackerStoreFactory",
    "export_conversations",
    "import_conversations",
]
