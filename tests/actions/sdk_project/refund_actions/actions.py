"""Actions written exactly as for Rasa: ``rasa_sdk`` classes, nothing Parley-specific."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection
from rasa_sdk.types import DomainDict


class ActionIssueRefund(Action):
    """Refunds the order in the slot; refuses to run without one (the policies choose again)."""

    def name(self) -> str:
        return "action_issue_refund"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = tracker.get_slot("order_number")
        if order is None:
            raise ActionExecutionRejection(self.name(), "no order number to refund")
        dispatcher.utter_message(response="utter_order_status", order_number=order)
        dispatcher.utter_message(
            text=f"Refund for {order} issued.",
            buttons=[{"title": "Thanks", "payload": "/goodbye"}],
        )
        return [SlotSet("order_number", None)]


class ActionEcho(Action):
    """Says what it saw, so tests can check the tracker the server received."""

    def name(self) -> str:
        return "action_echo"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        dispatcher.utter_message(
            text=f"{tracker.sender_id} said {tracker.latest_message.get('text')!r} ({intent}); "
            f"slots {sorted(k for k, v in tracker.slots.items() if v is not None)}; "
            f"forms {sorted(domain.get('forms', {}))}"
        )
        return []


class ActionBroken(Action):
    def name(self) -> str:
        return "action_broken"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        raise RuntimeError("the database is on fire")


class ValidateFlightForm(FormValidationAction):
    """Only some cities are served; an unknown one is asked for again."""

    def name(self) -> str:
        return "validate_flight_form"

    def validate_city(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if str(value).title() not in {"Paris", "Rome", "Berlin"}:
            dispatcher.utter_message(text=f"We don't fly to {value}.")
            return {"city": None}
        return {"city": str(value).title()}
