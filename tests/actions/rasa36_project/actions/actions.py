"""Action code as written for the rasa_sdk of Rasa 3.6 (ruamel.yaml 0.17's module functions)."""

from pathlib import Path
from typing import Any

import ruamel.yaml
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

with open(Path(__file__).with_name("settings.yml"), encoding="utf-8") as settings_file:
    SETTINGS = ruamel.yaml.safe_load(settings_file)


class ActionGreetFromSettings(Action):
    def name(self) -> str:
        return "action_greet_from_settings"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=SETTINGS["greeting"])
        saved = ruamel.yaml.round_trip_dump({"confirmed": SETTINGS["answer"]})
        return [SlotSet("confirmed", ruamel.yaml.safe_load(saved)["confirmed"])]


class ValidateConfirmForm(FormValidationAction):
    def name(self) -> str:
        return "validate_confirm_form"

    def validate_confirmed(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        if slot_value == "yes":
            return {"confirmed": slot_value}
        dispatcher.utter_message(text="Please answer yes.")
        return {"confirmed": None}
