"""Slot mappings: which slots the user's latest message fills (Rasa's ``action_extract_slots``)."""

from __future__ import annotations

from typing import Any

import pytest

from actions.extract import extract_slots
from dialogue.domain import Domain
from dialogue.events import ActiveLoop, Event, UserUttered
from tests.actions.builders import conversation, domain_from, entity, listen, slot, user


def filled(domain: Domain, *events: Event) -> dict[str, Any]:
    """The slots the latest message of this conversation fills, with their values."""
    state = conversation(domain, *events).state
    return {e.name: e.value for e in extract_slots(domain, state)}


# --- from_entity ------------------------------------------------------------------------

TRAVEL = domain_from(
    """
    intents: [inform, book, chitchat, greet]
    entities:
      - city:
          roles: [departure, destination]
          groups: ["1", "2"]
      - topping
    slots:
      city:
        type: text
        mappings:
        - {type: from_entity, entity: city}
      origin:
        type: text
        mappings:
        - {type: from_entity, entity: city, role: departure}
      destination:
        type: text
        mappings:
        - {type: from_entity, entity: city, role: destination}
      first_leg_city:
        type: text
        mappings:
        - {type: from_entity, entity: city, group: "1"}
      toppings:
        type: list
        mappings:
        - {type: from_entity, entity: topping}
      favourite_topping:
        type: text
        mappings:
        - {type: from_entity, entity: topping}
    """
)


def test_an_entity_fills_the_slot_mapped_to_it() -> None:
    assert filled(TRAVEL, listen(), user("inform", entity("city", "Berlin"))) == {"city": "Berlin"}


def test_a_text_slot_takes_the_last_of_several_entities_and_a_list_slot_takes_all() -> None:
    message = user("inform", entity("topping", "cheese"), entity("topping", "ham"))

    assert filled(TRAVEL, listen(), message) == {
        "toppings": ["cheese", "ham"],
        "favourite_topping": "ham",
    }


def test_a_role_mapping_takes_only_entities_with_that_role() -> None:
    message = user(
        "book",
        entity("city", "Berlin", role="departure"),
        entity("city", "Rome", role="destination"),
    )

    assert filled(TRAVEL, listen(), message) == {"origin": "Berlin", "destination": "Rome"}


def test_a_mapping_without_a_role_ignores_entities_that_have_one() -> None:
    """As in Rasa: role and group must equal the mapping's, and ``None`` is a value too."""
    message = user("book", entity("city", "Berlin", role="departure"))

    assert "city" not in filled(TRAVEL, listen(), message)


def test_a_group_mapping_takes_only_entities_of_that_group() -> None:
    message = user("book", entity("city", "Oslo", group="1"), entity("city", "Rome", group="2"))

    assert filled(TRAVEL, listen(), message) == {"first_leg_city": "Oslo"}


def test_entities_of_other_types_fill_nothing() -> None:
    assert filled(TRAVEL, listen(), user("inform", entity("date", "today"))) == {}


# --- intent and not_intent --------------------------------------------------------------

RESTRICTED = domain_from(
    """
    intents: [inform, chitchat, greet, affirm]
    entities: [city, name]
    slots:
      city:
        type: text
        mappings:
        - {type: from_entity, entity: city, intent: inform}
      name:
        type: text
        mappings:
        - {type: from_entity, entity: name, not_intent: [chitchat, greet]}
    """
)


@pytest.mark.parametrize(
    ("intent", "expected"),
    [
        ("inform", {"city": "Paris", "name": "Ada"}),
        ("chitchat", {}),
        ("greet", {}),
        ("affirm", {"name": "Ada"}),
    ],
)
def test_intent_and_not_intent_restrict_which_messages_fill_a_slot(
    intent: str, expected: dict[str, Any]
) -> None:
    message = user(intent, entity("city", "Paris"), entity("name", "Ada"))

    assert filled(RESTRICTED, listen(), message) == expected


# --- from_intent and from_text ----------------------------------------------------------

PREFERENCES = domain_from(
    """
    intents: [affirm, deny, inform, chitchat]
    slots:
      wants_newsletter:
        type: bool
        mappings:
        - {type: from_intent, intent: affirm, value: true}
        - {type: from_intent, intent: deny, value: false}
      feedback:
        type: text
        mappings:
        - {type: from_text, intent: inform}
      last_words:
        type: text
        mappings:
        - {type: from_text, not_intent: chitchat}
    """
)


@pytest.mark.parametrize(
    ("intent", "expected"),
    [
        ("affirm", {"wants_newsletter": True, "last_words": "sure thing"}),
        ("deny", {"wants_newsletter": False, "last_words": "sure thing"}),
        ("inform", {"feedback": "sure thing", "last_words": "sure thing"}),
        ("chitchat", {}),
    ],
)
def test_from_intent_sets_the_mapped_value_and_from_text_the_whole_message(
    intent: str, expected: dict[str, Any]
) -> None:
    assert filled(PREFERENCES, listen(), user(intent, text="sure thing")) == expected


def test_the_first_mapping_that_yields_a_value_wins() -> None:
    domain = domain_from(
        """
        intents: [inform]
        entities: [city]
        slots:
          answer:
            type: text
            mappings:
            - {type: from_entity, entity: city}
            - {type: from_text}
        """
    )
    with_city = user("inform", entity("city", "Lyon"), text="to Lyon please")
    without_city = user("inform", text="somewhere warm")

    assert filled(domain, listen(), with_city) == {"answer": "Lyon"}
    assert filled(domain, listen(), without_city) == {"answer": "somewhere warm"}


def test_a_value_the_slot_already_has_is_not_set_again() -> None:
    message = user("inform", entity("city", "Berlin"))

    assert filled(TRAVEL, slot("city", "Berlin"), listen(), message) == {}
    assert filled(TRAVEL, slot("city", "Rome"), listen(), message) == {"city": "Berlin"}


def test_custom_and_trigger_intent_mappings_are_not_filled_from_messages() -> None:
    domain = domain_from(
        """
        intents: [book]
        slots:
          seat:
            type: text
            mappings:
            - {type: custom, action: action_pick_seat}
          trip_type:
            type: text
            mappings:
            - {type: from_trigger_intent, intent: book, value: flight}
        forms:
          booking_form:
            required_slots: [seat]
        """
    )

    assert filled(domain, listen(), user("book")) == {}


def test_without_a_parsed_user_message_nothing_is_filled() -> None:
    assert filled(PREFERENCES) == {}
    assert filled(PREFERENCES, listen(), UserUttered(text="hi")) == {}


# --- conditions -------------------------------------------------------------------------

FORMS = domain_from(
    """
    intents: [inform, chitchat]
    entities: [city]
    slots:
      departure:
        type: text
        mappings:
        - type: from_text
          conditions:
          - {active_loop: flight_form, requested_slot: departure}
      arrival:
        type: text
        mappings:
        - type: from_text
          conditions:
          - {active_loop: flight_form, requested_slot: arrival}
          - {active_loop: train_form}
      remark:
        type: text
        mappings:
        - type: from_text
          conditions:
          - active_loop: null
    forms:
      flight_form:
        required_slots: [departure, arrival]
      train_form:
        required_slots: [arrival]
    """
)


@pytest.mark.parametrize(
    ("loop", "requested", "expected"),
    [
        (None, None, {"remark": "Berlin"}),
        ("flight_form", "departure", {"departure": "Berlin"}),
        ("flight_form", "arrival", {"arrival": "Berlin"}),
        ("train_form", "arrival", {"arrival": "Berlin"}),
        ("train_form", None, {"arrival": "Berlin"}),
        ("other_form", "departure", {}),
    ],
    ids=[
        "no-form-only-null-condition",
        "flight-asks-departure",
        "flight-asks-arrival",
        "train-form-any-slot",
        "train-form-nothing-requested",
        "unrelated-form",
    ],
)
def test_conditions_name_the_form_and_the_slot_it_asks_for(
    loop: str | None, requested: str | None, expected: dict[str, Any]
) -> None:
    events = [ActiveLoop(name=loop), slot("requested_slot", requested), listen()]

    assert filled(FORMS, *events, user("inform", text="Berlin")) == expected


# --- rules that apply while a form runs -------------------------------------------------

BOOKING = domain_from(
    """
    intents: [inform, chitchat]
    entities: [city, name]
    slots:
      departure:
        type: text
        mappings:
        - {type: from_entity, entity: city}
      arrival:
        type: text
        mappings:
        - {type: from_entity, entity: city}
      traveller:
        type: text
        mappings:
        - {type: from_entity, entity: name}
      nickname:
        type: text
        mappings:
        - {type: from_entity, entity: name}
    forms:
      booking_form:
        ignored_intents: chitchat
        required_slots: [departure, arrival, traveller]
    """
)


def in_booking_form(asking_for: str) -> list[Event]:
    return [ActiveLoop(name="booking_form"), slot("requested_slot", asking_for), listen()]


def test_the_forms_ignored_intents_fill_none_of_its_slots() -> None:
    message = user("chitchat", entity("name", "Ada"))

    assert filled(BOOKING, *in_booking_form("traveller"), message) == {"nickname": "Ada"}
    assert filled(BOOKING, listen(), message) == {"traveller": "Ada", "nickname": "Ada"}


def test_an_entity_mapping_shared_by_form_slots_fills_only_the_slot_asked_for() -> None:
    """Rasa's unique ``from_entity`` rule: "Berlin" answers the question the form asked."""
    message = user("inform", entity("city", "Berlin"))

    assert filled(BOOKING, *in_booking_form("arrival"), message) == {"arrival": "Berlin"}
    assert filled(BOOKING, *in_booking_form("traveller"), message) == {}


def test_a_shared_entity_mapping_fills_every_slot_while_no_form_runs() -> None:
    message = user("inform", entity("city", "Berlin"))

    assert filled(BOOKING, listen(), message) == {"departure": "Berlin", "arrival": "Berlin"}


def test_an_entity_mapping_unique_within_the_form_fills_its_slot_whatever_was_asked() -> None:
    message = user("inform", entity("name", "Ada"))

    assert filled(BOOKING, *in_booking_form("departure"), message) == {
        "traveller": "Ada",
        "nickname": "Ada",
    }
