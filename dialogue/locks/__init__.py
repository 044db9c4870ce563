"""Conversation locks: one turn of a conversation at a time, served in arrival order.

* :class:`InMemoryLockStore` serialises turns inside one process.
* :class:`RedisLockStore` serialises them across processes and machines, with
  ticket ordering and expiry of a crashed holder's lock.
* :data:`LOCK_STORES` opens either by its ``endpoints.yml`` ``lock_store: type:`` name::

    locks = await LOCK_STORES.get("redis")("redis://localhost:6379/0", {"lock_lifetime": 30})
    async with locks.lock(conversation_id):
        events = await tracker_store.retrieve(conversation_id)
        ...
        await tracker_store.append(conversation_id, new_events)
"""

from dialogue.locks.errors import LockStoreUnavailable
from dialogue.locks.memory import InMemoryLockStore
from dialogue.locks.redis import RedisLockStore
from dialogue.locks.registry import LOCK_STORES, LockStoreFactory

__all__ = [
    "LOCK_STORES",
    "InMemoryLockStore",
    "LockStoreFactory",
    "LockStoreUnavailable",
    "RedisLockStore",
]
