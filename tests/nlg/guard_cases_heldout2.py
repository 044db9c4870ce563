"""A second held-out batch, written after the first one was fixed: how the guard does unseen.

Like :mod:`tests.nlg.guard_cases_heldout`, measured once before any rule was
changed for it; the bench reports both batches together as ``held_out``.
"""

from __future__ import annotations

from tests.nlg.guard_cases import Case, grounded, rephrase

LATE = (
    "Sorry for the delay! Order PO-77120 left our warehouse on 2024-03-11 and should arrive "
    "by March 15."
)
EXCHANGE = (
    "Exchanges are free within 30 days. We'll send the new size as soon as the old one is "
    "scanned by the carrier."
)
PRICE_MATCH = "We match a lower price from another US store for up to 14 days after your purchase."
MEMBERS = "Members get free express shipping on every order and 2x points on weekends."
PICKUP = (
    "Click & collect orders are ready for pickup in 2 hours at our Denver store, which is "
    "open until 9pm."
)
PAUSE = (
    "You can pause your subscription for up to 3 months; you won't be charged while it's paused."
)
DAMAGED = (
    "If your item arrived damaged, send us a photo within 7 days and we'll ship a replacement "
    "at no cost."
)
SLOTS = ("PO-77120",)
KB = (
    "Gift cards never expire and can be used online or in any of our stores.",
    "Gift cards cannot be exchanged for cash.",
    "Orders placed after 2pm ship the next business day.",
    "We only ship to street addresses; we do not deliver to PO boxes.",
    "Price adjustments are available within 14 days of purchase if an item goes on sale.",
)


def bad(category: str, id: str, template: str, candidate: str) -> Case:
    return rephrase(category, id, template, candidate, *SLOTS)


def good(id: str, template: str, candidate: str) -> Case:
    return rephrase("faithful", id, template, candidate, *SLOTS, ok=True)


HELD_OUT_2_REJECTED = [
    bad("polarity", "pause-charged", PAUSE, PAUSE.replace("won't be charged", "will be charged")),
    bad("direction", "late-after", LATE, LATE.replace("by March 15", "after March 15")),
    bad("direction", "pickup-from", PICKUP, PICKUP.replace("until 9pm", "from 9pm")),
    bad("direction", "price-match-at-least", PRICE_MATCH, PRICE_MATCH.replace("up to", "at least")),
    bad("quantifier", "members-some", MEMBERS, MEMBERS.replace("every order", "some orders")),
    bad("unit", "pause-weeks", PAUSE, PAUSE.replace("3 months", "3 weeks")),
    bad("unit", "pickup-days", PICKUP, PICKUP.replace("2 hours", "2 days")),
    bad("unit", "points-3x", MEMBERS, MEMBERS.replace("2x points", "2x discounts")),
    bad(
        "order",
        "late-dates",
        LATE,
        (
            "Sorry for the delay! Order PO-77120 left our warehouse on March 15 and should "
            "arrive by 2024-03-11."
        ),
    ),
    bad("antonym", "exchange-fee", EXCHANGE, EXCHANGE.replace("are free", "cost a fee")),
    bad("antonym", "weekdays", MEMBERS, MEMBERS.replace("weekends", "weekdays")),
    bad("antonym", "damaged-refund", DAMAGED, DAMAGED.replace("ship a replacement", "refund you")),
    bad("slot", "order-id", LATE, LATE.replace("PO-77120", "PO-77210")),
    bad("support", "invented-coupon", LATE, LATE + " Here's a 20% coupon for the trouble."),
    bad(
        "polarity",
        "damaged-no-photo",
        DAMAGED,
        DAMAGED.replace("send us a photo", "you don't need to send a photo"),
    ),
    grounded(
        "polarity",
        "kb-gift-cash",
        KB,
        "can I swap a gift card for cash?",
        "Yes, gift cards can be exchanged for cash.",
    ),
    grounded(
        "polarity", "kb-gift-expire", KB, "do gift cards expire?", "Gift cards expire in 14 days."
    ),
    grounded(
        "direction",
        "kb-before-2pm",
        KB,
        "when do orders ship?",
        "Orders placed before 2pm ship the next business day.",
    ),
    grounded(
        "polarity", "kb-po-box", KB, "can you deliver to a PO box?", "Yes, we deliver to PO boxes."
    ),
]

HELD_OUT_2_ACCEPTED = [
    good(
        "late-reworded",
        LATE,
        (
            "Sorry about the wait! Order PO-77120 left our warehouse on 2024-03-11, so it "
            "should arrive by March 15."
        ),
    ),
    good(
        "exchange-reworded",
        EXCHANGE,
        (
            "Exchanges within 30 days are free. As soon as the carrier scans the old one, "
            "we'll send the new size."
        ),
    ),
    good(
        "price-match-reworded",
        PRICE_MATCH,
        "For up to 14 days after your purchase, we'll match a lower price from another US store.",
    ),
    good(
        "members-reworded",
        MEMBERS,
        "As a member, you get free express shipping on every order, plus 2x points on weekends.",
    ),
    good(
        "pickup-reworded",
        PICKUP,
        (
            "Your click & collect order will be ready for pickup in 2 hours at our Denver "
            "store (open until 9pm)."
        ),
    ),
    good(
        "pause-reworded",
        PAUSE,
        (
            "You can pause your subscription for up to 3 months, and you won't be charged "
            "while it's paused."
        ),
    ),
    good(
        "damaged-reworded",
        DAMAGED,
        (
            "Sorry it arrived damaged! Send us a photo within 7 days and we'll ship you a "
            "replacement free of charge."
        ),
    ),
    good("pause-lead-in", PAUSE, "Absolutely, happy to help. " + PAUSE),
    good("members-lead-in", MEMBERS, "Great question! " + MEMBERS),
    grounded(
        "faithful answer",
        "kb-gift-never-expire",
        KB,
        "do gift cards expire?",
        "No, gift cards never expire.",
        ok=True,
    ),
    grounded(
        "faithful answer",
        "kb-gift-where",
        KB,
        "where can I use a gift card?",
        "You can use gift cards online or in any of our stores.",
        ok=True,
    ),
    grounded(
        "faithful answer",
        "kb-after-2pm",
        KB,
        "I ordered at 3pm, when will it ship?",
        "Orders placed after 2pm ship the next business day.",
        ok=True,
    ),
    grounded(
        "faithful answer",
        "kb-po-box-no",
        KB,
        "can you deliver to a PO box?",
        "Sorry, we don't deliver to PO boxes; we only ship to street addresses.",
        ok=True,
    ),
    grounded(
        "faithful answer",
        "kb-price-adjust",
        KB,
        "the item went on sale, can I get the difference?",
        "Yes, price adjustments are available within 14 days of purchase if an item goes on sale.",
        ok=True,
    ),
]
