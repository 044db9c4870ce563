"""ActionResolver: the action behind a predicted name (response, form, default or custom)."""

from __future__ import annotations

import pytest

from actions import (
    Action,
    ActionNotFound,
    ActionResolver,
    CustomActionExecutor,
    NoCustomActions,
)
from dialogue.domain import Domain
from tests.actions.builders import (
    ProjectActions,
    context,
    conversation,
    described,
    domain_from,
    listen,
    saying,
    slot,
    user,
)

SHOP = domain_from(
    """
    intents: [greet, order_status]
    slots:
      order_number:
        type: text
        mappings:
        - {type: from_text}
    responses:
      utter_greet:
      - text: "Hello!"
      utter_default:
      - text: "Sorry, say that again?"
      utter_ask_order_number:
      - text: "What is your order number?"
      utter_restart:
      - text: "Restarted."
    actions:
      - action_check_order
      - action_default_ask_affirmation
    forms:
      order_form:
        required_slots: [order_number]
    """
)


async def outcome(
    name: str, domain: Domain = SHOP, executor: CustomActionExecutor | None = None
) -> list[tuple[object, ...]]:
    """What running the action resolved for ``name`` adds to a fresh conversation."""
    resolver = ActionResolver(domain, executor or NoCustomActions())
    action = resolver.resolve(name)
    tracker = conversation(domain, slot("order_number", None), listen(), user("greet"))
    return described(await action.run(context(domain, tracker)))


def test_project_actions_is_a_custom_action_executor() -> None:
    assert isinstance(ProjectActions(), CustomActionExecutor)


async def test_a_response_name_resolves_to_sending_that_response() -> None:
    assert await outcome("utter_greet") == [("bot", "Hello!")]


async def test_a_form_name_resolves_to_the_form() -> None:
    assert await outcome("order_form") == [
        ("active_loop", "order_form"),
        ("slot", "requested_slot", "order_number"),
        ("bot", "What is your order number?"),
    ]


async def test_a_custom_action_runs_through_the_executor() -> None:
    executor = ProjectActions(action_check_order=saying("Your order has shipped."))

    assert await outcome("action_check_order", executor=executor) == [
        ("bot", "Your order has shipped.")
    ]
    ((name, tracker),) = executor.calls
    assert name == "action_check_order"
    assert tracker.latest_message is not None


async def test_an_action_the_executor_knows_runs_even_if_the_domain_does_not_list_it() -> None:
    executor = ProjectActions(action_lookup=saying("Found it."))

    assert await outcome("action_lookup", executor=executor) == [("bot", "Found it.")]


async def test_an_executor_action_named_like_a_response_overrides_the_response() -> None:
    executor = ProjectActions(utter_greet=saying("Hello from code!"))

    assert await outcome("utter_greet", executor=executor) == [("bot", "Hello from code!")]


async def test_a_custom_action_listed_in_the_domain_fails_without_an_action_server() -> None:
    action = ActionResolver(SHOP, NoCustomActions()).resolve("action_check_order")

    with pytest.raises(ActionNotFound) as error:
        await action.run(context(SHOP, conversation(SHOP)))

    assert error.value.action_name == "action_check_order"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("action_listen", []),
        ("action_restart", [("bot", "Restarted."), ("restart",)]),
        ("action_default_fallback", [("bot", "Sorry, say that again?"), ("rewind",)]),
        ("action_deactivate_loop", [("active_loop", None), ("slot", "requested_slot", None)]),
        ("action_back", [("rewind",), ("rewind",)]),
        ("action_unlikely_intent", []),
        ("action_revert_fallback_events", []),
        ("action_extract_slots", []),
        ("action_two_stage_fallback", [("bot", "Sorry, say that again?"), ("rewind",)]),
        ("action_default_ask_rephrase", [("bot", "Sorry, say that again?"), ("rewind",)]),
    ],
)
async def test_default_actions_resolve_to_their_built_in_behaviour(
    name: str, expected: list[tuple[object, ...]]
) -> None:
    action = ActionResolver(SHOP, NoCustomActions()).resolve(name)

    assert isinstance(action, Action)
    assert await outcome(name) == expected


async def test_session_start_resolves_to_starting_a_new_session() -> None:
    events = await outcome("action_session_start")

    assert events[0] == ("session_started",)
    assert events[-1] == ("action", "action_listen")


async def test_a_custom_action_listed_in_the_domain_overrides_the_default_action() -> None:
    """Rasa lets a project replace a default action by listing its own under ``actions``."""
    executor = ProjectActions(action_default_ask_affirmation=saying("Did you mean 'order'?"))

    assert await outcome("action_default_ask_affirmation", executor=executor) == [
        ("bot", "Did you mean 'order'?")
    ]


async def test_an_unlisted_executor_action_does_not_replace_a_default_action() -> None:
    executor = ProjectActions(action_restart=saying("custom restart"))

    assert await outcome("action_restart", executor=executor) == [
        ("bot", "Restarted."),
        ("restart",),
    ]


async def test_an_utter_name_without_a_response_says_nothing() -> None:
    assert await outcome("utter_not_in_domain") == []


def test_an_unknown_name_is_an_action_not_found_error() -> None:
    resolver = ActionResolver(SHOP, NoCustomActions())

    with pytest.raises(ActionNotFound) as error:
        resolver.resolve("action_nobody_wrote")

    assert error.value.action_name == "action_nobody_wrote"
