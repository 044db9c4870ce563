"""A third held-out batch, written after the second was fixed; first measured before any change.

Short templates from other shops (tours, accounts, plans) and subtler changes.
"""

from __future__ import annotations

from tests.nlg.guard_cases import grounded, rephrase

HELD_OUT_3_REJECTED = [
    rephrase(
        "polarity",
        "reorder-not",
        "Orders can't be changed after they ship.",
        "Orders can be changed after they ship.",
    ),
    rephrase(
        "polarity",
        "never-to-always",
        "We never share your email address.",
        "We always share your email address.",
    ),
    rephrase(
        "direction",
        "less-to-more",
        "Refunds under $20 are issued instantly.",
        "Refunds over $20 are issued instantly.",
    ),
    rephrase(
        "direction",
        "min-age",
        "You must be at least 18 to open an account.",
        "You must be under 18 to open an account.",
    ),
    rephrase(
        "direction",
        "before-to-after-delivery",
        "You can change the address before the order ships.",
        "You can change the address after the order ships.",
    ),
    rephrase(
        "quantifier", "all-sizes-only", "All sizes are in stock.", "Only some sizes are in stock."
    ),
    rephrase(
        "quantifier",
        "each-customer",
        "Each customer can use the code once.",
        "Some customers can use the code once.",
    ),
    rephrase(
        "unit", "per-person-per-group", "Tours cost $15 per person.", "Tours cost $15 per group."
    ),
    rephrase("unit", "cm-inch", "The bag is 40 cm wide.", "The bag is 40 inches wide."),
    rephrase(
        "unit", "minutes-hours", "Our average wait is 5 minutes.", "Our average wait is 5 hours."
    ),
    rephrase(
        "order",
        "two-fees",
        "Returns cost $5 by mail and $0 in store.",
        "Returns cost $0 by mail and $5 in store.",
    ),
    rephrase(
        "order",
        "weights",
        "The 2-person tent is 1.9 kg and the 4-person tent is 3.4 kg.",
        "The 2-person tent is 3.4 kg and the 4-person tent is 1.9 kg.",
    ),
    rephrase(
        "antonym", "approved-declined", "Your return was approved.", "Your return was declined."
    ),
    rephrase("antonym", "included-excluded", "Batteries are included.", "Batteries are excluded."),
    rephrase(
        "antonym",
        "optional-required",
        "Signature on delivery is optional.",
        "Signature on delivery is required.",
    ),
    rephrase(
        "antonym",
        "automatic-manual",
        "Your plan renews automatically.",
        "Your plan renews manually.",
    ),
    rephrase(
        "slot",
        "name-prefix",
        "Thanks, Jo! Your order is packed.",
        "Thanks, Joe! Your order is packed.",
        "Jo",
    ),
    rephrase(
        "slot",
        "city",
        "Your parcel is in Portland.",
        "Your parcel is in Portland, Maine.",
        "Portland",
    ),
    rephrase(
        "support",
        "invented-discount",
        "Your order PO-11111 is packed.",
        "Your order PO-11111 is packed. We added a free gift to it.",
        "PO-11111",
    ),
    grounded(
        "polarity",
        "kb-no-sat",
        ("Our warehouse does not ship on Saturdays.",),
        "do you ship saturday?",
        "We ship on Saturdays.",
    ),
    grounded(
        "antonym",
        "kb-open-closed",
        ("The Boulder store is closed on Mondays.",),
        "is boulder open monday?",
        "The Boulder store is open on Mondays.",
    ),
]
HELD_OUT_3_ACCEPTED = [
    rephrase(
        "faithful",
        "h3-a",
        "Orders can't be changed after they ship.",
        "Once an order ships, it can't be changed.",
        ok=True,
    ),
    rephrase(
        "faithful",
        "h3-b",
        "Refunds under $20 are issued instantly.",
        "We issue refunds under $20 instantly.",
        ok=True,
    ),
    rephrase(
        "faithful",
        "h3-c",
        "You must be at least 18 to open an account.",
        "To open an account, you need to be at least 18.",
        ok=True,
    ),
    rephrase(
        "faithful", "h3-d", "Tours cost $15 per person.", "Our tours are $15 per person.", ok=True
    ),
    rephrase(
        "faithful",
        "h3-e",
        "Your return was approved.",
        "Good news, your return has been approved!",
        ok=True,
    ),
    rephrase("faithful", "h3-f", "Batteries are included.", "The batteries are included.", ok=True),
    rephrase(
        "faithful",
        "h3-g",
        "Thanks, Jo! Your order is packed.",
        "Thank you, Jo! We've packed your order.",
        "Jo",
        ok=True,
    ),
    rephrase(
        "faithful",
        "h3-h",
        "Your plan renews automatically on the 1st of each month.",
        "On the 1st of each month, your plan renews automatically.",
        ok=True,
    ),
    rephrase(
        "faithful",
        "h3-i",
        "We never share your email address.",
        "Your email address is never shared with anyone.",
        ok=True,
    ),
    rephrase(
        "faithful",
        "h3-j",
        "The bag is 40 cm wide and weighs 1.2 kg.",
        "At 40 cm wide, the bag weighs only 1.2 kg.",
        ok=True,
    ),
    grounded(
        "faithful answer",
        "h3-k",
        ("Our warehouse does not ship on Saturdays.",),
        "do you ship saturday?",
        "No, our warehouse doesn't ship on Saturdays.",
        ok=True,
    ),
    grounded(
        "faithful answer",
        "h3-l",
        ("The Boulder store is closed on Mondays.",),
        "is boulder open monday?",
        "Sorry, the Boulder store is closed on Mondays.",
        ok=True,
    ),
]
