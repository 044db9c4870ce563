"""A conversation in Rasa's tracker JSON shape.

The HTTP API (``GET /conversations/{id}/tracker``) and the action-server protocol
both send this shape; only which events go with it differs, so the caller passes
those already encoded.
"""

from __future__ import annotations

from typing import Any

from dialogue.state import DialogueState
from dialogue.tracker import Tracker

_EMPTY_MESSAGE: dict[str, Any] = {
    "intent": {},
    "entities": [],
    "text": None,
    "message_id": None,
    "metadata": {},
}


def tracker_as_rasa(tracker: Tracker, events: list[dict[str, Any]] | None) -> dict[str, Any]:
    """``tracker`` with Rasa's keys (``sender_id``, ``slots``, ``latest_message``, ...)."""
    state = tracker.state
    latest = state.latest_message
    return {
        "sender_id": tracker.conversation_id,
        "slots": dict(state.slots),
        "latest_message": _latest_message(state),
        "latest_event_time": tracker.latest_timestamp,
        "followup_action": state.followup_action,
        "paused": state.paused,
        "events": events,
        "latest_input_channel": latest.input_channel if latest else None,
        "active_loop": _active_loop(state),
        "latest_action": {"action_name": state.latest_action} if state.latest_action else {},
        "latest_action_name": state.latest_action,
    }


def _latest_message(state: DialogueState) -> dict[str, Any]:
    message = state.latest_message
    if message is None:
        return dict(_EMPTY_MESSAGE)
    parsed = message.parse_data.to_dict() if message.parse_data else {}
    return {
        **_EMPTY_MESSAGE,
        **parsed,
        "text": message.text,
        "message_id": message.message_id or parsed.get("message_id"),
        "metadata": dict(message.metadata),
    }


def _active_loop(state: DialogueState) -> dict[str, Any]:
    if state.active_loop is None:
        return {}
    return {
        "name": state.active_loop,
        "validate": not state.loop_interrupted,
        "rejected": state.loop_rejected,
    }
