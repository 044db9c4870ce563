"""Faithful, fluent rewordings the fact guard must accept (refusing everything is no guard).

Templates are the reference bot's kind (shipping, returns, orders, warranty,
payment, opening hours, subscriptions); the grounded ones answer from the
reference bot's knowledge folder.
"""

from __future__ import annotations

from tests.nlg.guard_cases import (
    CANCEL,
    FREE_OVER,
    HOURS,
    PAYMENT,
    REFUND,
    RETURNS,
    RETURNS_KB,
    SHIPPING,
    SHIPPING_KB,
    SUB,
    WARRANTY,
    WARRANTY_KB,
    Case,
    grounded,
    rephrase,
)


def ok(id: str, template: str, candidate: str, *slots: str) -> Case:
    return rephrase("faithful", id, template, candidate, *slots, ok=True)


def answer(id: str, sources: tuple[str, ...], question: str, text: str) -> Case:
    return grounded("faithful answer", id, sources, question, text, ok=True)


_LEAD_INS = (
    "Sure, happy to help! ",
    "Thanks for asking! ",
    "Of course. ",
    "Good question! ",
    "No problem! ",
    "Thanks for your patience. ",
    "Sorry to hear about the wait! ",
)
_LEAD_IN_TEMPLATES = (SHIPPING, FREE_OVER, RETURNS, REFUND, CANCEL, HOURS, SUB)
_SHIPPED = (
    "Order PO-48213 (trail running shoes) shipped on 2024-05-02 with UPS, tracking number "
    "1Z999AA10123456784. Standard shipping takes 3-5 business days."
)
_SHIPPED_SLOTS = ("PO-48213", "trail running shoes", "UPS", "1Z999AA10123456784", "Ana")
# Lead-ins that echo what the customer asked, as a small model writes them.
_ECHOES = (
    "I understand you want to know where your order is.",
    "Here is the latest on your order:",
    "I checked your order.",
    "I'm sorry your shoes are late.",
    "Thanks for reaching out about your order!",
    "I see you are asking about your shoes.",
    "Hi Ana, thanks for waiting.",
)

LEAD_INS = [
    ok(f"lead-in-{i}", template, lead + template)
    for i, (lead, template) in enumerate(zip(_LEAD_INS, _LEAD_IN_TEMPLATES, strict=True))
]

ECHOES = [
    ok(f"echo-{i}", _SHIPPED, f"{lead} {_SHIPPED}", *_SHIPPED_SLOTS)
    for i, lead in enumerate(_ECHOES)
]

REWORDED = [
    ok(
        "shipping-reordered",
        SHIPPING,
        "Standard shipping costs $4.95 and arrives in 3-5 business days.",
    ),
    ok("free-over-more-than", FREE_OVER, "Orders of more than $50 get free standard shipping."),
    ok("free-over-at-no-cost", FREE_OVER, "On orders over $50, standard shipping is at no cost."),
    ok("returns-you-have", RETURNS, "You have 30 days from delivery to return items."),
    ok("returns-send-back", RETURNS, "Items can be sent back within 30 days of delivery."),
    ok(
        "refund-once",
        REFUND,
        "Once the return reaches us, your refund is issued 5-7 business days after.",
    ),
    ok("cancel-still-possible", CANCEL, "Good news: order PO-48213 can still be cancelled."),
    ok("hours-reach", HOURS, "You can reach the support team Monday to Friday 8am-8pm."),
    ok(
        "warranty-every-item",
        WARRANTY,
        "Every item of gear comes with a 2-year warranty against defects.",
    ),
    ok(
        "warranty-covered",
        WARRANTY,
        "All our gear is covered by a 2-year warranty against defects.",
    ),
    ok("subscription-renewal", SUB, "On June 3 your subscription renews at $5.99 a month."),
    ok("subscription-per-month", SUB, "Your subscription renews on June 3 for $5.99 per month."),
    ok(
        "express",
        "Express shipping takes 1-2 business days and costs $12.95.",
        "For $12.95, express shipping gets it to you in 1-2 business days.",
    ),
    ok(
        "two-countries",
        "We ship to 2 countries: the US and Canada.",
        "We currently ship to 2 countries, the US and Canada.",
    ),
    ok(
        "tracking",
        "Order {PO-48213} shipped with UPS, tracking number 1Z999AA10123456784.".replace(
            "{PO-48213}", "PO-48213"
        ),
        "Your order PO-48213 is on its way with UPS; the tracking number is 1Z999AA10123456784.",
        "PO-48213",
        "UPS",
        "1Z999AA10123456784",
    ),
    ok(
        "delivered",
        "Order PO-48213 was delivered on 2024-05-02.",
        "Your order PO-48213 arrived on 2024-05-02.",
        "PO-48213",
    ),
    ok(
        "label-sent",
        "I've sent the return label for order PO-48213 to ana@example.com.",
        "The return label for order PO-48213 is now in your inbox at ana@example.com.",
        "PO-48213",
        "ana@example.com",
    ),
    ok(
        "thanks-name",
        "Thanks, Ana! Order PO-48213 is being packed.",
        "Thank you, Ana! We're packing order PO-48213 right now.",
        "Ana",
        "PO-48213",
    ),
    ok(
        "arrive-by",
        "Your order PO-48213 will arrive by May 14.",
        "Order PO-48213 should reach you by May 14.",
        "PO-48213",
    ),
    ok(
        "charged",
        "We charged $89.90 to your card for order PO-48213.",
        "Your card was charged $89.90 for order PO-48213.",
        "PO-48213",
    ),
    ok(
        "refund-on-way",
        "The refund of $42.50 for order PO-48213 is on its way.",
        "Your $42.50 refund for order PO-48213 is on its way to you.",
        "PO-48213",
    ),
    ok(
        "ticket",
        "Ticket PT-2041 is open; we will reply to ana@example.com within 24 hours.",
        "We've opened ticket PT-2041 and will reply to ana@example.com within 24 hours.",
        "ana@example.com",
    ),
    ok(
        "gift-cards",
        "Gift cards come in $25, $50 and $100 amounts.",
        "You can get gift cards for $25, $50 or $100.",
    ),
    ok(
        "before-2pm",
        "Orders placed before 2pm ship the same day.",
        "If you order before 2pm, it ships the same day.",
    ),
    ok(
        "code",
        "Use code TRAIL10 for 10% off your next order.",
        "Enter code TRAIL10 to get 10% off your next order.",
    ),
    ok(
        "loyalty",
        "Your loyalty balance is 320 points, worth $3.20.",
        "You have 320 points in your loyalty balance, worth $3.20.",
    ),
    ok(
        "phone",
        "Call us on 1-800-555-0199 during support hours.",
        "You can call 1-800-555-0199 during our support hours.",
    ),
    ok(
        "tent",
        "The tent weighs 2.1 kg and sleeps 3 people.",
        "Sleeping 3 people, the tent weighs just 2.1 kg.",
    ),
    ok(
        "canada",
        "Shipping to Canada costs $9.95 and takes 5-8 business days.",
        "To Canada, shipping takes 5-8 business days and costs $9.95.",
    ),
    ok(
        "days-left",
        "You have 14 days left to return order PO-48213.",
        "There are 14 days left to send back order PO-48213.",
        "PO-48213",
    ),
    ok(
        "markdown",
        "The jacket was marked down from $220 to $165.",
        "The jacket's price dropped from $220 to $165.",
    ),
    ok(
        "no-tags",
        "Returns without tags get a refund of 50% of the price.",
        "Items returned with no tags get a refund of 50% of the price.",
    ),
    ok(
        "declined",
        "Your payment of $64.00 was declined; please try again.",
        "Sorry, your payment of $64.00 was declined. Please try again.",
    ),
    ok(
        "holiday",
        "Holiday orders must be placed by December 18.",
        "Please place holiday orders by December 18.",
    ),
    ok(
        "not-abroad",
        "We do not ship to other countries yet.",
        "We don't ship to other countries yet.",
    ),
    ok(
        "cannot-cancel",
        "Order PO-48213 cannot be cancelled because it has shipped.",
        "Order PO-48213 has shipped, so it can't be cancelled.",
        "PO-48213",
    ),
    ok(
        "split",
        "Order PO-48213 was split into 2 parcels.",
        "Order PO-48213 is coming in 2 packages.",
        "PO-48213",
    ),
    ok(
        "store-hours",
        "The store in Boulder is open 10am-6pm every day.",
        "Our Boulder store is open every day from 10am-6pm.",
    ),
    ok(
        "welcome",
        "You're welcome! Happy to help with anything else.",
        "You're very welcome! I'm happy to help with anything else.",
    ),
    ok(
        "over-200",
        "Orders over $200 get free express shipping.",
        "Express shipping is free on orders over $200.",
    ),
    ok(
        "backpack",
        "The backpack has a 45-liter capacity and costs $129.",
        "The backpack costs $129 and holds 45 liters.",
    ),
]

_HANDOFF = (
    "I've opened ticket PT-2041. A member of our support team will take over this chat and also "
    "reply to ana@example.com. They're available Monday to Friday 8am-8pm and Saturday 9am-5pm "
    "(Eastern Time)."
)
_SHIPPING_INFO = (
    "We ship within the US and Canada. Standard shipping takes 3-5 business days and costs $4.95 "
    "(free on orders over $50). Express shipping takes 1-2 business days and costs $12.95."
)
_RETURN_POLICY = (
    "You can return items within 30 days of delivery, as long as they're unworn and still have "
    "their tags. Return labels are free, and your refund is issued 5-7 business days after the "
    "return reaches us."
)
# Longer rewordings of the reference bot's rephrase-flagged responses.
REFERENCE_BOT = [
    ok(
        "unworn-not-worn",
        "Items must be unworn, with their tags still attached.",
        "Items must not be worn, and their tags must still be attached.",
    ),
    ok(
        "negation-merged",
        "We ship within the US and Canada. We do not ship to other countries yet.",
        "We ship within the US and Canada, not to other countries yet.",
    ),
    ok(
        "handoff-agents",
        _HANDOFF,
        "Ticket PT-2041 is open. One of our support agents will join this chat and will also "
        "reply to ana@example.com. You can reach them Monday to Friday 8am-8pm and Saturday "
        "9am-5pm (Eastern Time).",
        "PT-2041",
        "ana@example.com",
    ),
    ok(
        "shipping-nothing-above",
        _SHIPPING_INFO,
        "We ship within the US and Canada! Standard shipping (3-5 business days) costs $4.95, or "
        "nothing on orders above $50. Express shipping (1-2 business days) costs $12.95.",
    ),
    ok(
        "shipping-terse",
        _SHIPPING_INFO,
        "Shipping is available in the US and Canada. Standard: 3-5 business days, $4.95 (free "
        "over $50). Express: 1-2 business days, $12.95.",
    ),
    ok(
        "returns-cost-nothing",
        _RETURN_POLICY,
        "You have 30 days from delivery to return unworn items with their tags still on. Return "
        "labels cost nothing, and refunds go out 5-7 business days after your return reaches us.",
    ),
    ok(
        "returns-accepted",
        _RETURN_POLICY,
        "Returns are accepted within 30 days of delivery for unworn items that still have their "
        "tags. The return label is free. Your refund will be issued 5-7 business days after the "
        "return arrives.",
    ),
]

ANSWERS = [
    answer(
        "payment-list",
        PAYMENT,
        "how can I pay?",
        "You can pay with Visa, Mastercard, American Express, PayPal or a gift card.",
    ),
    answer(
        "no-cod-but-paypal",
        PAYMENT,
        "cash on delivery?",
        "We don't accept cash on delivery, but you can pay with PayPal.",
    ),
    answer(
        "return-conditions",
        RETURNS_KB,
        "can I return shoes?",
        "You have 30 days from delivery to return items, as long as they are unworn with tags "
        "attached.",
    ),
    answer(
        "warranty-2-years", WARRANTY_KB, "how long is the warranty?", "The warranty is 2 years."
    ),
    answer(
        "warranty-what",
        WARRANTY_KB,
        "what does the warranty cover?",
        "All gear has a 2-year warranty against defects in materials and workmanship.",
    ),
    answer(
        "warranty-not-accidents",
        WARRANTY_KB,
        "are accidents covered?",
        "No, the warranty doesn't cover accidents or misuse.",
    ),
    answer(
        "warranty-claim",
        WARRANTY_KB,
        "how do I claim?",
        "Contact the support team with your order number and a photo of the defect.",
    ),
    answer(
        "no-cod",
        PAYMENT,
        "can I pay cash on delivery?",
        "Sorry, we don't offer cash on delivery.",
    ),
    answer("paypal", PAYMENT, "can I pay with PayPal?", "Yes, we accept PayPal."),
    answer(
        "card-charged",
        PAYMENT,
        "when do you charge my card?",
        "Your card is charged when your order ships, not when you place it.",
    ),
    answer("ship-canada", SHIPPING_KB, "do you ship to Canada?", "Yes, we ship to Canada."),
    answer(
        "standard-time",
        SHIPPING_KB,
        "how long does shipping take?",
        "Standard shipping takes 3-5 business days.",
    ),
    answer(
        "free-shipping",
        SHIPPING_KB,
        "when is shipping free?",
        "Standard shipping is free on orders over $50.",
    ),
    answer(
        "express-cost",
        SHIPPING_KB,
        "how much is express?",
        "Express shipping costs $12.95 and takes 1-2 business days.",
    ),
    answer(
        "no-germany",
        SHIPPING_KB,
        "do you ship to Germany?",
        "Sorry, we don't ship to other countries yet.",
    ),
    answer(
        "return-window",
        RETURNS_KB,
        "how long do I have to return something?",
        "You can return items within 30 days of delivery.",
    ),
    answer("labels-free", RETURNS_KB, "do return labels cost anything?", "Return labels are free."),
    answer(
        "refund-time",
        RETURNS_KB,
        "when do I get my refund?",
        "Your refund is issued 5-7 business days after the return reaches us.",
    ),
    answer(
        "refund-where",
        RETURNS_KB,
        "where does the refund go?",
        "The refund goes to the payment method you used.",
    ),
]

ACCEPTED: list[Case] = [*LEAD_INS, *ECHOES, *REWORDED, *REFERENCE_BOT, *ANSWERS]
