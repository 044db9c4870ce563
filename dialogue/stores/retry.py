"""Retrying tracker-store calls that failed for a transient reason (connection refused or
reset, pool exhausted) with exponential backoff."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from dialogue.errors import StoreConfigurationError, TrackerStoreUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Up to ``attempts`` tries in all; the pause before try ``n + 1`` is
    ``backoff * 2 ** (n - 1)`` seconds, capped at ``max_backoff``."""

    attempts: int = 3
    backoff: float = 0.05
    max_backoff: float = 1.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.backoff < 0 or self.max_backoff < 0:
            raise StoreConfigurationError(
                f"retry_attempts must be >= 1 and retry_backoff >= 0, got {self}"
            )

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> RetryPolicy:
        """Take ``retry_attempts`` and ``retry_backoff`` (seconds) out of ``options``."""
        attempts = options.pop("retry_attempts", cls.attempts)
        backoff = options.pop("retry_backoff", cls.backoff)
        if isinstance(attempts, bool) or not isinstance(attempts, int):
            raise StoreConfigurationError(f"retry_attempts must be an integer, got {attempts!r}")
        if isinstance(backoff, bool) or not isinstance(backoff, int | float):
            raise StoreConfigurationError(f"retry_backoff must be a number, got {backoff!r}")
        return cls(attempts=attempts, backoff=float(backoff))

    async def run(self, doing: str, operation: Callable[[], Awaitable[T]]) -> T:
        """``await operation()``, again after each :class:`TrackerStoreUnavailable`;
        the last failure is raised."""
        for attempt in range(1, self.attempts):
            try:
                return await operation()
            except TrackerStoreUnavailable as e:
                pause = min(self.backoff * 2 ** (attempt - 1), self.max_backoff)
                log.warning("%s failed (try %d, again in %.2fs): %s", doing, attempt, pause, e)
                await asyncio.sleep(pause)
        return await operation()
