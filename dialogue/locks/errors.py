"""Errors of shared lock stores, under :class:`dialogue.errors.LockError`::

LockError
├── LockTimeout             (dialogue.errors) waited longer than ``wait_timeout``
└── LockStoreUnavailable    the lock store (e.g. Redis) cannot be reached; retry later
"""

from __future__ import annotations

from dialogue.errors import LockError


class LockStoreUnavailable(LockError):
    """The lock store cannot be reached or timed out; no turn ran. Transient: retry later."""
