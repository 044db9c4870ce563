"""The stored form of an event: JSON text of :func:`dialogue.events.event_to_dict`.

Both tracker stores keep exactly this text, so the in-memory test double runs
the same codec (and refuses the same values) as the database. Writing goes
through :func:`dialogue.events.encode_event`, which refuses an event that would
not read back. Reading is forgiving: an event stored by an older version that no
longer decodes (or that no client could be sent, such as text with a lone
surrogate) is reported in the log and skipped, so the rest of its conversation
can still be read, exported, restarted and continued.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from dialogue.errors import EventEncodeError, TrackerStoreError
from dialogue.events import Event, encode_event, event_from_dict

log = logging.getLogger("dialogue.stores")


def dump_event(event: Event) -> str:
    """JSON text of ``event``; raises :class:`EventEncodeError` unless it reads back."""
    return encode_event(event)


def load_event(text: str, where: str) -> Event:
    """Decode stored JSON text; an unreadable row raises :class:`TrackerStoreError` naming
    ``where``."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        event = event_from_dict(data)
        if _may_not_encode(text):  # a lone surrogate or NaN, stored before writes were checked
            encode_event(event)
    except (ValueError, TypeError, RecursionError) as e:  # EventEncodeError is a TypeError
        raise TrackerStoreError(f"stored event {where} is not a valid event: {e}") from e
    return event


def _may_not_encode(text: str) -> bool:
    """Cheap test of stored JSON text for what only a full re-encode can rule out: escaped
    surrogates (``\\udXXX``, also in valid pairs) and non-finite numbers."""
    return "\\ud" in text or "\\uD" in text or "NaN" in text or "Infinity" in text


def load_readable(
    rows: Iterable[tuple[int, str]], conversation_id: str
) -> list[Event]:
    """The events of ``rows`` (``(seq, text)`` pairs) that decode; each one that does not is
    logged as an error, with its conversation and sequence number, and skipped."""
    events: list[Event] = []
    for seq, text in rows:
        try:
            events.append(load_event(text, f"#{seq} of {conversation_id!r}"))
        except TrackerStoreError as e:
            log.error("conversation %s: skipping an unreadable event: %s", conversation_id, e)
    return events


__all__ = ["EventEncodeError", "dump_event", "load_event", "load_readable"]
