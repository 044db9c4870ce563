"""The dialogue-state manager: events, the tracker fold, the domain, stores and policies."""

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
