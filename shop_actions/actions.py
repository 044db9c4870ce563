# mypy: disallow-subclassing-any=False
# (rasa_sdk ships no type information, so its Action classes are Any to mypy.)
"""The reference bot's custom actions, in ``rasa_sdk`` style: they run unchanged in process
(``actions_module: shop_actions``) or on an action server (``parley run actions``).

Each action reads the conversation's slots, asks the shop's rules
(:mod:`shop_actions.shop`) and answers with responses from ``domain.yml``, passing
the facts it found as template values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from . import shop
from .db import Order, OrderStatus, shop_database

_STATUS_RESPONSES = {
    OrderStatus.PROCESSING: "utter_order_processing",
    OrderStatus.SHIPPED: "utter_order_shipped",
    OrderStatus.DELIVERED: "utter_order_delivered",
    OrderStatus.CANCELLED: "utter_order_cancelled",
}


def _day(moment: datetime | None) -> str:
    return f"{moment:%B} {moment.day}" if moment is not None else "soon"


def _order_facts(order: Order) -> dict[str, Any]:
    """Template values describing ``order``."""
    return {
        "order_number": order.number,
        "items": shop.item_names(order),
        "carrier": order.carrier or "our carrier",
        "tracking_number": order.tracking_number or "",
        "placed_on": _day(order.placed_at),
        "shipped_on": _day(order.shipped_at),
        "delivered_on": _day(order.delivered_at),
        "return_by": _day(shop.return_deadline(order)),
    }


async def _order(number: str | None) -> Order | None:
    async with await shop_database().session() as session:
        return await shop.find_order(session, number)


class ActionOrderStatus(Action):
    """Where is the order in the ``order_number`` slot?"""

    def name(self) -> str:
        return "action_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        number = tracker.get_slot("order_number")
        order = await _order(number)
        if order is None:  # forget the wrong number, so the next question asks again
            dispatcher.utter_message(response="utter_order_not_found", order_number=number)
            return [SlotSet("order_number", None)]
        if not shop.owned_by(order, tracker.get_slot("order_email")):
            dispatcher.utter_message(response="utter_order_private", order_number=order.number)
            return []
        dispatcher.utter_message(response=_STATUS_RESPONSES[order.status], **_order_facts(order))
        return []


class ValidateOrderStatusForm(FormValidationAction):
    """Order details only go to the customer who shows the order is theirs (its email)."""

    def name(self) -> str:
        return "validate_order_status_form"

    async def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await _order_number_open_to(value, dispatcher, tracker, None, "")

    async def validate_order_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await _owner_email(value, dispatcher, tracker, None, "")


class ValidateCancelOrderForm(FormValidationAction):
    """Only an existing order that has not shipped yet can be cancelled."""

    def name(self) -> str:
        return "validate_cancel_order_form"

    async def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await _order_number_open_to(
            value, dispatcher, tracker, shop.cancel_refusal, "cancel"
        )

    async def validate_order_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await _owner_email(value, dispatcher, tracker, shop.cancel_refusal, "cancel")

    async def validate_confirm_cancel(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"confirm_cancel": bool(value)}


class ActionAskConfirmCancel(Action):
    """Ask before cancelling, naming what the order contains."""

    def name(self) -> str:
        return "action_ask_confirm_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = await _order(tracker.get_slot("order_number"))
        facts = _order_facts(order) if order is not None else {"items": "your items"}
        dispatcher.utter_message(response="utter_ask_confirm_cancel", **facts)
        return []


class ActionCancelOrder(Action):
    """Cancel the order once the customer confirmed it."""

    def name(self) -> str:
        return "action_cancel_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        number = tracker.get_slot("order_number")
        if not tracker.get_slot("confirm_cancel"):
            dispatcher.utter_message(response="utter_cancel_kept", order_number=number)
            return [SlotSet("confirm_cancel", None)]
        async with await shop_database().session() as session:
            order = await shop.find_order(session, number)
            refusal = shop.cancel_refusal(order) if order is not None else None
            if order is None or refusal is not None:  # changed since the form checked it
                dispatcher.utter_message(response="utter_cancel_failed", order_number=number)
                return [SlotSet("confirm_cancel", None)]
            await shop.cancel(session, order)
        dispatcher.utter_message(response="utter_order_cancelled_now", order_number=number)
        return [SlotSet("confirm_cancel", None)]


class ValidateReturnForm(FormValidationAction):
    """A return needs a delivered order inside the return window, one of its items, a reason."""

    def name(self) -> str:
        return "validate_return_form"

    async def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        checked = await _order_number_open_to(
            value, dispatcher, tracker, shop.return_refusal, "return"
        )
        if "order_email" in tracker.slots_to_validate():
            return checked  # the email's validator, for this same message, checks the item
        return await _named_item_checked(checked, dispatcher, tracker)

    async def validate_order_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        checked = await _owner_email(value, dispatcher, tracker, shop.return_refusal, "return")
        return await _named_item_checked(checked, dispatcher, tracker)

    async def validate_return_item(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The item, checked against the order once it is shown to be the customer's; named
        before that, it is kept and checked then (saying earlier what the order holds would
        tell it to anyone who has the number)."""
        order = await _shown_to_be_theirs(
            tracker.get_slot("order_number"), tracker.get_slot("order_email")
        )
        if order is None:
            _acknowledge(dispatcher, tracker, "utter_return_item_noted", return_item=value)
            return {"return_item": str(value)}
        return _item_of(order, str(value), dispatcher)

    async def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reason = str(value or "").strip()
        return {"return_reason": reason if len(reason) >= 3 else None}


class ActionAskReturnItem(Action):
    """Ask which item to return, listing the order's items: the form asks this only once the
    email matched, and a customer should not have to remember what the order held."""

    def name(self) -> str:
        return "action_ask_return_item"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = await _shown_to_be_theirs(
            tracker.get_slot("order_number"), tracker.get_slot("order_email")
        )
        if order is None:
            dispatcher.utter_message(response="utter_ask_return_item")
        else:
            dispatcher.utter_message(response="utter_ask_return_item_of", **_order_facts(order))
        return []


class ActionSubmitReturn(Action):
    """Record the return request and tell the customer what happens next."""

    def name(self) -> str:
        return "action_submit_return"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        number = tracker.get_slot("order_number")
        async with await shop_database().session() as session:
            order = await shop.find_order(session, number)
            item = shop.item_named(order, tracker.get_slot("return_item")) if order else None
            if order is None or item is None or shop.return_refusal(order) is not None:
                dispatcher.utter_message(response="utter_return_failed", order_number=number)
                return [SlotSet("return_item", None), SlotSet("return_reason", None)]
            reason = str(tracker.get_slot("return_reason"))
            request = await shop.create_return(session, order, item, reason, tracker.sender_id)
            dispatcher.utter_message(
                response="utter_return_created",
                return_reference=request.reference,
                return_item=item.product.name,
                order_number=order.number,
            )
        return [SlotSet("return_item", None), SlotSet("return_reason", None)]


class ValidateSupportTicketForm(FormValidationAction):
    """The ticket needs a real e-mail address and a description of a few words."""

    def name(self) -> str:
        return "validate_support_ticket_form"

    async def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = shop.valid_email(str(value or ""))
        if email is None:
            said = str(tracker.latest_message.get("text") or value or "")
            dispatcher.utter_message(response="utter_invalid_email", email_given=_quoted(said))
        return {"email": email}

    async def validate_ticket_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        description = str(value or "").strip()
        if len(description.split()) < 2:
            dispatcher.utter_message(response="utter_description_too_short")
            return {"ticket_description": None}
        return {"ticket_description": description}


class ActionOpenTicket(Action):
    """Open the support ticket and hand the conversation to a person: the bot goes quiet."""

    def name(self) -> str:
        return "action_open_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        email = str(tracker.get_slot("email"))
        description = str(tracker.get_slot("ticket_description"))
        async with await shop_database().session() as session:
            ticket = await shop.open_ticket(session, email, description, tracker.sender_id)
        dispatcher.utter_message(
            response="utter_ticket_opened", ticket_reference=ticket.reference, email=email
        )
        return [SlotSet("ticket_description", None), ConversationPaused()]


Refusing = Callable[[Order], shop.Refusal | None] | None


async def _order_number_open_to(
    value: Any,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    refusal_of: Refusing,
    request: str,
) -> dict[str, Any]:
    """The order number if that order exists. Until the customer has shown the order is
    theirs (``order_email``), nothing more is said about it; after that, ``refusal_of`` may
    object to the ``request`` (cancel, return)."""
    order = await _order(value)
    if order is None:
        # a word NLU took for a number ("I ordered boots ...") is no attempt at one: the
        # form just asks for the number
        if any(character.isdigit() for character in str(value)):
            dispatcher.utter_message(response="utter_order_not_found", order_number=value)
        return {"order_number": None}
    email = tracker.get_slot("order_email")
    if not shop.owned_by(order, email):
        # an email given in an earlier message gets the check it would get after the number
        # (one given in this message is checked by validate_order_email, which says so)
        if email is not None and "order_email" not in tracker.slots_to_validate():
            _mismatch(dispatcher, tracker, order.number, email)
        return {"order_number": order.number, "order_email": None, **NOTHING_REFUSED}
    return _refused(order, dispatcher, refusal_of, request) or {
        "order_number": order.number,
        **NOTHING_REFUSED,
    }


async def _owner_email(
    value: Any,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    refusal_of: Refusing,
    request: str,
) -> dict[str, Any]:
    """The email if it is the address on the order; then ``refusal_of`` may still object.

    Given before the order number, the address is kept (nothing is said about any
    order yet) and :func:`_order_number_open_to` checks it when the number comes."""
    number = tracker.get_slot("order_number")
    if number is None:
        email = shop.valid_email(str(value))
        if email is not None:
            _acknowledge(dispatcher, tracker, "utter_order_email_noted", order_email=email)
        return {"order_email": email}
    order = await _order(number)
    if order is None:
        return {"order_email": None}
    if not shop.owned_by(order, value):
        _mismatch(dispatcher, tracker, order.number, value)
        return {"order_email": None}
    email = shop.valid_email(str(value))
    return _refused(order, dispatcher, refusal_of, request) or {"order_email": email}


def _mismatch(dispatcher: CollectingDispatcher, tracker: Tracker, number: str, email: Any) -> None:
    """Say that ``email`` is not the address on order ``number``. An address kept from an
    earlier message (a form started with it filled) is named, or the customer could not
    tell which of the addresses they typed was tried."""
    latest = tracker.latest_message or {}
    given_now = any(e.get("entity") == "email" for e in latest.get("entities") or []) or (
        str(email).strip().lower() in str(latest.get("text") or "").lower()
    )
    response = "utter_order_email_mismatch" if given_now else "utter_order_earlier_email_mismatch"
    dispatcher.utter_message(response=response, order_number=number, order_email=email)


def _acknowledge(
    dispatcher: CollectingDispatcher, tracker: Tracker, response: str, **values: Any
) -> None:
    """Say that a detail given before it was asked is kept, unless the message also gave an
    order number: what is said about that number (or its question) is the answer then."""
    if "order_number" not in tracker.slots_to_validate():
        dispatcher.utter_message(response=response, **values)


async def _shown_to_be_theirs(number: Any, email: Any) -> Order | None:
    """The order ``number`` if ``email`` is the address it was placed with."""
    order = await _order(number) if number is not None and email is not None else None
    return order if order is not None and shop.owned_by(order, email) else None


def _item_of(order: Order, said: str, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """``return_item``: the order's item that ``said`` names, or ``None`` (said so; the form's
    next question lists the order's items)."""
    item = shop.item_named(order, said)
    if item is None:  # the form asks again, listing the order's items
        dispatcher.utter_message(response="utter_item_not_in_order", order_number=order.number)
        return {"return_item": None}
    return {"return_item": item.product.name}


async def _named_item_checked(
    checked: dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker
) -> dict[str, Any]:
    """``checked`` (an order number's or email's validation) plus, once the order is shown
    to be the customer's, the check of an item they named before; with nothing named, an
    order of one item names it (asking "which item?" of a one-item order wastes a turn)."""
    if "return_item" in tracker.slots_to_validate():
        return checked  # named in this message: validate_return_item checks it
    number = checked.get("order_number", tracker.get_slot("order_number"))
    email = checked.get("order_email", tracker.get_slot("order_email"))
    order = await _shown_to_be_theirs(number, email)
    if order is None:
        return checked
    item = tracker.get_slot("return_item")
    if item is not None:
        return {**checked, **_item_of(order, str(item), dispatcher)}
    if len(order.items) != 1:
        return checked
    only = order.items[0].product.name
    dispatcher.utter_message(
        response="utter_return_only_item", order_number=order.number, return_item=only
    )
    return {**checked, "return_item": only}


def _refused(
    order: Order, dispatcher: CollectingDispatcher, refusal_of: Refusing, request: str
) -> dict[str, Any] | None:
    """Why ``request`` can't be done for ``order`` (told to the customer), or ``None``."""
    refusal = refusal_of(order) if refusal_of is not None else None
    if refusal is None:
        return None
    facts = _order_facts(order)
    dispatcher.utter_message(response=f"utter_cannot_{request}_{refusal}", **facts)
    # kept for "which items are in it?", asked next (utter_ask_order_items)
    return {
        "order_number": None,
        "order_refused": True,
        "refused_order": facts["order_number"],
        "refused_items": facts["items"],
    }


NOTHING_REFUSED: dict[str, Any] = {
    "order_refused": None,
    "refused_order": None,
    "refused_items": None,
}
"""A new order number forgets the refused order: "what's in it?" is about the new one."""


QUOTE_CHARS = 60


def _quoted(said: str) -> str:
    """What the customer typed, for "... doesn't look like an email address": the whole
    message, not the piece NLU took for an address ("jane.doe at example dot com" gave the
    entities "jane.doe" and "example"; quoting "example" back confuses), cut to
    :data:`QUOTE_CHARS` characters."""
    said = " ".join(said.split())
    return said if len(said) <= QUOTE_CHARS else said[: QUOTE_CHARS - 1].rstrip() + "…"
