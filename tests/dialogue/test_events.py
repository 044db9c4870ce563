"""The event codec: every event is Rasa's JSON, and only well-formed JSON becomes an event."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from typing import Any

import pytest

from dialogue.errors import EventEncodeError
from dialogue.events import (
    EVENT_NAMES,
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    EntitiesAdded,
    Event,
    EventDecodeError,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserFeaturization,
    UserUtteranceReverted,
    UserUttered,
    encode_event,
    event_from_dict,
    event_name,
    event_to_dict,
    events_from_dicts,
    events_to_dicts,
)
from nlu.interfaces import Entity, IntentPrediction, ParseResult

T0 = 1_700_000_000.25

PARSE = ParseResult(
    text="table for 4 in Paris",
    intent=IntentPrediction("book", 0.93),
    entities=(
        Entity("number", "4", start=10, end=11, extractor="RegexEntityExtractor"),
        Entity("city", "Paris", start=15, end=20, confidence=0.8, role="destination"),
    ),
    intent_ranking=(IntentPrediction("book", 0.93), IntentPrediction("greet", 0.07)),
    message_id="m-1",
)
BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]

# One event of every kind, with every field set to something other than its default.
SAMPLES: dict[str, Event] = {
    "user": UserUttered(
        text="table for 4 in Paris",
        parse_data=PARSE,
        input_channel="rest",
        message_id="m-1",
        timestamp=T0,
        metadata={"model_id": "abc"},
    ),
    "bot": BotUttered(
        text="Shall I book?",
        data={"buttons": BUTTONS, "image": None},
        timestamp=T0,
        metadata={"utter_action": "utter_confirm"},
    ),
    "action": ActionExecuted(
        name="utter_greet",
        policy="RulePolicy",
        confidence=0.97,
        action_text="Hello!",
        hide_rule_turn=True,
        timestamp=T0,
    ),
    "slot": SlotSet(name="people", value={"adults": 2, "kids": [1, 3]}, timestamp=T0),
    "active_loop": ActiveLoop(name="booking_form", timestamp=T0),
    "followup": FollowupAction(name="utter_goodbye", timestamp=T0),
    "restart": Restarted(timestamp=T0),
    "session_started": SessionStarted(timestamp=T0, metadata={"channel": "web"}),
    "reset_slots": AllSlotsReset(timestamp=T0),
    "action_execution_rejected": ActionExecutionRejected(
        name="booking_form", policy="RulePolicy", confidence=0.5, timestamp=T0
    ),
    "loop_interrupted": LoopInterrupted(is_interrupted=True, timestamp=T0),
    "rewind": UserUtteranceReverted(timestamp=T0),
    "undo": ActionReverted(timestamp=T0),
    "pause": ConversationPaused(timestamp=T0),
    "resume": ConversationResumed(timestamp=T0),
    "user_featurization": UserFeaturization(use_text_for_featurization=True, timestamp=T0),
    "entities": EntitiesAdded(entities=({"entity": "city", "value": "Rome"},), timestamp=T0),
}

# Rasa's field names for each event, besides "event", "timestamp" and "metadata".
RASA_FIELDS: dict[str, set[str]] = {
    "user": {"text", "parse_data", "input_channel", "message_id"},
    "bot": {"text", "data"},
    "action": {"name", "policy", "confidence", "action_text", "hide_rule_turn"},
    "slot": {"name", "value"},
    "active_loop": {"name"},
    "followup": {"name"},
    "action_execution_rejected": {"name", "policy", "confidence"},
    "loop_interrupted": {"is_interrupted"},
    "user_featurization": {"use_text_for_featurization"},
    "entities": {"entities"},
}

NAMES = sorted(EVENT_NAMES)


def test_there_is_one_sample_of_every_event_kind() -> None:
    assert sorted(SAMPLES) == NAMES
    assert {name: type(event) for name, event in SAMPLES.items()} == EVENT_NAMES


# -- encoding and round trips ----------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_every_event_survives_a_round_trip_through_its_dict(name: str) -> None:
    event = SAMPLES[name]
    assert event_from_dict(event_to_dict(event)) == event


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_every_event_survives_a_round_trip_through_json_text(name: str) -> None:
    event = SAMPLES[name]
    text = json.dumps(event_to_dict(event))
    assert event_from_dict(json.loads(text)) == event


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_every_event_is_written_with_rasas_event_name_and_field_names(name: str) -> None:
    data = event_to_dict(SAMPLES[name])
    assert data["event"] == name == event_name(SAMPLES[name])
    assert set(data) == {"event", "timestamp", "metadata"} | RASA_FIELDS.get(name, set())
    assert data["timestamp"] == T0


def test_a_slot_event_is_written_as_rasa_writes_it() -> None:
    data = event_to_dict(SlotSet(name="city", value="Paris", timestamp=T0))
    assert data == {
        "event": "slot",
        "timestamp": T0,
        "metadata": {},
        "name": "city",
        "value": "Paris",
    }


def test_an_action_event_carries_the_policy_and_confidence_that_chose_it() -> None:
    data = event_to_dict(SAMPLES["action"])
    assert (data["name"], data["policy"], data["confidence"]) == ("utter_greet", "RulePolicy", 0.97)


def test_a_user_event_carries_its_parse_in_rasas_parse_data_shape() -> None:
    parse_data = event_to_dict(SAMPLES["user"])["parse_data"]
    assert parse_data["text"] == "table for 4 in Paris"
    assert parse_data["intent"] == {"name": "book", "confidence": 0.93}
    assert parse_data["intent_ranking"] == [
        {"name": "book", "confidence": 0.93},
        {"name": "greet", "confidence": 0.07},
    ]
    assert parse_data["entities"] == [
        {
            "entity": "number",
            "value": "4",
            "start": 10,
            "end": 11,
            "extractor": "RegexEntityExtractor",
        },
        {
            "entity": "city",
            "value": "Paris",
            "start": 15,
            "end": 20,
            "role": "destination",
            "confidence_entity": 0.8,
        },
    ]


def test_a_bot_event_carries_its_buttons_in_data() -> None:
    data = event_to_dict(SAMPLES["bot"])
    assert data["text"] == "Shall I book?"
    assert data["data"]["buttons"] == BUTTONS
    assert data["metadata"] == {"utter_action": "utter_confirm"}


def test_a_list_of_events_round_trips_in_order() -> None:
    events = [SAMPLES[name] for name in NAMES]
    assert events_from_dicts(json.loads(json.dumps(events_to_dicts(events)))) == events


# -- decoding what Rasa writes ---------------------------------------------------------------


def test_a_user_event_written_by_rasa_is_read() -> None:
    rasa_json = {
        "event": "user",
        "timestamp": 1_690_000_000,
        "metadata": {"model_id": "5f2c", "assistant_id": "bot"},
        "text": "hi",
        "parse_data": {
            "intent": {"name": "greet", "confidence": 0.99},
            "entities": [],
            "text": "hi",
            "message_id": "7d1",
            "metadata": {},
            "intent_ranking": [{"name": "greet", "confidence": 0.99}],
        },
        "input_channel": "rest",
        "message_id": "7d1",
    }
    event = event_from_dict(rasa_json)
    assert isinstance(event, UserUttered)
    assert event.intent_name == "greet"
    assert event.timestamp == 1_690_000_000
    assert event.metadata == {"model_id": "5f2c", "assistant_id": "bot"}


def test_unknown_extra_keys_are_ignored() -> None:
    event = event_from_dict(
        {"event": "slot", "name": "city", "value": "Paris", "timestamp": T0, "sender_id": "x"}
    )
    assert event == SlotSet(name="city", value="Paris", timestamp=T0)


def test_missing_optional_fields_take_their_defaults() -> None:
    event = event_from_dict({"event": "action", "name": "action_listen"})
    assert event == ActionExecuted(name="action_listen", timestamp=event.timestamp)
    assert event.metadata == {}


def test_a_null_timestamp_or_metadata_takes_the_default() -> None:
    event = event_from_dict({"event": "restart", "timestamp": None, "metadata": None})
    assert isinstance(event.timestamp, float)
    assert event.metadata == {}


# -- rejecting what is not an event ----------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [{"event": "no_such_event"}, {"event": None}, {"name": "city"}, {"event": 5}],
    ids=["unknown", "null", "missing", "number"],
)
def test_an_unknown_event_name_is_rejected(data: dict[str, Any]) -> None:
    with pytest.raises(EventDecodeError, match="unknown event type"):
        event_from_dict(data)


@pytest.mark.parametrize("text", ["[]", '"user"', "null", "5"], ids=["list", "str", "null", "int"])
def test_json_that_is_not_an_object_is_rejected(text: str) -> None:
    with pytest.raises(EventDecodeError, match="JSON object"):
        event_from_dict(json.loads(text))


def test_a_missing_required_field_is_rejected_by_name() -> None:
    with pytest.raises(EventDecodeError, match="'name'"):
        event_from_dict({"event": "slot", "value": "Paris"})


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"event": "slot", "name": 5}, "name"),
        ({"event": "slot", "name": "city", "timestamp": "x"}, "timestamp"),
        ({"event": "slot", "name": "city", "timestamp": True}, "timestamp"),
        ({"event": "loop_interrupted", "is_interrupted": 1}, "is_interrupted"),
        ({"event": "user", "text": 5}, "text"),
        ({"event": "user", "text": "hi", "input_channel": ["rest"]}, "input_channel"),
        ({"event": "action", "name": "a", "confidence": "high"}, "confidence"),
        ({"event": "action", "name": "a", "hide_rule_turn": "yes"}, "hide_rule_turn"),
        ({"event": "action_execution_rejected", "name": "f", "policy": 3}, "policy"),
        ({"event": "user_featurization", "use_text_for_featurization": "no"}, "use_text"),
        ({"event": "bot", "text": "hi", "data": [1]}, "data"),
        ({"event": "restart", "metadata": "m"}, "metadata"),
        ({"event": "user", "text": "hi", "parse_data": "greet"}, "parse_data"),
        ({"event": "user", "text": "hi", "parse_data": {"intent": "greet"}}, "parse_data"),
        ({"event": "user", "text": "hi", "parse_data": {"entities": ["x"]}}, "parse_data"),
        ({"event": "entities", "entities": "city"}, "entities"),
        ({"event": "entities", "entities": [1]}, "entities"),
    ],
    ids=[
        "name-int",
        "timestamp-str",
        "timestamp-bool",
        "is_interrupted-int",
        "text-int",
        "input_channel-list",
        "confidence-str",
        "hide_rule_turn-str",
        "policy-int",
        "use_text_for_featurization-str",
        "data-list",
        "metadata-str",
        "parse_data-str",
        "parse_data-intent-str",
        "parse_data-entity-str",
        "entities-str",
        "entities-item-int",
    ],
)
def test_a_field_of_the_wrong_type_is_rejected_by_name(data: dict[str, Any], field: str) -> None:
    with pytest.raises(EventDecodeError, match=field):
        event_from_dict(data)


def test_an_integer_timestamp_or_confidence_is_a_number() -> None:
    event = event_from_dict({"event": "action", "name": "a", "timestamp": 5, "confidence": 1})
    assert isinstance(event, ActionExecuted)
    assert (event.timestamp, event.confidence) == (5, 1)


# -- immutability ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_events_are_frozen(name: str) -> None:
    event = SAMPLES[name]
    with pytest.raises(FrozenInstanceError):
        setattr(event, "timestamp", 0.0)  # noqa: B010 - assigning to a frozen field must fail


def test_a_decoded_event_does_not_share_its_dicts_with_the_json() -> None:
    data = event_to_dict(SAMPLES["bot"])
    event = event_from_dict(data)
    data["data"]["image"] = "changed"
    data["metadata"]["utter_action"] = "changed"
    assert isinstance(event, BotUttered)
    assert event.data["image"] is None
    assert event.metadata["utter_action"] == "utter_confirm"


# -- encoding for storage ----------------------------------------------------------------------


def test_an_event_is_checked_once_and_its_text_kept_without_changing_the_event() -> None:
    event, twin = SAMPLES["user"], event_from_dict(event_to_dict(SAMPLES["user"]))

    text = encode_event(event)

    assert encode_event(event) is text  # kept, not encoded and checked again
    assert json.loads(text) == event_to_dict(event)
    assert event == twin and repr(event) == repr(twin)  # the kept text is not a field
    assert event_to_dict(event) == event_to_dict(twin)


def test_an_event_that_cannot_be_stored_is_refused_every_time() -> None:
    event = SlotSet(name="price", value=float("nan"))
    for _ in range(2):
        with pytest.raises(EventEncodeError, match="SlotSet"):
            encode_event(event)
