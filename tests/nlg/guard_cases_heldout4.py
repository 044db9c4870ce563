"""A fourth held-out batch, written after the third was fixed; all passed on first measurement.

New templates (payment holds, loyalty points, sizes, holds in store) and answers
from the reference bot's knowledge.
"""

from __future__ import annotations

from tests.nlg.guard_cases import grounded, rephrase

KB = (
    (
        "Standard shipping takes 3-5 business days and costs $4.95. Standard shipping is free "
        "on orders over $50."
    ),
    "Express shipping takes 1-2 business days and costs $12.95.",
    "Return labels are free. Ask the support team for a return label with your order number.",
    (
        "Your refund is issued 5-7 business days after the return reaches us, to the payment "
        "method you used."
    ),
    "The warranty does not cover normal wear and tear, misuse or accidents.",
)
T1 = (
    "Your order PO-90210 is on hold because the card payment failed. Please update your card "
    "within 48 hours."
)
T2 = "Loyalty points expire 12 months after they are earned. You currently have 540 points."
T3 = "The rain jacket comes in sizes XS-XL and is waterproof up to 10,000 mm."
T4 = "We can hold an item in store for up to 3 days. Pickup is free."
HELD_OUT_4_REJECTED = [
    rephrase(
        "polarity",
        "t1-succeeded",
        T1,
        T1.replace("failed", "did not go through").replace("on hold", "not on hold"),
    ),
    rephrase("direction", "t1-after", T1, T1.replace("within 48 hours", "after 48 hours")),
    rephrase("unit", "t1-days", T1, T1.replace("48 hours", "48 days")),
    rephrase("antonym", "t2-start", T2, T2.replace("expire", "start counting")),
    rephrase("unit", "t2-weeks", T2, T2.replace("12 months", "12 weeks")),
    rephrase(
        "direction", "t2-before", T2, T2.replace("after they are earned", "before they are earned")
    ),
    rephrase(
        "quantifier",
        "t3-some-sizes",
        T3,
        "Some sizes of the rain jacket, XS-XL, are waterproof up to 10,000 mm.",
    ),
    rephrase("direction", "t3-at-least", T3, T3.replace("up to", "at least")),
    rephrase("direction", "t4-min", T4, T4.replace("up to 3 days", "at least 3 days")),
    rephrase("antonym", "t4-fee", T4, T4.replace("Pickup is free", "Pickup has a fee")),
    rephrase("support", "t4-invented", T4, T4 + " We can also deliver it to your home tonight."),
    rephrase("slot", "t1-id", T1, T1.replace("PO-90210", "PO-9021"), "PO-90210"),
    grounded(
        "polarity",
        "kb-covers-accidents",
        KB,
        "are accidents covered?",
        "Accidents are covered by the warranty.",
    ),
    grounded(
        "unit", "kb-express-weeks", KB, "how fast is express?", "Express shipping takes 1-2 weeks."
    ),
    grounded(
        "antonym",
        "kb-labels-charged",
        KB,
        "do labels cost?",
        "Return labels are charged to your card.",
    ),
    grounded(
        "direction",
        "kb-free-under",
        KB,
        "free shipping?",
        "Standard shipping is free on orders below $50.",
    ),
    grounded(
        "support",
        "kb-invented-refund-cash",
        KB,
        "how is my refund paid?",
        "Your refund is paid in cash at our store.",
    ),
]
HELD_OUT_4_ACCEPTED = [
    rephrase(
        "faithful",
        "t1-a",
        T1,
        (
            "Order PO-90210 is on hold since the card payment failed. Please update your card "
            "within 48 hours."
        ),
        "PO-90210",
        ok=True,
    ),
    rephrase(
        "faithful",
        "t1-b",
        T1,
        (
            "I'm sorry, your order PO-90210 is on hold because the card payment failed. Could "
            "you update your card within 48 hours?"
        ),
        "PO-90210",
        ok=True,
    ),
    rephrase(
        "faithful",
        "t2-a",
        T2,
        "You currently have 540 points. Loyalty points expire 12 months after they're earned.",
        ok=True,
    ),
    rephrase(
        "faithful",
        "t3-a",
        T3,
        "Our rain jacket is waterproof up to 10,000 mm and comes in sizes XS-XL.",
        ok=True,
    ),
    rephrase(
        "faithful",
        "t4-a",
        T4,
        "We can keep an item for you in store for up to 3 days, and pickup is free.",
        ok=True,
    ),
    rephrase(
        "faithful",
        "t4-b",
        T4,
        "Happy to help! We can hold an item in store for up to 3 days. Pickup is free of charge.",
        ok=True,
    ),
    grounded(
        "faithful answer",
        "kb-a",
        KB,
        "how long does standard take?",
        "Standard shipping takes 3-5 business days and costs $4.95.",
        ok=True,
    ),
    grounded(
        "faithful answer",
        "kb-b",
        KB,
        "how do I get a label?",
        "Just ask the support team for a return label and give them your order number.",
        ok=True,
    ),
    grounded(
        "faithful answer",
        "kb-c",
        KB,
        "when will I get my refund?",
        "You'll get your refund 5-7 business days after the return reaches us.",
        ok=True,
    ),
    grounded(
        "faithful answer",
        "kb-d",
        KB,
        "is misuse covered?",
        "No. The warranty doesn't cover misuse.",
        ok=True,
    ),
    grounded(
        "faithful answer",
        "kb-e",
        KB,
        "is shipping free?",
        "Yes, standard shipping is free on orders over $50.",
        ok=True,
    ),
]
