"""Forms: activate, ask for each required slot, validate answers, reject non-answers, finish."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from actions.errors import ActionNotFound
from actions.forms import FormAction
from actions.interfaces import ActionContext, CustomActionExecutor
from dialogue.events import ActionExecutionRejected, ActiveLoop, BotUttered, Event, SlotSet
from tests.actions.builders import (
    ProjectActions,
    bot,
    context,
    conversation,
    described,
    domain_from,
    entity,
    listen,
    ran,
    saying,
    slot,
    user,
)

FLIGHTS = domain_from(
    """
    intents: [book_flight, inform, chitchat]
    entities: [city, date]
    slots:
      city:
        type: text
        mappings:
        - {type: from_entity, entity: city}
      date:
        type: text
        mappings:
        - {type: from_entity, entity: date}
      seats:
        type: text
        mappings:
        - {type: from_text, conditions: [{active_loop: flight_form, requested_slot: seats}]}
    responses:
      utter_ask_city:
      - text: "Where do you want to fly?"
      utter_ask_date:
      - text: "When do you want to fly to {city}?"
      utter_ask_seats:
      - text: "How many seats?"
      utter_chitchat:
      - text: "I'm just a bot."
    forms:
      flight_form:
        required_slots: [city, date]
    """
)
FORM = "flight_form"
ASK_CITY = "Where do you want to fly?"


async def run_form(*events: Event, executor: CustomActionExecutor | None = None) -> list[Event]:
    """Run the flight form after ``events`` and return what it adds."""
    tracker = conversation(FLIGHTS, *events)
    return list(await FormAction(FORM, executor).run(context(FLIGHTS, tracker)))


def form_asked_for(requested: str, question: str, **filled: Any) -> list[Event]:
    """A conversation in which the form is active and has just asked for ``requested``."""
    return [
        listen(),
        user("book_flight"),
        ran(FORM),
        ActiveLoop(name=FORM),
        *(slot(name, value) for name, value in filled.items()),
        slot("requested_slot", requested),
        bot(question),
        listen(),
    ]


ASKED_CITY = form_asked_for("city", ASK_CITY)
ASKED_DATE = form_asked_for("date", "When do you want to fly to Paris?", city="Paris")


# --- activation -------------------------------------------------------------------------


async def test_activating_the_form_asks_for_its_first_required_slot() -> None:
    events = await run_form(listen(), user("book_flight"))

    assert described(events) == [
        ("active_loop", FORM),
        ("slot", "requested_slot", "city"),
        ("bot", ASK_CITY),
    ]


async def test_slots_filled_before_activation_are_not_asked_for() -> None:
    events = await run_form(
        listen(), user("book_flight", entity("city", "Rome")), slot("city", "Rome")
    )

    assert described(events) == [
        ("active_loop", FORM),
        ("slot", "requested_slot", "date"),
        ("bot", "When do you want to fly to Rome?"),
    ]


async def test_a_form_whose_slots_are_all_filled_activates_and_finishes_at_once() -> None:
    message = user("book_flight", entity("city", "Rome"), entity("date", "today"))

    events = await run_form(listen(), message, slot("city", "Rome"), slot("date", "today"))

    assert described(events) == [
        ("active_loop", FORM),
        ("slot", "requested_slot", None),
        ("active_loop", None),
    ]


async def test_the_trigger_intent_fills_its_mappings_for_the_form_it_activates() -> None:
    domain = domain_from(
        """
        intents: [book_flight, book_train]
        slots:
          mode:
            type: text
            mappings:
            - {type: from_trigger_intent, intent: book_flight, value: plane,
               conditions: [{active_loop: train_form}, {active_loop: flight_form}]}
          booked_via:
            type: text
            mappings:
            - {type: from_trigger_intent, intent: [book_flight, book_train], value: chat}
          carriage:
            type: text
            mappings:
            - {type: from_trigger_intent, intent: book_flight, value: first,
               conditions: [{active_loop: train_form}]}
          city:
            type: text
            mappings:
            - {type: from_text}
        forms:
          flight_form:
            required_slots: [city]
        """
    )

    async def activate(intent: str) -> list[tuple[Any, ...]]:
        tracker = conversation(domain, listen(), user(intent))
        return described(await FormAction(FORM).run(context(domain, tracker)))

    assert described_slots(await activate("book_flight")) == {
        "mode": "plane",
        "booked_via": "chat",
        "requested_slot": "city",
    }
    assert described_slots(await activate("book_train")) == {
        "booked_via": "chat",
        "requested_slot": "city",
    }


def described_slots(described_events: Sequence[tuple[Any, ...]]) -> dict[str, Any]:
    return {d[1]: d[2] for d in described_events if d[0] == "slot"}


# --- answers ----------------------------------------------------------------------------


async def test_an_answer_that_fills_the_requested_slot_moves_on_to_the_next_one() -> None:
    events = await run_form(
        *ASKED_CITY, user("inform", entity("city", "Paris")), slot("city", "Paris")
    )

    assert described(events) == [
        ("slot", "requested_slot", "date"),
        ("bot", "When do you want to fly to Paris?"),
    ]


async def test_the_last_answer_finishes_the_form() -> None:
    events = await run_form(
        *ASKED_DATE, user("inform", entity("date", "tomorrow")), slot("date", "tomorrow")
    )

    assert described(events) == [("slot", "requested_slot", None), ("active_loop", None)]


async def test_a_message_that_fills_nothing_makes_the_form_reject_its_execution() -> None:
    tracker = conversation(FLIGHTS, *ASKED_CITY, user("chitchat", text="are you a bot?"))

    events = await FormAction(FORM).run(context(FLIGHTS, tracker))

    assert described(events) == [("action_execution_rejected", FORM)]
    after = tracker.extended(events).state
    assert after.loop_rejected
    assert after.active_loop == FORM


async def test_after_an_interruption_was_answered_the_form_asks_its_question_again() -> None:
    events = await run_form(
        *ASKED_CITY,
        user("chitchat", text="are you a bot?"),
        ActionExecutionRejected(name=FORM),
        ran("utter_chitchat"),
        bot("I'm just a bot."),
    )

    assert described(events) == [("slot", "requested_slot", "city"), ("bot", ASK_CITY)]


# --- validate_<form> --------------------------------------------------------------------


class FlightValidator:
    """The project's ``validate_flight_form`` action, as a custom action executor would run it.

    Cities we do not fly to are rejected with ``SlotSet(city, None)`` and an
    explanation; a date given as "next <weekday>" is extracted from the text
    (a custom slot mapping, as Rasa SDK's ``extract_<slot>`` methods do).
    """

    served = frozenset({"Paris", "Rome", "Berlin"})

    def __init__(self) -> None:
        self.seen: list[Mapping[str, Any]] = []

    def knows(self, action_name: str) -> bool:
        return action_name == f"validate_{FORM}"

    async def close(self) -> None:
        return None

    async def run(self, action_name: str, context: ActionContext) -> Sequence[Event]:
        if not self.knows(action_name):
            raise ActionNotFound(action_name, "this project only validates the flight form")
        tracker = context.tracker
        self.seen.append(dict(tracker.slots))
        city = tracker.slots.get("city")
        if city is not None and city not in self.served:
            return [SlotSet(name="city", value=None), BotUttered(text=f"We don't fly to {city}.")]
        said = tracker.latest_message.text if tracker.latest_message is not None else None
        said = said or ""
        if tracker.slots.get("requested_slot") == "date" and said.startswith("next "):
            return [SlotSet(name="date", value=said)]
        return []


async def test_the_validator_sees_the_answer_and_an_invalid_value_is_asked_for_again() -> None:
    validator = FlightValidator()

    events = await run_form(
        *ASKED_CITY,
        user("inform", entity("city", "Atlantis")),
        slot("city", "Atlantis"),
        executor=validator,
    )

    assert validator.seen[-1]["city"] == "Atlantis"
    assert described(events) == [
        ("slot", "city", None),
        ("bot", "We don't fly to Atlantis."),
        ("slot", "requested_slot", "city"),
        ("bot", ASK_CITY),
    ]


async def test_a_valid_answer_passes_the_validator_and_the_form_moves_on() -> None:
    validator = FlightValidator()

    events = await run_form(
        *ASKED_CITY,
        user("inform", entity("city", "Rome")),
        slot("city", "Rome"),
        executor=validator,
    )

    assert validator.seen == [{**FLIGHTS.initial_slots, "requested_slot": "city", "city": "Rome"}]
    assert described(events) == [
        ("slot", "requested_slot", "date"),
        ("bot", "When do you want to fly to Rome?"),
    ]


async def test_slots_filled_before_activation_are_validated_too() -> None:
    validator = FlightValidator()

    events = await run_form(
        listen(),
        user("book_flight", entity("city", "Atlantis")),
        slot("city", "Atlantis"),
        executor=validator,
    )

    assert described(events) == [
        ("active_loop", FORM),
        ("slot", "city", None),
        ("bot", "We don't fly to Atlantis."),
        ("slot", "requested_slot", "city"),
        ("bot", ASK_CITY),
    ]


async def test_a_slot_the_validator_extracts_itself_counts_as_an_answer() -> None:
    events = await run_form(
        *ASKED_DATE, user("inform", text="next friday"), executor=FlightValidator()
    )

    assert described(events) == [
        ("slot", "date", "next friday"),
        ("slot", "requested_slot", None),
        ("active_loop", None),
    ]


async def test_the_form_still_rejects_when_neither_mappings_nor_validator_fill_a_slot() -> None:
    validator = FlightValidator()

    events = await run_form(*ASKED_DATE, user("chitchat", text="hm"), executor=validator)

    assert len(validator.seen) == 1
    assert described(events) == [("action_execution_rejected", FORM)]


async def test_without_a_validator_the_form_runs_on_the_mapped_values_alone() -> None:
    executor = ProjectActions(validate_hotel_form=saying("never run"))

    events = await run_form(
        *ASKED_CITY,
        user("inform", entity("city", "Atlantis")),
        slot("city", "Atlantis"),
        executor=executor,
    )

    assert executor.calls == []
    assert described(events)[0] == ("slot", "requested_slot", "date")


async def test_a_validator_that_sets_requested_slot_chooses_the_next_question() -> None:
    async def ask_for_seats(context: ActionContext) -> Sequence[Event]:
        return [SlotSet(name="requested_slot", value="seats")]

    events = await run_form(
        *ASKED_DATE,
        user("inform", entity("date", "today")),
        slot("date", "today"),
        executor=ProjectActions(validate_flight_form=ask_for_seats),
    )

    assert described(events) == [("slot", "requested_slot", "seats"), ("bot", "How many seats?")]


async def test_a_validator_that_clears_requested_slot_ends_the_form() -> None:
    async def done(context: ActionContext) -> Sequence[Event]:
        return [SlotSet(name="requested_slot", value=None)]

    events = await run_form(
        *ASKED_CITY,
        user("inform", entity("city", "Rome")),
        slot("city", "Rome"),
        executor=ProjectActions(validate_flight_form=done),
    )

    assert described(events) == [("slot", "requested_slot", None), ("active_loop", None)]


async def test_a_validator_that_deactivates_the_form_ends_it_without_a_question() -> None:
    async def give_up(context: ActionContext) -> Sequence[Event]:
        return [BotUttered(text="Let's stop here."), ActiveLoop(name=None)]

    tracker = conversation(
        FLIGHTS, *ASKED_CITY, user("inform", entity("city", "Rome")), slot("city", "Rome")
    )
    executor = ProjectActions(validate_flight_form=give_up)

    events = await FormAction(FORM, executor).run(context(FLIGHTS, tracker))

    assert described(events) == [
        ("bot", "Let's stop here."),
        ("active_loop", None),
        ("slot", "requested_slot", None),
    ]
    assert tracker.extended(events).slots["requested_slot"] is None


async def test_a_validator_may_reject_the_forms_execution_itself() -> None:
    async def reject(context: ActionContext) -> Sequence[Event]:
        return [ActionExecutionRejected(name=FORM)]

    events = await run_form(
        *ASKED_CITY,
        user("inform", entity("city", "Rome")),
        slot("city", "Rome"),
        executor=ProjectActions(validate_flight_form=reject),
    )

    assert described(events) == [("action_execution_rejected", FORM)]


# --- how a slot is asked for ------------------------------------------------------------


async def test_a_form_specific_question_is_preferred_over_the_generic_one() -> None:
    domain = domain_from(
        """
        slots:
          city: {type: text, mappings: [{type: from_text}]}
        responses:
          utter_ask_city:
          - text: "Which city?"
          utter_ask_hotel_form_city:
          - text: "In which city do you need a hotel?"
        forms:
          hotel_form:
            required_slots: [city]
          flight_form:
            required_slots: [city]
        """
    )
    tracker = conversation(domain, listen(), user("book"))

    hotel = await FormAction("hotel_form").run(context(domain, tracker))
    flight = await FormAction("flight_form").run(context(domain, tracker))

    assert described(hotel)[-1] == ("bot", "In which city do you need a hotel?")
    assert described(flight)[-1] == ("bot", "Which city?")


async def test_a_custom_action_ask_action_asks_for_the_slot() -> None:
    domain = domain_from(
        """
        slots:
          city: {type: text, mappings: [{type: from_text}]}
        responses:
          utter_ask_city:
          - text: "Which city?"
        actions:
          - action_ask_city
        forms:
          flight_form:
            required_slots: [city]
        """
    )
    executor = ProjectActions(action_ask_city=saying("Pick a city from our list."))
    tracker = conversation(domain, listen(), user("book"))

    events = await FormAction(FORM, executor).run(context(domain, tracker))

    assert described(events) == [
        ("active_loop", FORM),
        ("slot", "requested_slot", "city"),
        ("bot", "Pick a city from our list."),
    ]
    ((name, seen),) = executor.calls
    assert name == "action_ask_city"
    assert seen.slots["requested_slot"] == "city"


async def test_a_slot_without_a_question_is_requested_silently() -> None:
    domain = domain_from(
        """
        slots:
          city: {type: text, mappings: [{type: from_text}]}
        forms:
          flight_form:
            required_slots: [city]
        """
    )
    tracker = conversation(domain, listen(), user("book"))

    events = await FormAction(FORM).run(context(domain, tracker))

    assert described(events) == [("active_loop", FORM), ("slot", "requested_slot", "city")]
