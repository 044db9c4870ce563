"""Lock stores by their ``endpoints.yml`` ``lock_store: type:`` name.

An entry is a :data:`LockStoreFactory`: ``await factory(url, options)`` opens a
ready lock store. ``url`` is the store's address (``None`` for stores that need
none) and ``options`` are the section's other settings; an unknown option raises
:class:`~dialogue.errors.StoreConfigurationError`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from dialogue.errors import StoreConfigurationError
from dialogue.interfaces import LockStore
from plugins import Registry

LockStoreFactory = Callable[[str | None, Mapping[str, Any]], Awaitable[LockStore]]

LOCK_STORES: Registry[LockStoreFactory] = Registry("lock store")


def seconds_option(options: Mapping[str, Any], name: str, default: float | None) -> float | None:
    """A positive number of seconds (or ``None``) from ``options[name]``."""
    value = options.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StoreConfigurationError(f"{name} must be a number, got {value!r}")
    if value <= 0:
        raise StoreConfigurationError(f"{name} must be positive, got {value}")
    return float(value)


def refuse_unknown(kind: str, given: Mapping[str, Any], known: set[str]) -> None:
    """Raise :class:`StoreConfigurationError` naming the settings of ``given`` not in ``known``."""
    unknown = sorted(set(given) - known)
    if unknown:
        raise StoreConfigurationError(
            f"unknown {kind} lock store setting(s): {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known)) or 'none'}"
        )
