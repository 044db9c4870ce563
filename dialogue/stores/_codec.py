"""The stored form of an event: JSON text of :func:`dialogue.events.event_to_dict`.

Both tracker stores keep exactly this text, so the in-memory test double runs
the same codec (and rejects the same unserialisable values) as the database.
"""

from __future__ import annotations

import json

from dialogue.errors import EventEncodeError, TrackerStoreError
from dialogue.events import Event, event_from_dict, event_to_dict


def dump_event(event: Event) -> str:
    """JSON text of ``event``; raises :class:`EventEncodeError` for values JSON cannot carry."""
    try:
        return json.dumps(event_to_dict(event))
    except (TypeError, ValueError) as e:
        raise EventEncodeError(f"{type(event).__name__} cannot be stored as JSON: {e}") from e


def load_event(text: str, where: str) -> Event:
    """Decode stored JSON text; a corrupt row raises :class:`TrackerStoreError` naming ``where``."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        return event_from_dict(data)
    except ValueError as e:
        raise TrackerStoreError(f"stored event {where} is not a valid event: {e}") from e
