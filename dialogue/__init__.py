"""The dialogue-state manager: events, the tracker fold, the domain, stores and policies.

The names below load on first use: importing :mod:`dialogue.events` (the event model)
must not import the domain's pydantic models or the interfaces with them.
"""

from typing import TYPE_CHECKING

from plugins import lazy_attributes

if TYPE_CHECKING:
    from dialogue.domain import Domain
    from dialogue.events import Event, event_from_dict, event_to_dict
    from dialogue.interfaces import (
        LockStore,
        NextActionPredictor,
        Policy,
        PolicyPrediction,
        TrackerStore,
    )
    from dialogue.state import DialogueState, replay
    from dialogue.tracker import ConversationId, Tracker

_MODULES = {
    "ConversationId": "dialogue.tracker",
    "DialogueState": "dialogue.state",
    "Domain": "dialogue.domain",
    "Event": "dialogue.events",
    "LockStore": "dialogue.interfaces",
    "NextActionPredictor": "dialogue.interfaces",
    "Policy": "dialogue.interfaces",
    "PolicyPrediction": "dialogue.interfaces",
    "Tracker": "dialogue.tracker",
    "TrackerStore": "dialogue.interfaces",
    "event_from_dict": "dialogue.events",
    "event_to_dict": "dialogue.events",
    "replay": "dialogue.state",
}


__getattr__ = lazy_attributes("dialogue", _MODULES)


__all__ = [
    "ConversationId",
    "DialogueState",
    "Domain",
    "Event",
    "LockStore",
    "NextActionPredictor",
    "Policy",
    "PolicyPrediction",
    "Tracker",
    "TrackerStore",
    "event_from_dict",
    "event_to_dict",
    "replay",
]
