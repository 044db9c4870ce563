"""The reference bot over HTTP on the paths that leave the happy one: side questions inside a
form, stopping a form, refused answers, an unknown order number."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Server
from tests.e2e.test_reference_bot import Customer, texts

pytestmark = pytest.mark.slow

ASK_EMAIL = "Which email address can our support team reach you at?"
START_TICKET = (
    "I'll open a support ticket so a person on our team can take care of it. "
    "Two quick details first."
)


def test_a_side_question_in_the_ticket_form_is_answered_then_asked_again(
    shared_server: Server,
) -> None:
    customer = Customer(shared_server)
    assert texts(customer.says("I want to file a complaint")) == f"{START_TICKET} {ASK_EMAIL}"

    replies = customer.says("are you open on sundays?")

    assert len(replies) == 2
    assert "Sunday" in replies[0]["text"]
    assert replies[1]["text"] == ASK_EMAIL
    assert customer.tracker()["slots"]["email"] is None
    assert "ticket" not in texts(customer.says("jane.doe@example.com")).lower()
    assert customer.tracker()["slots"]["email"] == "jane.doe@example.com"


def test_an_address_change_opens_a_ticket_not_a_payment_answer(shared_server: Server) -> None:
    # "delivery" is in the payment page ("We do not offer cash on delivery."), addresses are not
    customer = Customer(shared_server)
    reply = texts(customer.says("can you help me with my delivery address?"))
    assert reply == f"{START_TICKET} {ASK_EMAIL}"


def test_stop_after_an_answer_asks_first_and_then_forgets_it(shared_server: Server) -> None:
    customer = Customer(shared_server)
    assert "email address" in texts(customer.says("I want to return something from PO-90215"))
    listed = "Order PO-90215 contains backpack and headlamp. Which of these"
    assert listed in texts(customer.says("jane.doe@example.com"))
    assert "Why are you returning it?" in texts(customer.says("the headlamp"))

    assert "Shall I stop here?" in texts(customer.says("stop"))
    assert texts(customer.says("yes")) == "Okay, I've stopped. Nothing was changed."
    tracker = customer.tracker()
    assert tracker["active_loop"] in ({}, None) or tracker["active_loop"].get("name") is None
    assert tracker["slots"]["order_number"] is None
    assert tracker["slots"]["return_item"] is None


def test_two_refused_emails_offer_a_way_out(shared_server: Server) -> None:
    customer = Customer(shared_server)
    customer.says("please open a support ticket")

    first = customer.says("jane.doe@example")
    assert len(first) == 1 and "doesn't look like an email address" in first[0]["text"]

    second = customer.says("jane.doe@examplecom")
    assert "doesn't look like an email address" in second[0]["text"]
    buttons = [b["payload"] for b in second[-1].get("buttons", [])]
    assert buttons == ["/stop", "/human_handoff"]
    assert texts(customer.says("/stop")) == "Okay, I've stopped. Nothing was changed."


def test_after_an_unknown_order_number_the_next_question_asks_for_it_again(
    shared_server: Server,
) -> None:
    customer = Customer(shared_server)
    assert "couldn't find an order PO-99999" in texts(customer.says("where is order PO-99999?"))

    assert "What's your order number?" in texts(customer.says("wher is my ordr"))
    assert "email address" in texts(customer.says("it's PO-48213"))
    assert "UPS" in texts(customer.says("jane.doe@example.com"))


def test_order_details_need_the_email_on_the_order(shared_server: Server) -> None:
    customer = Customer(shared_server)
    asked = texts(customer.says("where is my order PO-48213?"))
    assert "email address" in asked and "hiking boots" not in asked

    refused = texts(customer.says("sam.lee@example.org"))
    assert "doesn't match order PO-48213" in refused and "hiking boots" not in refused
    assert "hiking boots" in texts(customer.says("it's jane.doe@example.com"))


def test_a_bare_order_number_answers_the_return_form_whatever_its_intent(
    shared_server: Server,
) -> None:
    # "PO-10377" alone reads as an order-status request to the NLU; it is still the answer.
    customer = Customer(shared_server)
    assert "Which order" in texts(customer.says("I'd like to return something"))

    reply = texts(customer.says("PO-10377"))

    assert "email address" in reply and "order number" not in reply
    assert customer.tracker()["slots"]["order_number"] == "PO-10377"
    only = "Order PO-10377 holds one item, the rain jacket, so I'll set up the return for it."
    assert only in texts(customer.says("jane.doe@example.com"))


def test_asked_what_the_order_holds_a_form_lists_the_items_only_once_it_is_theirs(
    shared_server: Server,
) -> None:
    customer = Customer(shared_server)
    ask_email = "what's the email address you placed order PO-90215 with?"
    assert ask_email in texts(customer.says("I want to return something from PO-90215"))

    before = texts(customer.says("which items are in it?"))
    assert before.startswith("I can tell you what's in the order once I know it's yours.")
    assert ask_email in before and "backpack" not in before

    listed = (
        "Order PO-90215 contains backpack and headlamp. Which of these would you like to return?"
    )
    assert texts(customer.says("jane.doe@example.com")) == listed
    assert texts(customer.says("what was in it again?")) == f"Sure, here's what's in it. {listed}"
    assert customer.tracker()["slots"]["return_item"] is None
    assert "Why are you returning it?" in texts(customer.says("the headlamp"))


def test_after_a_refusal_the_refused_order_is_what_it_means_until_another_number_comes(
    shared_server: Server,
) -> None:
    customer = Customer(shared_server)
    customer.says("I want to return something from PO-55501")
    refused = texts(customer.says("sam.lee@example.org"))
    assert refused.startswith(
        "Order PO-55501 (sleeping bag and headlamp) hasn't been delivered yet"
    )

    asked = texts(customer.says("which items are in it?"))
    assert asked.startswith("Order PO-55501 contains sleeping bag and headlamp. ")
    assert "Which order would you like to return something from?" in asked

    customer.says("PO-90215")  # Jane's order: Sam's address does not open it
    again = texts(customer.says("which items are in it?"))
    assert again.startswith("I can tell you what's in the order once I know it's yours.")
    assert "sleeping bag" not in again and "backpack" not in again


def test_a_reason_typed_when_the_order_number_is_asked_is_not_declined_as_out_of_scope(
    shared_server: Server,
) -> None:
    customer = Customer(shared_server)
    asked = texts(customer.says("I want to return something"))
    assert asked.startswith("Which order would you like to return something from?")

    replies = customer.says("it stopped working")

    assert [r["text"] for r in replies] == [
        "Sorry, I couldn't use that as an answer to my question.",
        asked,
    ]
    assert "email address you placed order PO-90215" in texts(customer.says("PO-90215"))
