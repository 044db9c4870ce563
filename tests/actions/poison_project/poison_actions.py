"""Custom actions that answer what no store could read back (used by test_poisoned_actions)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher


class ActionIntText(Action):
    def name(self) -> str:
        return "action_int_text"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=12345)  # type: ignore[arg-type]
        return []


class ActionSurrogateText(Action):
    def name(self) -> str:
        return "action_surrogate_text"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text="bad \ud800")
        return []


class ActionUnknownSlot(Action):
    def name(self) -> str:
        return "action_unknown_slot"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return [SlotSet("no_such_slot", 1)]


class ActionGood(Action):
    def name(self) -> str:
        return "action_good"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text="Refund issued.")
        return [SlotSet("order_number", "PO-1")]
