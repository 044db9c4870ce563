"""Per-conversation FIFO locks for the coroutines of one process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from dialogue.errors import LockTimeout, StoreConfigurationError
from dialogue.interfaces import LockStore
from dialogue.locks.registry import LOCK_STORES, refuse_unknown, seconds_option
from dialogue.tracker import ConversationId


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

    async def ping(self) -> None:
        """Always answers: the locks live in this process."""

    async def close(self) -> None:
        """Nothing to release."""


@LOCK_STORES.register("in_memory", "memory", "InMemoryLockStore")
async def open_in_memory_lock_store(url: str | None, options: Mapping[str, Any]) -> LockStore:
    """An :class:`InMemoryLockStore`; the only option is ``wait_timeout`` (seconds or null)."""
    given = {**options, **({"url": url} if url is not None else {})}
    refuse_unknown("in-memory", given, {"wait_timeout"})
    return InMemoryLockStore(wait_timeout=seconds_option(options, "wait_timeout", None))
