"""Errors raised by the dialogue package.

Every error the package raises on purpose derives from :class:`DialogueError`;
driver and library errors are wrapped (``raise ... from e``), never leaked raw
and never swallowed::

    DialogueError
    ├── StoreConfigurationError     a store's settings are unusable (also ValueError)
    ├── EventEncodeError            an event holds a value JSON cannot carry (also TypeError)
    ├── InvalidConversationId       empty, over 255 characters, or with a NUL (also ValueError)
    ├── TrackerStoreError           the tracker store failed; the call read or wrote nothing
    │   ├── TrackerStoreUnavailable transient: unreachable, timed out, busy; retrying may work
    │   └── ConcurrencyError        another writer took the same sequence numbers twice in a row
    └── LockError
        └── LockTimeout             waited longer than the lock store's ``wait_timeout``

``dialogue.events.EventDecodeError`` (a ``ValueError``) is raised by the event
codec itself for malformed JSON from outside; a stored event that no longer
decodes surfaces as :class:`TrackerStoreError`.
"""

from __future__ import annotations


class DialogueError(Exception):
    """Base of every error the dialogue package raises on purpose."""


class StoreConfigurationError(DialogueError, ValueError):
    """A store was configured with a missing URL, an unknown option or an invalid value."""


class EventEncodeError(DialogueError, TypeError):
    """An event cannot be serialised (e.g. a slot value that is not JSON); nothing was stored."""


class InvalidConversationId(DialogueError, ValueError):
    """A conversation id no store can key on; nothing was read or written."""


class TrackerStoreError(DialogueError):
    """A tracker store operation failed; an ``append`` that raises stored none of its events."""


class TrackerStoreUnavailable(TrackerStoreError):
    """The database is unreachable, timed out or busy. The failure is transient; retry later."""


class ConcurrencyError(TrackerStoreError):
    """Two writers appended to one conversation at once and this one lost the race twice.

    Callers are expected to hold the conversation's lock (see ``dialogue.locks``);
    seeing this error means that contract was broken somewhere.
    """


class LockError(DialogueError):
    """A conversation lock could not be acquired."""


class LockTimeout(LockError):
    """Waiting for a conversation's lock took longer than the configured timeout."""

    def __init__(self, conversation_id: str, timeout: float) -> None:
        super().__init__(
            f"waited more than {timeout:g} s for the lock of conversation {conversation_id!r}"
        )
        self.conversation_id = conversation_id
        self.timeout = timeout
