"""The reference bot's rasa_sdk actions, run in process against its real domain and database."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.extract import extract_slots
from actions.forms import FormAction
from actions.inprocess import InProcessActions
from dialogue.domain import Domain
from dialogue.events import ActiveLoop, ConversationPaused, Event
from dialogue.tracker import Tracker
from parley.project.domain import load_domain
from shop_actions.db import DATABASE_URL_ENV
from tests.actions.builders import context, conversation, described, entity, listen, ran, slot, user

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return load_domain(REPO / "domain.yml")


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> InProcessActions:
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'shop.db'}")
    return InProcessActions.load("shop_actions", REPO)


async def run(shop: InProcessActions, domain: Domain, name: str, *events: Event) -> list[Event]:
    return list(await shop.run(name, context(domain, conversation(domain, *events))))


def texts(events: list[Event]) -> str:
    return " ".join(str(e[1]) for e in described(events) if e[0] == "bot")


def asking(domain: Domain, form: str, requested: str, *filled: Event) -> Tracker:
    """A conversation in which ``form`` (with ``filled`` slots) has just asked for ``requested``."""
    return conversation(
        domain,
        ran(form),
        ActiveLoop(name=form),
        *filled,
        slot("requested_slot", requested),
        listen(),
    )


async def test_order_status_reads_the_order_from_the_database(
    shop: InProcessActions, domain: Domain
) -> None:
    owner = slot("order_email", "Jane.Doe@example.com ")
    said = texts(
        await run(shop, domain, "action_order_status", slot("order_number", "PO-48213"), owner)
    )
    assert "PO-48213" in said and "hiking boots and trekking poles" in said and "UPS" in said


@pytest.mark.parametrize(
    "email", [None, "sam.lee@example.org", "not an email"], ids=["none", "other", "invalid"]
)
async def test_order_details_stay_private_without_the_email_on_the_order(
    shop: InProcessActions, domain: Domain, email: str | None
) -> None:
    filled = (slot("order_number", "PO-48213"), slot("order_email", email))
    said = texts(await run(shop, domain, "action_order_status", *filled))
    assert "once you confirm the email address" in said
    assert "hiking boots" not in said and "UPS" not in said


async def test_the_order_form_asks_for_the_email_before_saying_anything_about_the_order(
    shop: InProcessActions, domain: Domain
) -> None:
    form = FormAction("cancel_order_form", shop)
    before = conversation(
        domain,
        user("cancel_order", entity("order_number", "PO-48213")),
        slot("order_number", "PO-48213"),
    )
    events = await form.run(context(domain, before))
    assert texts(events) == (
        "To keep your order details private: what's the email address you placed order "
        "PO-48213 with?"
    )
    assert ("slot", "requested_slot", "order_email") in described(events)


async def test_a_wrong_email_is_refused_without_revealing_the_right_one(
    shop: InProcessActions, domain: Domain
) -> None:
    form = FormAction("order_status_form", shop)
    asked = asking(domain, "order_status_form", "order_email", slot("order_number", "PO-48213"))
    answer = asked.appended(
        user("inform", entity("email", "sam.lee@example.org")),
        slot("order_email", "sam.lee@example.org"),
    )
    events = await form.run(context(domain, answer))
    assert "doesn't match order PO-48213" in texts(events)
    assert "jane" not in texts(events)
    assert ("slot", "order_email", None) in described(events)


async def test_an_email_given_before_the_order_number_is_kept_and_the_number_asked(
    shop: InProcessActions, domain: Domain
) -> None:
    form = FormAction("return_form", shop)
    asked = asking(domain, "return_form", "order_number")
    answer = asked.appended(
        user("inform", entity("email", "Jane.Doe@example.com")),
        slot("order_email", "Jane.Doe@example.com"),
    )
    events = await form.run(context(domain, answer))
    assert texts(events) == (
        "Thanks, I'll check jane.doe@example.com against the order once I have its number. "
        "Which order would you like to return something from? The number looks like PO-12345."
    )
    assert ("slot", "order_email", "jane.doe@example.com") in described(events)
    assert ("slot", "requested_slot", "order_number") in described(events)


async def test_an_order_number_after_the_email_is_checked_against_it(
    shop: InProcessActions, domain: Domain
) -> None:
    form = FormAction("return_form", shop)
    email_first = asking(
        domain, "return_form", "order_number", slot("order_email", "jane.doe@example.com")
    )

    def number(order: str) -> Tracker:
        given = user("inform", entity("order_number", order))
        return email_first.appended(given, slot("order_number", order))

    theirs = await form.run(context(domain, number("PO-90215")))
    assert ("slot", "order_email", None) not in described(theirs)
    assert ("slot", "requested_slot", "return_item") in described(theirs)
    not_theirs = await form.run(context(domain, number("PO-73310")))
    assert texts(not_theirs).startswith(
        "The email address you gave earlier, jane.doe@example.com, doesn't match order PO-73310."
    )
    assert ("slot", "order_email", None) in described(not_theirs)
    assert described(not_theirs)[-1] == ("slot", "requested_slot", "order_email")


async def test_an_item_named_before_the_email_is_kept_without_telling_what_the_order_holds(
    shop: InProcessActions, domain: Domain
) -> None:
    form = FormAction("return_form", shop)
    asked = asking(domain, "return_form", "order_email", slot("order_number", "PO-73310"))
    answer = asked.appended(user("inform", entity("product", "tent")), slot("return_item", "tent"))
    events = await form.run(context(domain, answer))
    said = texts(events)
    assert said.startswith("Noted: tent. I'll check it against your order.")
    assert "boots" not in said and "jacket" not in said and "contains" not in said
    assert ("slot", "return_item", "tent") in described(events)
    assert ("slot", "requested_slot", "order_email") in described(events)


@pytest.mark.parametrize(
    ("named", "kept"), [("the jacket", "rain jacket"), ("tent", None)], ids=["in", "not-in"]
)
async def test_an_item_named_early_is_checked_once_the_order_is_shown_to_be_theirs(
    shop: InProcessActions, domain: Domain, named: str, kept: str | None
) -> None:
    form = FormAction("return_form", shop)
    filled = (slot("order_number", "PO-73310"), slot("return_item", named))
    asked = asking(domain, "return_form", "order_email", *filled)
    answer = asked.appended(
        user("inform", entity("email", "sam.lee@example.org")),
        slot("order_email", "sam.lee@example.org"),
    )
    events = await form.run(context(domain, answer))
    assert ("slot", "return_item", kept) in described(events)
    told = "Order PO-73310 contains hiking boots and rain jacket" in texts(events)
    assert told == (kept is None)
    expected = "return_reason" if kept else "return_item"
    assert ("slot", "requested_slot", expected) in described(events)


@pytest.mark.parametrize(
    ("number", "email", "filled", "told"),
    [
        (
            "PO-10377",
            "jane.doe@example.com",
            "rain jacket",
            "Order PO-10377 holds one item, the rain jacket",
        ),
        (
            "PO-73310",
            "sam.lee@example.org",
            None,
            "Order PO-73310 contains hiking boots and rain jacket. Which of these",
        ),
        (
            "PO-10377",
            "sam.lee@example.org",
            None,
            "That email address doesn't match order PO-10377.",
        ),
    ],
    ids=["one-item", "two-items", "not-theirs"],
)
async def test_once_the_order_is_shown_to_be_theirs_its_items_are_named(
    shop: InProcessActions, domain: Domain, number: str, email: str, filled: str | None, told: str
) -> None:
    """One item: it is the one returned. More: the question lists them. A stranger: nothing."""
    form = FormAction("return_form", shop)
    asked = asking(domain, "return_form", "order_email", slot("order_number", number))
    answer = asked.appended(user("inform", entity("email", email)), slot("order_email", email))
    events = await form.run(context(domain, answer))
    said = texts(events)
    assert told in said
    stranger = (number, email) == ("PO-10377", "sam.lee@example.org")
    assert ("jacket" in said) != stranger  # a stranger hears nothing of the order
    assert any(e[:2] == ("slot", "return_item") for e in described(events)) == (filled is not None)
    if filled is not None:
        assert ("slot", "return_item", filled) in described(events)
        assert ("slot", "requested_slot", "return_reason") in described(events)


@pytest.mark.parametrize(
    ("email", "asked"),
    [
        ("jane.doe@example.com", "Order PO-90215 contains backpack and headlamp. Which of these"),
        ("sam.lee@example.org", "Which item would you like to return?"),
    ],
    ids=["theirs", "not-theirs"],
)
async def test_the_item_question_lists_the_order_only_to_its_owner(
    shop: InProcessActions, domain: Domain, email: str, asked: str
) -> None:
    filled = (slot("order_number", "PO-90215"), slot("order_email", email))
    said = texts(await run(shop, domain, "action_ask_return_item", *filled))
    assert said.startswith(asked)
    assert ("backpack" in said) == (email == "jane.doe@example.com")


async def test_an_order_of_one_item_is_named_when_the_number_follows_the_email(
    shop: InProcessActions, domain: Domain
) -> None:
    form = FormAction("return_form", shop)
    asked = asking(
        domain, "return_form", "order_number", slot("order_email", "jane.doe@example.com")
    )
    answer = asked.appended(
        user("inform", entity("order_number", "PO-10377")), slot("order_number", "PO-10377")
    )
    events = await form.run(context(domain, answer))
    assert "Order PO-10377 holds one item, the rain jacket" in texts(events)
    assert ("slot", "requested_slot", "return_reason") in described(events)


def test_the_domain_keeps_what_a_customer_gives_before_it_is_asked(domain: Domain) -> None:
    def filled(tracker: Tracker) -> dict[str, object]:
        return {e.name: e.value for e in extract_slots(domain, tracker.state)}

    request = conversation(domain, user("request_return", entity("product", "tent")))
    question = conversation(domain, user("return_policy", entity("product", "tent")))
    assert filled(request) == {"return_item": "tent"}
    assert filled(question) == {}  # a question about a product starts nothing
    email = user("inform", entity("email", "sam.lee@example.org"))
    in_return = asking(domain, "return_form", "order_number").appended(email)
    outside = conversation(domain, email)
    assert filled(in_return)["order_email"] == "sam.lee@example.org"
    assert "order_email" not in filled(outside)
    both = entity("order_number", "PO-55501"), entity("email", "sam.lee@example.org")
    cancel = conversation(domain, user("cancel_order", *both))
    assert filled(cancel)["order_email"] == "sam.lee@example.org"


async def test_a_wrong_email_given_with_the_number_is_refused_once(
    shop: InProcessActions, domain: Domain
) -> None:
    form = FormAction("order_status_form", shop)
    both = entity("order_number", "PO-48213"), entity("email", "sam.lee@example.org")
    before = conversation(
        domain,
        user("order_status", *both),
        slot("order_number", "PO-48213"),
        slot("order_email", "sam.lee@example.org"),
    )
    said = texts(await form.run(context(domain, before)))
    assert said.count("doesn't match order PO-48213") == 1


@pytest.mark.parametrize("form", ["order_status_form", "cancel_order_form", "return_form"])
async def test_an_address_kept_from_earlier_is_named_when_it_does_not_match_a_new_order(
    shop: InProcessActions, domain: Domain, form: str
) -> None:
    """Shown one order with sam's address, the customer asks about jane's: the refusal says
    which address was tried; an address typed with the number gets the short refusal."""
    earlier = slot("order_email", "sam.lee@example.org")
    number = entity("order_number", "PO-10377")
    kept = conversation(
        domain, earlier, user("order_status", number), slot("order_number", "PO-10377")
    )
    said = texts(await FormAction(form, shop).run(context(domain, kept)))
    assert said.count("doesn't match order PO-10377") == 1
    assert "you gave earlier, sam.lee@example.org, doesn't match" in said
    both = user("order_status", number, entity("email", "jane.x@example.com"))
    typed = conversation(
        domain,
        earlier,
        both,
        slot("order_number", "PO-10377"),
        slot("order_email", "jane.x@example.com"),
    )
    said = texts(await FormAction(form, shop).run(context(domain, typed)))
    assert said.startswith("That email address doesn't match order PO-10377.")
    assert "example.com" not in said and "example.org" not in said


@pytest.mark.parametrize("item_first", [False, True], ids=["all-at-once", "item-before"])
async def test_an_item_not_in_the_order_is_told_once_when_everything_comes_together(
    shop: InProcessActions, domain: Domain, item_first: bool
) -> None:
    form = FormAction("return_form", shop)
    given = (
        slot("order_number", "PO-90215"),
        slot("order_email", "jane.doe@example.com"),
        *(() if item_first else (slot("return_item", "tent"),)),
    )
    found = entity("order_number", "PO-90215"), entity("email", "jane.doe@example.com")
    if item_first:
        asked = asking(domain, "return_form", "order_number", slot("return_item", "tent"))
        tracker = asked.appended(user("inform", *found), *given)
    else:
        tracker = conversation(domain, user("request_return", *found), *given)
    said = texts(await form.run(context(domain, tracker)))
    assert said.count("Order PO-90215 contains backpack and headlamp.") == 1


async def test_a_refused_order_number_is_the_whole_answer_to_a_message_that_gave_more(
    shop: InProcessActions, domain: Domain
) -> None:
    form = FormAction("return_form", shop)
    given = (
        entity("product", "trekking poles"),
        entity("order_number", "PO-48213"),  # shipped, not delivered: no return yet
        entity("email", "jane.doe@example.com"),
    )
    tracker = conversation(
        domain,
        user("request_return", *given),
        slot("order_number", "PO-48213"),
        slot("order_email", "jane.doe@example.com"),
        slot("return_item", "trekking poles"),
    )
    events = await form.run(context(domain, tracker))
    assert texts(events) == (
        "Order PO-48213 (hiking boots and trekking poles) hasn't been delivered yet, so it "
        "can't be returned. "
        "Which delivered order would you like to return something from?"
    )
    assert ("slot", "order_email", "jane.doe@example.com") in described(events)
    assert ("slot", "return_item", "trekking poles") in described(events)


@pytest.mark.parametrize(
    ("form", "intent", "number", "email", "told"),
    [
        (
            "cancel_order_form",
            "cancel_order",
            "PO-48213",
            "jane.doe@example.com",
            "Order PO-48213 (hiking boots and trekking poles) already shipped on ",
        ),
        (
            "cancel_order_form",
            "cancel_order",
            "PO-66120",
            "alex_r@example.net",
            "Order PO-66120 (backpack) is already cancelled.",
        ),
        (
            "return_form",
            "request_return",
            "PO-60218",
            "sam.lee@example.org",
            "Order PO-60218 (tent) was delivered on ",
        ),
    ],
    ids=["shipped", "cancelled", "window-closed"],
)
async def test_a_refusal_to_the_orders_owner_says_what_the_order_holds(
    shop: InProcessActions,
    domain: Domain,
    form: str,
    intent: str,
    number: str,
    email: str,
    told: str,
) -> None:
    """Told why an order can't be cancelled or returned, the customer also learns which order
    that is ("which items are in it?" was the next question in conversations); someone who
    only has the number learns neither."""
    for given, owner in ((email, True), ("someone.else@example.com", False)):
        tracker = conversation(
            domain,
            user(intent, entity("order_number", number), entity("email", given)),
            slot("order_number", number),
            slot("order_email", given),
        )
        said = texts(await FormAction(form, shop).run(context(domain, tracker)))
        assert said.startswith(told) is owner, said
        assert ("(" in said) is owner, said


async def test_an_unknown_order_number_gets_a_helpful_answer(
    shop: InProcessActions, domain: Domain
) -> None:
    said = texts(await run(shop, domain, "action_order_status", slot("order_number", "PO-31337")))
    assert "couldn't find an order PO-31337" in said and "PO-12345" in said


@pytest.mark.parametrize(("taken", "told"), [("PO-3133", True), ("31337", True), ("boots", False)])
async def test_a_word_taken_for_an_order_number_gets_the_question_not_a_refusal(
    shop: InProcessActions, domain: Domain, taken: str, told: bool
) -> None:
    form = FormAction("order_status_form", shop)
    before = conversation(
        domain, user("order_status", entity("order_number", taken)), slot("order_number", taken)
    )
    said = texts(await form.run(context(domain, before)))
    assert (f"couldn't find an order {taken}" in said) == told
    assert told or said == "What's your order number? It looks like PO-12345."


async def test_cancelling_a_shipped_order_is_refused_and_the_number_asked_again(
    shop: InProcessActions, domain: Domain
) -> None:
    form = FormAction("cancel_order_form", shop)
    asked = asking(domain, "cancel_order_form", "order_number")
    answer = asked.appended(
        slot("order_email", "jane.doe@example.com"),
        user("order_status", entity("order_number", "PO-48213")),
        slot("order_number", "PO-48213"),
    )
    events = await form.run(context(domain, answer))
    assert "can't be cancelled" in texts(events)
    assert "Which order should I cancel instead?" in texts(events)
    assert ("slot", "order_number", None) in described(events)
    # the refusal already asks again: no second question straight after it
    assert described(events)[-1] == ("slot", "requested_slot", "order_number")
    assert "What's your order number?" not in texts(events)


async def test_a_confirmed_cancellation_cancels_the_order(
    shop: InProcessActions, domain: Domain
) -> None:
    filled = (slot("order_number", "PO-55501"), slot("confirm_cancel", True))
    assert "order PO-55501 is cancelled" in texts(
        await run(shop, domain, "action_cancel_order", *filled)
    )
    owner = slot("order_email", "sam.lee@example.org")
    said = texts(
        await run(shop, domain, "action_order_status", slot("order_number", "PO-55501"), owner)
    )
    assert "was cancelled" in said


async def test_a_return_outside_the_window_is_refused(
    shop: InProcessActions, domain: Domain
) -> None:
    form = FormAction("return_form", shop)
    before = conversation(
        domain,
        slot("order_email", "sam.lee@example.org"),
        user("request_return", entity("order_number", "PO-60218")),
        slot("order_number", "PO-60218"),
    )
    events = await form.run(context(domain, before))
    assert "more than 30 days ago" in texts(events)
    assert ("slot", "order_number", None) in described(events)


async def test_a_return_is_registered_for_a_delivered_item(
    shop: InProcessActions, domain: Domain
) -> None:
    filled = (
        slot("order_number", "PO-73310"),
        slot("return_item", "hiking boots"),
        slot("return_reason", "too small"),
    )
    said = texts(await run(shop, domain, "action_submit_return", *filled))
    assert "Your return R-" in said and "hiking boots" in said and "5-7 business days" in said


async def test_an_invalid_email_is_asked_for_again(shop: InProcessActions, domain: Domain) -> None:
    form = FormAction("support_ticket_form", shop)
    asked = asking(domain, "support_ticket_form", "email")
    answer = asked.appended(user("inform", text="jane at home"), slot("email", "jane at home"))
    events = await form.run(context(domain, answer))
    assert "doesn't look like an email address" in texts(events)
    assert described(events)[-1] == ("slot", "requested_slot", "email")
    assert "Which email address" not in texts(events)


async def test_an_invalid_email_is_quoted_as_the_customer_typed_it(
    shop: InProcessActions, domain: Domain
) -> None:
    form = FormAction("support_ticket_form", shop)
    asked = asking(domain, "support_ticket_form", "email")
    typed = "jane.doe at example dot com"  # NLU took "example" for the address
    answer = asked.appended(
        user("inform", entity("email", "example"), text=typed), slot("email", "example")
    )
    said = texts(await form.run(context(domain, answer)))
    assert f'"{typed}" doesn\'t look like an email address' in said
    assert '"example"' not in said


async def test_opening_a_ticket_hands_the_conversation_to_a_person(
    shop: InProcessActions, domain: Domain
) -> None:
    filled = (slot("email", "jane.doe@example.com"), slot("ticket_description", "boots broke"))
    events = await run(shop, domain, "action_open_ticket", *filled)
    assert "ticket T-" in texts(events) and "jane.doe@example.com" in texts(events)
    assert isinstance(events[-1], ConversationPaused)
