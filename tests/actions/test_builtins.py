"""Default actions: responses, listening, restarts, sessions, fallback, loops and ``/back``."""

from __future__ import annotations

from actions.builtins import (
    DEFAULT_FALLBACK_TEXT,
    ActionBack,
    ActionDeactivateLoop,
    ActionDefaultFallback,
    ActionListen,
    ActionRestart,
    ActionSessionStart,
    UtterAction,
)
from dialogue.events import ActiveLoop, BotUttered, UserUttered
from nlg import BotMessage
from tests.actions.builders import (
    bot,
    context,
    conversation,
    described,
    domain_from,
    listen,
    ran,
    slot,
    user,
)

SHOP = domain_from(
    """
    intents: [greet, order_status, inform]
    slots:
      name: {type: text}
      order_number: {type: text}
      country: {type: text, initial_value: US}
    responses:
      utter_greet:
      - text: "Hi {name}!"
      - text: "Hi from Slack, {name}!"
        channel: slack
      utter_ask_order:
      - text: "Which order?"
        buttons:
        - {title: "My last order", payload: "/order_status"}
      utter_restart:
      - text: "Starting over."
      utter_default:
      - text: "I didn't catch that."
      utter_back:
      - text: "Going back."
    """
)

BARE = domain_from(
    """
    intents: [greet]
    slots:
      name: {type: text}
    """
)


# --- utter_* ----------------------------------------------------------------------------


async def test_an_utter_action_sends_its_response_as_a_bot_event() -> None:
    tracker = conversation(SHOP, slot("name", "Ada"), listen(), user("greet"))

    (event,) = await UtterAction("utter_greet").run(context(SHOP, tracker))

    assert isinstance(event, BotUttered)
    assert event.text == "Hi Ada!"
    assert event.metadata == {"utter_action": "utter_greet"}


async def test_an_utter_action_renders_for_the_conversation_channel() -> None:
    tracker = conversation(SHOP, slot("name", "Ada"))

    events = await UtterAction("utter_greet").run(context(SHOP, tracker, channel="slack"))

    assert described(events) == [("bot", "Hi from Slack, Ada!")]


async def test_buttons_travel_in_the_bot_event_data_and_come_back_as_a_message() -> None:
    (event,) = await UtterAction("utter_ask_order").run(context(SHOP, conversation(SHOP)))

    assert isinstance(event, BotUttered)
    assert event.data["buttons"] == [{"title": "My last order", "payload": "/order_status"}]
    assert BotMessage.from_event(event.text, event.data, event.metadata) == BotMessage(
        text="Which order?",
        buttons=({"title": "My last order", "payload": "/order_status"},),
        response="utter_ask_order",
        metadata={"utter_action": "utter_ask_order"},
    )


async def test_an_utter_action_without_a_response_in_the_domain_says_nothing() -> None:
    events = await UtterAction("utter_missing").run(context(SHOP, conversation(SHOP)))

    assert events == []


# --- action_listen and action_restart ---------------------------------------------------


async def test_action_listen_changes_nothing() -> None:
    tracker = conversation(SHOP, listen(), user("greet"))

    assert await ActionListen().run(context(SHOP, tracker)) == []


async def test_action_restart_says_utter_restart_and_forgets_the_conversation() -> None:
    tracker = conversation(SHOP, slot("name", "Ada"), listen(), user("greet"))

    events = await ActionRestart().run(context(SHOP, tracker))

    assert described(events) == [("bot", "Starting over."), ("restart",)]
    after = tracker.extended(events).state
    assert after.slots == SHOP.initial_slots
    assert after.latest_message is None


async def test_action_restart_without_utter_restart_just_restarts() -> None:
    tracker = conversation(BARE, slot("name", "Ada"))

    assert described(await ActionRestart().run(context(BARE, tracker))) == [("restart",)]


# --- action_session_start ---------------------------------------------------------------


def with_carry_over(carry_over: bool) -> str:
    return f"""
    intents: [greet]
    slots:
      name: {{type: text}}
      order_number: {{type: text}}
      country: {{type: text, initial_value: US}}
    session_config:
      session_expiration_time: 60
      carry_over_slots_to_new_session: {str(carry_over).lower()}
    """


async def test_a_new_session_carries_slots_over_when_the_domain_says_so() -> None:
    domain = domain_from(with_carry_over(True))
    tracker = conversation(
        domain,
        listen(),
        user("greet"),
        slot("name", "Ada"),
        slot("country", "CA"),
        slot("order_number", None),
        slot("requested_slot", "order_number"),
        ran("utter_greet"),
    )

    events = await ActionSessionStart().run(context(domain, tracker))

    assert described(events) == [
        ("session_started",),
        ("slot", "name", "Ada"),
        ("slot", "country", "CA"),
        ("action", "action_listen"),
    ]
    after = tracker.extended(events).state
    assert after.slots["name"] == "Ada"
    assert after.slots["country"] == "CA"
    assert after.slots["requested_slot"] is None


async def test_a_slot_cleared_below_its_initial_value_stays_cleared_in_the_new_session() -> None:
    domain = domain_from(with_carry_over(True))
    tracker = conversation(domain, slot("country", None))

    events = await ActionSessionStart().run(context(domain, tracker))

    assert ("slot", "country", None) in described(events)
    assert tracker.extended(events).slots["country"] is None


async def test_a_new_session_starts_from_initial_slots_when_carry_over_is_off() -> None:
    domain = domain_from(with_carry_over(False))
    tracker = conversation(domain, listen(), user("greet"), slot("name", "Ada"))

    events = await ActionSessionStart().run(context(domain, tracker))

    assert described(events) == [("session_started",), ("action", "action_listen")]
    assert tracker.extended(events).slots == domain.initial_slots


async def test_slots_carry_over_by_default_as_in_rasa() -> None:
    tracker = conversation(SHOP, slot("name", "Ada"))

    events = await ActionSessionStart().run(context(SHOP, tracker))

    assert tracker.extended(events).slots["name"] == "Ada"


# --- action_default_fallback ------------------------------------------------------------


async def test_fallback_says_utter_default_and_forgets_the_message_it_did_not_understand() -> None:
    understood = user("greet", text="hello")
    tracker = conversation(
        SHOP, listen(), understood, ran("utter_greet"), listen(), user(None, text="qwerty")
    )

    events = await ActionDefaultFallback().run(context(SHOP, tracker))

    assert described(events) == [("bot", "I didn't catch that."), ("rewind",)]
    assert tracker.extended(events).latest_message is understood


async def test_fallback_without_utter_default_says_the_built_in_text() -> None:
    tracker = conversation(BARE, listen(), user(None, text="asdf"))

    events = await ActionDefaultFallback().run(context(BARE, tracker))

    assert described(events) == [("bot", DEFAULT_FALLBACK_TEXT), ("rewind",)]
    said = events[0]
    assert isinstance(said, BotUttered)
    assert BotMessage.from_event(said.text, said.data, said.metadata).response == "utter_default"


# --- action_deactivate_loop and action_back --------------------------------------------


async def test_deactivating_the_loop_clears_the_form_and_its_question() -> None:
    tracker = conversation(
        SHOP,
        ActiveLoop(name="order_form"),
        slot("requested_slot", "order_number"),
        listen(),
        user("greet"),
    )

    events = await ActionDeactivateLoop().run(context(SHOP, tracker))

    assert described(events) == [("active_loop", None), ("slot", "requested_slot", None)]
    after = tracker.extended(events).state
    assert after.active_loop is None
    assert after.slots["requested_slot"] is None


async def test_back_undoes_the_users_last_two_messages() -> None:
    first = user("greet", text="hi")
    tracker = conversation(
        SHOP,
        listen(),
        first,
        bot("Hi!"),
        ran("utter_greet"),
        listen(),
        user("order_status", text="where is my order"),
        ran("utter_ask_order"),
        listen(),
        user("back", text="/back"),
    )

    events = await ActionBack().run(context(SHOP, tracker))

    assert described(events) == [("bot", "Going back."), ("rewind",), ("rewind",)]
    after = tracker.extended(events)
    assert after.latest_message is first
    assert [e.text for e in after.applied if isinstance(e, UserUttered)] == ["hi"]
