"""Conversation locks: one turn of a conversation at a time, served in arrival order.

:class:`InMemoryLockStore` serialises turns inside one process. Stores shared
between processes (e.g. Redis) implement the same
:class:`~dialogue.interfaces.LockStore` protocol and register a
:data:`LockStoreFactory` in :data:`LOCK_STORES` under their ``endpoints.yml``
``lock_store: type:`` name::

    locks = InMemoryLockStore(wait_timeout=10)
    async with locks.lock(conversation_id):
        events = await tracker_store.retrieve(conversation_id)
        ...
        await tracker_store.append(conversation_id, new_events)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from dialogue.errors import LockTimeout, StoreConfigurationError
from dialogue.interfaces import LockStore
from dialogue.tracker import ConversationId
from parley.registry import Registry

LockStoreFactory = Callable[[str | None, Mapping[str, Any]], Awaitable[LockStore]]

LOCK_STORES: Registry[LockStoreFactory] = Registry("lock store")


@dataclass
class _Slot:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # the holder plus the waiters


class InMemoryLockStore:
    """Per-conversation FIFO locks for the coroutines of one process.

    Waiters get a conversation's lock in the order they asked for it (asyncio's
    lock is fair). A conversation's entry exists only while someone holds or
    waits for its lock, so memory does not grow with the number of conversations.
    With ``wait_timeout`` (seconds), a waiter that is not served in time raises
    :class:`~dialogue.errors.LockTimeout` and leaves the queue; others keep their places.
    """

    def __init__(self, wait_timeout: float | None = None) -> None:
        if wait_timeout is not None and wait_timeout <= 0:
            raise StoreConfigurationError(f"wait_timeout must be positive, got {wait_timeout}")
        self.wait_timeout = wait_timeout
        self._slots: dict[ConversationId, _Slot] = {}

    @property
    def active_conversations(self) -> frozenset[ConversationId]:
        """Conversations whose lock is held or awaited right now."""
        return frozenset(self._slots)

    @asynccontextmanager
    async def lock(self, conversation_id: ConversationId) -> AsyncIterator[None]:
        """Hold the conversation's lock for the ``async with`` body; released even on error."""
        slot = self._slots.setdefault(conversation_id, _Slot())
        slot.users += 1
        try:
            await self._acquire(slot.lock, conversation_id)
            try:
                yield
            finally:
                slot.lock.release()
        finally:
            slot.users -= 1
            if slot.users == 0:
                del self._slots[conversation_id]

    async def _acquire(self, lock: asyncio.Lock, conversation_id: ConversationId) -> None:
        try:
            async with asyncio.timeout(self.wait_timeout):
                await lock.acquire()
        except TimeoutError as e:
            raise LockTimeout(conversation_id, self.wait_timeout or 0.0) from e


@LOCK_STORES.register("in_memory", "memory", "InMemoryLockStore")
async def open_in_memory_lock_store(url: str | None, options: Mapping[str, Any]) -> LockStore:
    """An :class:`InMemoryLockStore`; the only option is ``wait_timeout`` (seconds or null)."""
    unknown = sorted(set(options) - {"wait_timeout"}) + ["url"] * (url is not None)
    if unknown:
        raise StoreConfigurationError(
            f"unknown in-memory lock store setting(s): {', '.join(unknown)}; known: wait_timeout"
        )
    wait_timeout = options.get("wait_timeout")
    if wait_timeout is not None and (
        isinstance(wait_timeout, bool) or not isinstance(wait_timeout, int | float)
    ):
        raise StoreConfigurationError(f"wait_timeout must be a number, got {wait_timeout!r}")
    return InMemoryLockStore(wait_timeout=wait_timeout)
