"""In-process actions: a project's rasa_sdk package runs inside the bot, unchanged."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from actions.errors import ActionNotFound, ActionRejected, ActionServerError, ActionsUnavailable
from actions.executors import EXECUTORS
from actions.forms import FormAction
from actions.inprocess import InProcessActions
from dialogue.events import ActiveLoop
from tests.actions.builders import (
    context,
    conversation,
    described,
    domain_from,
    entity,
    listen,
    ran,
    slot,
    user,
)

PROJECT = Path(__file__).parent / "sdk_project"
DOMAIN = domain_from(
    """
    intents: [ask_refund, inform, book_flight]
    entities: [order_number, city]
    slots:
      order_number:
        type: text
        mappings:
        - {type: from_entity, entity: order_number}
      city:
        type: text
        mappings:
        - {type: from_entity, entity: city}
    responses:
      utter_order_status:
      - text: "Order {order_number} is on its way."
      utter_ask_city:
      - text: "Where to?"
    actions: [action_issue_refund, action_echo, action_broken, validate_flight_form]
    forms:
      flight_form:
        required_slots: [city]
    """
)


@pytest.fixture(scope="module")
def actions() -> InProcessActions:
    return InProcessActions.load("refund_actions", PROJECT)


def test_the_packages_actions_are_registered_by_name(actions: InProcessActions) -> None:
    assert actions.action_names == [
        "action_broken",
        "action_echo",
        "action_issue_refund",
        "validate_flight_form",
    ]
    assert actions.knows("action_echo") and not actions.knows("action_unknown")


def test_endpoints_actions_module_selects_the_in_process_executor() -> None:
    executor = EXECUTORS.get("module")({"actions_module": "refund_actions"}, PROJECT)
    assert executor.knows("action_issue_refund")


async def test_an_action_sees_the_conversation_and_the_domain(actions: InProcessActions) -> None:
    tracker = conversation(
        DOMAIN, listen(), user("ask_refund", text="refund!"), slot("city", "Rome")
    )
    events = await actions.run("action_echo", context(DOMAIN, tracker))
    assert described(events) == [
        (
            "bot",
            "test-conversation said 'refund!' (ask_refund); slots ['city']; forms ['flight_form']",
        )
    ]


async def test_responses_and_events_of_the_action_are_applied(actions: InProcessActions) -> None:
    tracker = conversation(DOMAIN, slot("order_number", "PO-12345"))
    events = await actions.run("action_issue_refund", context(DOMAIN, tracker))
    assert described(events) == [
        ("bot", "Order PO-12345 is on its way."),
        ("bot", "Refund for PO-12345 issued."),
        ("slot", "order_number", None),
    ]


async def test_an_action_execution_rejection_becomes_action_rejected(
    actions: InProcessActions,
) -> None:
    with pytest.raises(ActionRejected, match="no order number"):
        await actions.run("action_issue_refund", context(DOMAIN, conversation(DOMAIN)))


async def test_an_action_that_raises_becomes_an_action_server_error(
    actions: InProcessActions,
) -> None:
    with pytest.raises(ActionServerError, match="RuntimeError: the database is on fire"):
        await actions.run("action_broken", context(DOMAIN, conversation(DOMAIN)))


async def test_an_unknown_action_is_not_found(actions: InProcessActions) -> None:
    with pytest.raises(ActionNotFound):
        await actions.run("action_unknown", context(DOMAIN, conversation(DOMAIN)))


async def test_a_rasa_sdk_form_validator_re_asks_an_invalid_value(
    actions: InProcessActions,
) -> None:
    form = FormAction("flight_form", actions)
    asked = conversation(
        DOMAIN,
        ran("flight_form"),
        ActiveLoop(name="flight_form"),
        slot("requested_slot", "city"),
        listen(),
    )
    invalid = asked.appended(user("inform", entity("city", "Atlantis")), slot("city", "Atlantis"))
    events = await form.run(context(DOMAIN, invalid))
    assert described(events) == [
        ("bot", "We don't fly to Atlantis."),
        ("slot", "city", None),
        ("slot", "requested_slot", "city"),
        ("bot", "Where to?"),
    ]


async def test_a_rasa_sdk_form_validator_accepts_a_valid_value_and_the_form_ends(
    actions: InProcessActions,
) -> None:
    form = FormAction("flight_form", actions)
    asked = conversation(
        DOMAIN,
        ran("flight_form"),
        ActiveLoop(name="flight_form"),
        slot("requested_slot", "city"),
        listen(),
    )
    valid = asked.appended(user("inform", entity("city", "rome")), slot("city", "rome"))
    events = await form.run(context(DOMAIN, valid))
    assert ("slot", "city", "Rome") in described(events)
    assert described(events)[-1] == ("active_loop", None)


async def test_a_value_filled_before_the_form_started_is_validated_on_activation(
    actions: InProcessActions,
) -> None:
    form = FormAction("flight_form", actions)
    before = conversation(
        DOMAIN, user("book_flight", entity("city", "Gotham")), slot("city", "Gotham")
    )
    events = await form.run(context(DOMAIN, before))
    assert ("bot", "We don't fly to Gotham.") in described(events)
    assert ("slot", "city", None) in described(events)


def test_a_module_that_does_not_import_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "broken_actions.py").write_text("import no_such_package\n")
    with pytest.raises(ActionsUnavailable, match=r"broken_actions.*No module named"):
        InProcessActions.load("broken_actions", tmp_path)


async def test_a_project_package_named_actions_is_its_own_not_parleys(tmp_path: Path) -> None:
    package = tmp_path / "actions"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "greet.py").write_text(
        textwrap.dedent(
            """
            from rasa_sdk import Action

            class ActionHello(Action):
                def name(self):
                    return "action_hello_from_project"

                def run(self, dispatcher, tracker, domain):
                    dispatcher.utter_message(text="hello from the project")
                    return []
            """
        )
    )
    project_actions = InProcessActions.load("actions", tmp_path)
    assert project_actions.action_names == ["action_hello_from_project"]
    events = await project_actions.run(
        "action_hello_from_project", context(DOMAIN, conversation(DOMAIN))
    )
    assert described(events) == [("bot", "hello from the project")]
