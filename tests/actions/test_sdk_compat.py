"""Action code written for the rasa_sdk of Rasa 3.6 runs in process on today's rasa_sdk."""

from __future__ import annotations

from pathlib import Path

import pytest
import ruamel.yaml

from actions.inprocess import InProcessActions
from actions.sdk_compat import install
from tests.actions.builders import context, conversation, described, domain_from, listen, user

PROJECT = Path(__file__).parent / "rasa36_project"
DOMAIN = domain_from(
    """
    intents: [greet, affirm]
    slots:
      confirmed:
        type: text
        mappings:
        - {type: from_intent, intent: affirm, value: "yes"}
    actions: [action_greet_from_settings, validate_confirm_form]
    forms:
      confirm_form:
        required_slots: [confirmed]
    """
)


@pytest.fixture(scope="module")
def rasa36_actions() -> InProcessActions:
    return InProcessActions.load("actions", PROJECT)


def test_ruamel_module_functions_of_rasa_3_6_work_again() -> None:
    install()

    assert ruamel.yaml.safe_load("answer: yes\nn: 1\n") == {"answer": "yes", "n": 1}
    assert ruamel.yaml.safe_dump({"a": [1, 2]}, default_flow_style=False) == "a:\n- 1\n- 2\n"
    assert list(ruamel.yaml.safe_load_all("a: 1\n---\nb: 2\n")) == [{"a": 1}, {"b": 2}]
    assert ruamel.yaml.round_trip_load("k: v  # kept\n")["k"] == "v"


def test_a_rasa_3_6_package_named_actions_loads_and_runs(
    rasa36_actions: InProcessActions,
) -> None:
    assert rasa36_actions.action_names == ["action_greet_from_settings", "validate_confirm_form"]


async def test_its_action_reads_its_settings_with_ruamel_module_functions(
    rasa36_actions: InProcessActions,
) -> None:
    tracker = conversation(DOMAIN, listen(), user("greet"))

    events = await rasa36_actions.run("action_greet_from_settings", context(DOMAIN, tracker))

    assert described(events) == [
        ("bot", "Hello from the settings file"),
        ("slot", "confirmed", "yes"),
    ]
