"""Dialogue states: what the policies see, identical for training and prediction."""

from __future__ import annotations

import pytest

from dialogue.domain import Domain
from dialogue.events import ACTION_LISTEN, ActionExecuted, Event, SlotSet, UserUttered
from dialogue.policies import State, states_for_prediction, training_examples
from dialogue.policies.featurize import ANY_VALUE, SHOULD_NOT_BE_SET, state_matches
from dialogue.tracker import ConversationId, Tracker
from nlu.interfaces import Entity, IntentPrediction, ParseResult

from .bots import FORMBOT_DOMAIN, MOODBOT_DOMAIN, MOODBOT_STORIES, domain_from_yaml, events_of

SLOTS_DOMAIN = domain_from_yaml(
    """
intents: [inform, greet]
entities:
  - city: {roles: [from, to]}
  - name: {influence_conversation: false}
slots:
  city: {type: text, mappings: [{type: custom}]}
  vip: {type: bool, mappings: [{type: custom}]}
  tier: {type: categorical, values: [gold, silver], mappings: [{type: custom}]}
  amount: {type: float, min_value: 0, max_value: 100, mappings: [{type: custom}]}
  items: {type: list, mappings: [{type: custom}]}
  blob: {type: any, mappings: [{type: custom}]}
  note: {type: text, influence_conversation: false, mappings: [{type: custom}]}
"""
)


def said(intent: str, *entities: Entity) -> UserUttered:
    parse = ParseResult(text="", intent=IntentPrediction(intent, 1.0), entities=entities)
    return UserUttered(text="", parse_data=parse)


def tracker(domain: Domain, *events: Event) -> Tracker:
    return Tracker(ConversationId("c"), events, domain.initial_slots)


def now(domain: Domain, *events: Event) -> State:
    return states_for_prediction(tracker(domain, *events), domain)[-1]


def listen() -> ActionExecuted:
    return ActionExecuted(name=ACTION_LISTEN)


def test_the_user_sub_state_is_present_only_right_after_the_user_spoke() -> None:
    after_user = now(MOODBOT_DOMAIN, listen(), said("greet"))
    after_bot = now(MOODBOT_DOMAIN, listen(), said("greet"), ActionExecuted(name="utter_greet"))

    assert after_user == State(prev_action=ACTION_LISTEN, intent="greet")
    assert after_bot == State(prev_action="utter_greet")


def test_a_fresh_conversation_is_one_start_state() -> None:
    assert states_for_prediction(tracker(MOODBOT_DOMAIN), MOODBOT_DOMAIN) == (State(),)
    assert State().is_start


def test_entities_count_as_the_domain_says_with_roles_and_groups() -> None:
    city = Entity("city", "Berlin", role="to", group="trip")
    state = now(SLOTS_DOMAIN, listen(), said("inform", city, Entity("name", "Ann")))
    ignored = now(FORMBOT_DOMAIN, listen(), said("request_restaurant", Entity("cuisine", "thai")))

    assert state.entities == {"city", "city#to", "city#trip"}
    assert ignored.entities == frozenset()


@pytest.mark.parametrize(
    ("slot", "value", "expected"),
    [
        ("city", "Berlin", ANY_VALUE),
        ("vip", True, "true"),
        ("vip", False, "false"),
        ("tier", "GOLD", "gold"),
        ("tier", "bronze", "__other__"),
        ("amount", 42, "0.4"),
        ("amount", 1000, "1.0"),
        ("items", ["a"], ANY_VALUE),
        ("items", [], None),
        ("blob", {"a": 1}, None),
        ("note", "text", None),
    ],
    ids=lambda v: str(v),
)
def test_featurized_slots(slot: str, value: object, expected: str | None) -> None:
    state = now(SLOTS_DOMAIN, SlotSet(name=slot, value=value))

    assert state.slot(slot) == expected


def test_training_and_prediction_see_the_same_states() -> None:
    events = events_of(MOODBOT_STORIES[1])
    examples = training_examples(events, MOODBOT_DOMAIN)
    actions = [(i, e.name) for i, e in enumerate(events) if isinstance(e, ActionExecuted)]

    assert [action for _, action in examples] == [name for _, name in actions]
    for (states, _), (position, _) in zip(examples, actions, strict=True):
        before = tracker(MOODBOT_DOMAIN, *events[:position])
        assert states == states_for_prediction(before, MOODBOT_DOMAIN)


def test_partial_states_name_only_what_the_events_set() -> None:
    events = (SlotSet(name="vip", value=None), listen(), said("greet"), ActionExecuted(name="x"))
    (_, (states, _)) = training_examples(events, SLOTS_DOMAIN, partial=True)

    assert states[-1].slots == (("vip", SHOULD_NOT_BE_SET),)
    assert states[-1].active_loop is None


def test_rule_states_match_by_subset() -> None:
    conversation = State("action_listen", "greet", frozenset({"city"}), (("vip", "true"),), "f")

    assert state_matches(State("action_listen", "greet"), conversation)
    assert state_matches(State("action_listen", slots=(("vip", ANY_VALUE),)), conversation)
    assert not state_matches(
        State("action_listen", slots=(("vip", SHOULD_NOT_BE_SET),)), conversation
    )
    assert not state_matches(State("action_listen", active_loop=SHOULD_NOT_BE_SET), conversation)
    assert not state_matches(State("action_listen", "bye"), conversation)
    assert not state_matches(State(), conversation)


def test_states_round_trip_through_json() -> None:
    state = State("action_listen", "greet", frozenset({"city"}), (("vip", "true"),), "f")

    assert State.from_json(state.to_json()) == state
