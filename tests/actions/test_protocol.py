"""Rasa's action-server protocol: the call Parley sends and how it applies the answer."""

from __future__ import annotations

from typing import Any

import pytest

from actions.errors import ActionServerError
from actions.protocol import action_call, answer_events, domain_dict
from dialogue.events import BotUttered, event_from_dict
from tests.actions.builders import context, conversation, described, domain_from, listen, slot, user

DOMAIN = domain_from(
    """
    intents: [order_status, inform]
    entities: [order_number]
    slots:
      order_number:
        type: text
        mappings:
        - {type: from_entity, entity: order_number}
    responses:
      utter_status:
      - text: "Order {order_number} is {status}."
    actions: [action_check]
    forms:
      order_form:
        required_slots: [order_number]
    """
)


def test_the_call_carries_what_rasa_sends_an_action_server() -> None:
    tracker = conversation(
        DOMAIN, listen(), user("order_status", text="where is it"), slot("order_number", "PO-1")
    )

    call = action_call("action_check", context(DOMAIN, tracker))

    assert call["next_action"] == "action_check" and call["sender_id"] == "test-conversation"
    assert set(call) == {"next_action", "sender_id", "tracker", "domain", "version"}
    state = call["tracker"]
    assert state["slots"]["order_number"] == "PO-1"
    assert state["latest_message"]["intent"]["name"] == "order_status"
    assert state["latest_message"]["text"] == "where is it"
    assert state["latest_action_name"] == "action_listen"
    assert state["paused"] is False and state["active_loop"] == {}
    assert [event_from_dict(e) for e in state["events"]] == list(tracker.events)


def test_the_domain_is_sent_in_domain_yml_layout() -> None:
    data = domain_dict(DOMAIN)
    assert data["forms"]["order_form"]["required_slots"] == ["order_number"]
    assert data["slots"]["order_number"]["mappings"][0]["entity"] == "order_number"
    assert data["actions"] == ["action_check"]
    assert data["responses"]["utter_status"][0]["text"] == "Order {order_number} is {status}."


async def test_a_named_response_is_rendered_with_the_values_the_action_passed() -> None:
    tracker = conversation(DOMAIN, slot("order_number", "PO-7"))
    answer = {
        "events": [{"event": "slot", "name": "order_number", "value": None}],
        "responses": [{"response": "utter_status", "status": "on its way", "text": None}],
    }

    events = await answer_events("action_check", answer, context(DOMAIN, tracker))

    assert described(events) == [
        ("bot", "Order PO-7 is on its way."),
        ("slot", "order_number", None),
    ]
    assert (
        isinstance(events[0], BotUttered) and events[0].metadata["utter_action"] == "utter_status"
    )


async def test_a_written_message_keeps_its_buttons_image_and_custom_payload() -> None:
    message = {
        "text": "Pick one",
        "buttons": [{"title": "Yes", "payload": "/affirm"}],
        "image": "https://example.com/a.png",
        "custom": {"card": 1},
    }
    events = await answer_events(
        "action_check",
        {"events": [], "responses": [message]},
        context(DOMAIN, conversation(DOMAIN)),
    )
    (said,) = events
    assert isinstance(said, BotUttered) and said.text == "Pick one"
    assert said.data["buttons"] == [{"title": "Yes", "payload": "/affirm"}]
    assert said.data["image"] == "https://example.com/a.png" and said.data["custom"] == {"card": 1}


async def test_an_empty_answer_adds_nothing() -> None:
    ctx = context(DOMAIN, conversation(DOMAIN))
    assert await answer_events("action_check", {"events": [], "responses": []}, ctx) == []
    assert await answer_events("action_check", None, ctx) == []


@pytest.mark.parametrize(
    "answer",
    [
        ["not", "an", "object"],
        {"events": {"event": "slot"}},
        {"events": [{"event": "no_such_event"}]},
        {"events": [{"event": "slot", "name": 3}]},
        {"responses": ["hello"]},
    ],
    ids=["list", "events-not-list", "unknown-event", "bad-field", "response-not-object"],
)
async def test_a_malformed_answer_is_an_action_server_error(answer: Any) -> None:
    with pytest.raises(ActionServerError, match="action_check"):
        await answer_events("action_check", answer, context(DOMAIN, conversation(DOMAIN)))
