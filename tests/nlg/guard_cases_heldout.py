"""Rewordings written after the guard's rules were tuned, on the reference bot's own templates.

The guard was never adjusted to these before their first measurement (see the
report of the change that added them); they estimate how it does on wordings
it has not seen. The bench reports them apart from the tuning cases.
"""

from __future__ import annotations

from tests.nlg.guard_cases import Case, grounded, rephrase

PACKING = (
    "Order PO-48213 (trail running shoes) was placed on 2024-05-01 and is being packed; it "
    "hasn't shipped yet, so you can still cancel it."
)
SHIPPED = (
    "Order PO-48213 (trail running shoes) shipped on 2024-05-02 with UPS, tracking number "
    "1Z999AA10123456784. Standard shipping takes 3-5 business days."
)
DELIVERED = (
    "Order PO-48213 (trail running shoes) was delivered on 2024-05-06. You can return it until "
    "2024-06-05."
)
HANDOFF = (
    "I've opened ticket PT-2041. A member of our support team will take over this chat and also "
    "reply to ana@example.com. They're available Monday to Friday 8am-8pm and Saturday 9am-5pm "
    "(Eastern Time)."
)
SHIPPING_INFO = (
    "We ship within the US and Canada. Standard shipping takes 3-5 business days and costs $4.95 "
    "(free on orders over $50). Express shipping takes 1-2 business days and costs $12.95."
)
RETURN_POLICY = (
    "You can return items within 30 days of delivery, as long as they're unworn and still have "
    "their tags. Return labels are free, and your refund is issued 5-7 business days after the "
    "return reaches us."
)
OPENING = (
    "Our online shop is open 24/7. The support team is available Monday to Friday 8am-8pm and "
    "Saturday 9am-5pm (Eastern Time), and is closed on Sundays and public holidays."
)
SLOTS = ("PO-48213", "trail running shoes", "UPS", "1Z999AA10123456784", "PT-2041")
KB = (
    "We accept Visa, Mastercard, American Express, PayPal and Parley Outfitters gift cards.",
    "Your card is charged in US dollars when your order ships, not when you place it.",
    "We do not offer cash on delivery.",
    "Return labels are free. Ask the support team for a return label with your order number.",
    "The warranty does not cover normal wear and tear, misuse or accidents.",
)


def bad(category: str, id: str, template: str, candidate: str) -> Case:
    return rephrase(category, id, template, candidate, *SLOTS)


def good(id: str, template: str, candidate: str) -> Case:
    return rephrase("faithful", id, template, candidate, *SLOTS, ok=True)


HELD_OUT_REJECTED = [
    bad(
        "polarity", "packing-shipped", PACKING, PACKING.replace("hasn't shipped yet", "has shipped")
    ),
    bad("polarity", "packing-cannot", PACKING, PACKING.replace("can still", "can no longer")),
    bad("polarity", "opening-not-closed", OPENING, OPENING.replace("is closed", "is not closed")),
    bad("direction", "returns-after", RETURN_POLICY, RETURN_POLICY.replace("within", "after")),
    bad("direction", "free-under", SHIPPING_INFO, SHIPPING_INFO.replace("over $50", "under $50")),
    bad("direction", "return-from", DELIVERED, DELIVERED.replace("until", "starting")),
    bad(
        "quantifier",
        "some-items",
        RETURN_POLICY,
        RETURN_POLICY.replace("return items", "return some items"),
    ),
    bad(
        "quantifier",
        "only-canada",
        SHIPPING_INFO,
        SHIPPING_INFO.replace("the US and Canada", "only Canada"),
    ),
    bad("unit", "weeks", SHIPPED, SHIPPED.replace("business days", "weeks")),
    bad(
        "unit",
        "refund-hours",
        RETURN_POLICY,
        RETURN_POLICY.replace("5-7 business days", "5-7 hours"),
    ),
    bad("unit", "30-weeks", RETURN_POLICY, RETURN_POLICY.replace("30 days", "30 weeks")),
    bad(
        "order",
        "prices-swapped",
        SHIPPING_INFO,
        SHIPPING_INFO.replace("$4.95", "$X").replace("$12.95", "$4.95").replace("$X", "$12.95"),
    ),
    bad(
        "order",
        "times-swapped",
        HANDOFF,
        HANDOFF.replace("8am-8pm", "X").replace("9am-5pm", "8am-8pm").replace("X", "9am-5pm"),
    ),
    bad(
        "order",
        "dates-swapped",
        DELIVERED,
        DELIVERED.replace("2024-05-06", "X")
        .replace("2024-06-05", "2024-05-06")
        .replace("X", "2024-06-05"),
    ),
    bad("antonym", "open-closed", OPENING, OPENING.replace("shop is open", "shop is closed")),
    bad(
        "antonym",
        "labels-fee",
        RETURN_POLICY,
        RETURN_POLICY.replace("Return labels are free", "Return labels have a fee"),
    ),
    bad(
        "antonym",
        "express-standard",
        SHIPPING_INFO,
        SHIPPING_INFO.replace("Express shipping takes", "Standard shipping takes"),
    ),
    bad("slot", "ticket-id", HANDOFF, HANDOFF.replace("PT-2041", "PT-2014")),
    bad("slot", "email", HANDOFF, HANDOFF.replace("ana@example.com", "ana@example.org")),
    bad("slot", "items", PACKING, PACKING.replace("trail running shoes", "running shoes")),
    bad("support", "invented", SHIPPED, SHIPPED + " Your driver will call you before delivery."),
    bad("support", "customer-label", PACKING, "Customer: can I cancel? Assistant: " + PACKING),
    grounded(
        "polarity",
        "kb-cod",
        KB,
        "can I pay cash on delivery?",
        "Yes, cash on delivery is available.",
    ),
    grounded(
        "polarity",
        "kb-charged-on-order",
        KB,
        "when am I charged?",
        "Your card is charged when you place your order.",
    ),
    grounded(
        "antonym", "kb-labels-fee", KB, "are return labels free?", "Return labels cost a fee."
    ),
    grounded(
        "polarity", "kb-covers-misuse", KB, "is misuse covered?", "Yes, the warranty covers misuse."
    ),
]

HELD_OUT_ACCEPTED = [
    good("packing-lead-in", PACKING, "Thanks for checking! " + PACKING),
    good(
        "packing-reworded",
        PACKING,
        "Order PO-48213 (trail running shoes) was placed on 2024-05-01. It's being packed and "
        "hasn't shipped yet, so you can still cancel it.",
    ),
    good(
        "shipped-reworded",
        SHIPPED,
        "Good news: order PO-48213 (trail running shoes) shipped on 2024-05-02 with UPS. The "
        "tracking number is 1Z999AA10123456784, and standard shipping takes 3-5 business days.",
    ),
    good(
        "delivered-reworded",
        DELIVERED,
        "Your order PO-48213 (trail running shoes) arrived on 2024-05-06, and you can return it "
        "until 2024-06-05.",
    ),
    good("handoff-lead-in", HANDOFF, "Sorry about the trouble! " + HANDOFF),
    good(
        "shipping-reworded",
        SHIPPING_INFO,
        "We ship within the US and Canada. Standard shipping costs $4.95 and takes 3-5 business "
        "days (it's free on orders over $50). Express shipping costs $12.95 and takes 1-2 "
        "business days.",
    ),
    good("shipping-lead-in", SHIPPING_INFO, "Great question! " + SHIPPING_INFO),
    good(
        "returns-reworded",
        RETURN_POLICY,
        "Items can be returned within 30 days of delivery if they're unworn and still have their "
        "tags. Return labels are free, and we issue your refund 5-7 business days after the "
        "return reaches us.",
    ),
    good(
        "opening-reworded",
        OPENING,
        "Our online shop never closes: it's open 24/7. The support team is available Monday to "
        "Friday 8am-8pm and Saturday 9am-5pm (Eastern Time), and is closed on Sundays and public "
        "holidays.",
    ),
    good("opening-lead-in", OPENING, "Happy to help with that. " + OPENING),
    grounded(
        "faithful answer", "kb-visa", KB, "do you take Visa?", "Yes, we accept Visa.", ok=True
    ),
    grounded(
        "faithful answer",
        "kb-no-cod",
        KB,
        "cash on delivery?",
        "I'm afraid we don't offer cash on delivery.",
        ok=True,
    ),
    grounded(
        "faithful answer",
        "kb-charged",
        KB,
        "when do you charge me?",
        "We charge your card when your order ships.",
        ok=True,
    ),
    grounded(
        "faithful answer",
        "kb-label",
        KB,
        "how do I get a return label?",
        "Ask the support team for a free return label with your order number.",
        ok=True,
    ),
    grounded(
        "faithful answer",
        "kb-wear",
        KB,
        "does the warranty cover wear and tear?",
        "No, normal wear and tear isn't covered by the warranty.",
        ok=True,
    ),
]
