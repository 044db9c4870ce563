"""Hand-written rewordings for the fact guard: meaning-changing ones it must refuse, per category.

Each :class:`Case` is a template (or source passages and a question) and a
rewording. ``ok`` says what the guard must answer; ``category`` is the kind of
change (the bench reports reject rates per category). Faithful paraphrases are
in :mod:`tests.nlg.guard_cases_faithful`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    reference: str
    candidate: str
    ok: bool = False
    slots: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    question: str = ""

    @property
    def grounded(self) -> bool:
        return bool(self.sources)


def rephrase(
    category: str, id: str, template: str, candidate: str, *slots: str, ok: bool = False
) -> Case:
    return Case(id, category, template, candidate, ok, slots)


def grounded(
    category: str, id: str, sources: tuple[str, ...], question: str, answer: str, ok: bool = False
) -> Case:
    return Case(id, category, "", answer, ok, (), sources, question)


SHIPPING = "Standard shipping takes 3-5 business days and costs $4.95."
FREE_OVER = "Standard shipping is free on orders over $50."
RETURNS = "You can return items within 30 days of delivery."
REFUND = "Your refund is issued 5-7 business days after the return reaches us."
CANCEL = "Order PO-48213 can still be cancelled."
HOURS = "The support team is available Monday to Friday 8am-8pm."
WARRANTY = "All gear has a 2-year warranty against defects."
SUB = "Your subscription renews on June 3 for $5.99 a month."
PAYMENT = (
    "We accept Visa, Mastercard, American Express, PayPal and Parley Outfitters gift cards.",
    "Your card is charged in US dollars when your order ships, not when you place it.",
    "We do not offer cash on delivery.",
)
WARRANTY_KB = (
    "All gear from Parley Outfitters has a 2-year warranty against defects in materials and "
    "workmanship.",
    "The warranty does not cover normal wear and tear, misuse or accidents.",
    "To make a warranty claim, contact the support team with your order number and a photo of "
    "the defect. A defective item is repaired or replaced free of charge.",
)
SHIPPING_KB = (
    "We ship within the US and Canada. We do not ship to other countries yet.",
    "Standard shipping takes 3-5 business days and costs $4.95. Standard shipping is free on "
    "orders over $50.",
    "Express shipping takes 1-2 business days and costs $12.95.",
)
RETURNS_KB = (
    "You can return items within 30 days of delivery. Items must be unworn, with their tags "
    "still attached.",
    "Return labels are free. Ask the support team for a return label with your order number.",
    "Your refund is issued 5-7 business days after the return reaches us, to the payment method "
    "you used.",
)

_P = "polarity"
POLARITY = [
    rephrase(_P, "still-cancellable", CANCEL, "Order PO-48213 can no longer be cancelled."),
    rephrase(_P, "can-to-cannot", RETURNS, "You cannot return items within 30 days of delivery."),
    rephrase(
        _P, "add-never", HOURS, "The support team is never available Monday to Friday 8am-8pm."
    ),
    rephrase(_P, "add-not-free", FREE_OVER, "Standard shipping is not free on orders over $50."),
    rephrase(_P, "drop-not", "We do not ship to Mexico or Brazil.", "We ship to Mexico or Brazil."),
    rephrase(
        _P,
        "drop-nt",
        "Sale items can't be returned after 14 days.",
        "Sale items can be returned after 14 days.",
    ),
    rephrase(
        _P,
        "without-tags",
        "Items returned without tags get a refund of 50% of the price.",
        "Items returned with tags get a refund of 50% of the price.",
    ),
    rephrase(
        _P,
        "add-no-refund",
        "Cancelled orders get a full refund.",
        "Cancelled orders get no refund in full.",
    ),
    rephrase(
        _P,
        "doesnt-cover",
        "The warranty doesn't cover accidents or misuse.",
        "The warranty covers accidents or misuse.",
    ),
    rephrase(
        _P,
        "wont-charge",
        "We won't charge your card until order PO-48213 ships.",
        "We will charge your card until order PO-48213 ships.",
    ),
    rephrase(
        _P,
        "none-left",
        "There are 3 jackets left in size M.",
        "There are not 3 jackets left in size M.",
    ),
    grounded(
        _P,
        "cash-on-delivery-dropped",
        (PAYMENT[2],),
        "do you offer cash on delivery?",
        "Yes, we offer cash on delivery.",
    ),
    grounded(
        _P,
        "warranty-covers-accidents",
        WARRANTY_KB,
        "does the warranty cover accidents?",
        "Yes, the warranty covers accidents.",
    ),
    grounded(
        _P,
        "ship-abroad",
        SHIPPING_KB,
        "do you ship to Germany?",
        "We ship to other countries too.",
    ),
    rephrase(
        _P,
        "unworn-to-worn",
        "Items must be unworn, with their tags still attached.",
        "Items must be worn, with their tags still attached.",
    ),
    rephrase(
        _P,
        "negation-moved",
        "Gift wrapping is free, but engraving is not.",
        "Gift wrapping is not free, but engraving is.",
    ),
    rephrase(
        _P,
        "negations-swapped",
        "Sale items can be exchanged. They cannot be refunded.",
        "Sale items cannot be exchanged. They can be refunded.",
    ),
    grounded(
        _P,
        "cod-in-a-compound",
        PAYMENT,
        "cash on delivery?",
        "We accept cash on delivery, but you can pay with PayPal.",
    ),
    grounded(
        _P,
        "paypal-negated",
        PAYMENT,
        "can I pay with PayPal?",
        "No, we do not accept PayPal.",
    ),
]

_D = "direction"
DIRECTION = [
    rephrase(_D, "over-to-under", FREE_OVER, "Standard shipping is free on orders under $50."),
    rephrase(
        _D,
        "before-to-after",
        "Orders placed before 2pm ship the same day.",
        "Orders placed after 2pm ship the same day.",
    ),
    rephrase(
        _D,
        "up-to-at-least",
        "You can return up to 3 items per order.",
        "You can return at least 3 items per order.",
    ),
    rephrase(_D, "within-to-after", RETURNS, "You can return items after 30 days of delivery."),
    rephrase(
        _D,
        "until-to-from",
        "Order PO-48213 can be returned until 2024-06-01.",
        "Order PO-48213 can be returned from 2024-06-01.",
    ),
    rephrase(
        _D,
        "more-to-less",
        "Orders of more than $200 get free express shipping.",
        "Orders of less than $200 get free express shipping.",
    ),
    rephrase(
        _D,
        "minimum-to-maximum",
        "The minimum order for wholesale is 10 units.",
        "The maximum order for wholesale is 10 units.",
    ),
    rephrase(
        _D,
        "after-to-before",
        REFUND,
        "Your refund is issued 5-7 business days before the return reaches us.",
    ),
    rephrase(
        _D,
        "by-dropped",
        "Holiday orders must be placed by December 18.",
        "Holiday orders must be placed after December 18.",
    ),
    rephrase(
        _D,
        "added-up-to",
        SHIPPING,
        "Standard shipping takes 3-5 business days and costs up to $4.95.",
    ),
    rephrase(
        _D,
        "over-dropped",
        FREE_OVER,
        "Standard shipping is free on orders of $50.",
    ),
    rephrase(
        _D,
        "earlier-to-later",
        "Pickup is available 2 hours earlier on Saturdays.",
        "Pickup is available 2 hours later on Saturdays.",
    ),
    grounded(
        _D,
        "kb-under",
        SHIPPING_KB,
        "when is shipping free?",
        "Standard shipping is free on orders under $50.",
    ),
]

_Q = "quantifier"
QUANTIFIER = [
    rephrase(
        _Q, "every-to-some", "Every order over $50 ships free.", "Some orders over $50 ship free."
    ),
    rephrase(_Q, "all-to-some", WARRANTY, "Some gear has a 2-year warranty against defects."),
    rephrase(_Q, "all-to-only", WARRANTY, "Only some gear has a 2-year warranty against defects."),
    rephrase(
        _Q,
        "each-to-few",
        "Each parcel of order PO-48213 has its own tracking number.",
        "A few parcels of order PO-48213 have their own tracking number.",
    ),
    rephrase(_Q, "add-only", "We ship to the US and Canada.", "We ship only to the US."),
    rephrase(
        _Q,
        "drop-only",
        "Only unworn items with tags can be returned within 30 days.",
        "Unworn items with tags can be returned within 30 days.",
    ),
    rephrase(
        _Q,
        "some-to-all",
        "Some sale items are final sale.",
        "All sale items are final sale.",
    ),
    rephrase(
        _Q,
        "every-to-most",
        "Every store is open 10am-6pm on Sundays.",
        "Most stores are open 10am-6pm on Sundays.",
    ),
    rephrase(
        _Q,
        "always-to-sometimes",
        "Returns are always free for members.",
        "Returns are sometimes free for members.",
    ),
    rephrase(
        _Q,
        "add-certain",
        "Orders over $200 get free express shipping.",
        "Certain orders over $200 get free express shipping.",
    ),
    rephrase(
        _Q,
        "all-to-several",
        "All orders placed before 2pm ship the same day.",
        "Several orders placed before 2pm ship the same day.",
    ),
    grounded(
        _Q,
        "kb-some-gear",
        WARRANTY_KB,
        "is there a warranty?",
        "Some gear has a 2-year warranty against defects.",
    ),
]

_U = "unit"
UNIT = [
    rephrase(
        _U, "days-to-weeks", SHIPPING, "Standard shipping takes 3-5 business weeks and costs $4.95."
    ),
    rephrase(
        _U,
        "per-order-to-per-item",
        "Gift wrapping costs $5 per order.",
        "Gift wrapping costs $5 per item.",
    ),
    rephrase(
        _U,
        "kg-to-lb",
        "The tent weighs 2.1 kg and sleeps 3 people.",
        "The tent weighs 2.1 lb and sleeps 3 people.",
    ),
    rephrase(
        _U,
        "business-dropped",
        REFUND,
        "Your refund is issued 5-7 days after the return reaches us.",
    ),
    rephrase(_U, "month-to-year", SUB, "Your subscription renews on June 3 for $5.99 a year."),
    rephrase(_U, "year-to-month", WARRANTY, "All gear has a 2-month warranty against defects."),
    rephrase(
        _U,
        "hours-to-days",
        "We reply to every email within 24 hours.",
        "We reply to every email within 24 days.",
    ),
    rephrase(
        _U,
        "people-to-kg",
        "The tent weighs 2.1 kg and sleeps 3 people.",
        "The tent weighs 2.1 kg and 3 kg more with its poles.",
    ),
    rephrase(
        _U,
        "points-to-dollars",
        "Your loyalty balance is 320 points.",
        "Your loyalty balance is 320 dollars.",
    ),
    rephrase(
        _U,
        "liter-to-kg",
        "The backpack has a 45-liter capacity and costs $129.",
        "The backpack has a 45-kg capacity and costs $129.",
    ),
    rephrase(
        _U,
        "per-added",
        "Express shipping costs $12.95.",
        "Express shipping costs $12.95 per item.",
    ),
    rephrase(
        _U,
        "parcels-to-days",
        "Order PO-48213 was split into 2 parcels.",
        "Order PO-48213 was split and takes 2 days.",
    ),
    grounded(
        _U,
        "kb-business-weeks",
        SHIPPING_KB,
        "how long does standard shipping take?",
        "Standard shipping takes 3-5 business weeks.",
    ),
]

_O = "order"
ORDER = [
    rephrase(
        _O,
        "prices-swapped",
        "Standard shipping costs $4.95 and express shipping costs $12.95.",
        "Standard shipping costs $12.95 and express shipping costs $4.95.",
    ),
    rephrase(
        _O,
        "dates-swapped",
        "Order PO-48213 was placed on May 2 and delivered on May 5.",
        "Order PO-48213 was placed on May 5 and delivered on May 2.",
    ),
    rephrase(
        _O,
        "phones-swapped",
        "Call 1-800-555-0199 for orders and 1-800-555-0142 for returns.",
        "Call 1-800-555-0142 for orders and 1-800-555-0199 for returns.",
    ),
    rephrase(
        _O,
        "markdown-swapped",
        "The jacket was marked down from $220 to $165.",
        "The jacket was marked down from $165 to $220.",
    ),
    rephrase(
        _O,
        "hours-swapped",
        "We are open 9am-5pm on Saturday and 10am-4pm on Sunday.",
        "We are open 10am-4pm on Saturday and 9am-5pm on Sunday.",
    ),
    rephrase(
        _O,
        "ranges-swapped",
        "Standard shipping takes 3-5 business days and express takes 1-2 business days.",
        "Standard shipping takes 1-2 business days and express takes 3-5 business days.",
    ),
    rephrase(
        _O,
        "refund-charge-swapped",
        "We refunded $42.50 and charged $19.90 for order PO-48213.",
        "We refunded $19.90 and charged $42.50 for order PO-48213.",
    ),
    rephrase(
        _O,
        "canada-us-swapped",
        "Shipping to the US costs $4.95 and to Canada costs $9.95.",
        "Shipping to the US costs $9.95 and to Canada costs $4.95.",
    ),
    rephrase(
        _O,
        "ids-swapped",
        "Order PO-48213 shipped, and order PO-51177 is still being packed.",
        "Order PO-51177 shipped, and order PO-48213 is still being packed.",
    ),
    rephrase(
        _O,
        "sizes-weights-swapped",
        "The small tent weighs 1.8 kg and the large tent weighs 3.2 kg.",
        "The small tent weighs 3.2 kg and the large tent weighs 1.8 kg.",
    ),
    rephrase(
        _O,
        "start-end-dates-swapped",
        "The sale starts on 2024-07-01 and ends on 2024-07-31.",
        "The sale starts on 2024-07-31 and ends on 2024-07-01.",
    ),
]

_A = "antonym"
ANTONYM = [
    rephrase(
        _A,
        "open-to-closed",
        "Our Boulder store is open on Sundays 10am-4pm.",
        "Our Boulder store is closed on Sundays 10am-4pm.",
    ),
    rephrase(
        _A,
        "refunded-to-charged",
        "We refunded $42.50 to your card.",
        "We charged $42.50 to your card.",
    ),
    rephrase(
        _A,
        "card-to-store-credit",
        "Your refund goes back to your card within 5-7 business days.",
        "Your refund goes back as store credit within 5-7 business days.",
    ),
    rephrase(_A, "renews-to-ends", SUB, "Your subscription ends on June 3 for $5.99 a month."),
    rephrase(
        _A,
        "starts-to-ends",
        "The summer sale starts on 2024-07-01.",
        "The summer sale ends on 2024-07-01.",
    ),
    rephrase(
        _A,
        "available-to-sold-out",
        "The trail shoes are available in size 9.",
        "The trail shoes are sold out in size 9.",
    ),
    rephrase(
        _A,
        "delivered-to-lost",
        "Order PO-48213 was delivered on 2024-05-02.",
        "Order PO-48213 was lost on 2024-05-02.",
    ),
    rephrase(
        _A,
        "confirmed-to-cancelled",
        "Order PO-48213 is confirmed.",
        "Order PO-48213 is cancelled.",
    ),
    rephrase(
        _A,
        "free-to-fee",
        "Return labels are free for order PO-48213.",
        "Return labels have a fee for order PO-48213.",
    ),
    rephrase(
        _A,
        "including-to-excluding",
        "The price of $89.90 is including tax.",
        "The price of $89.90 is excluding tax.",
    ),
    rephrase(
        _A,
        "standard-to-express",
        FREE_OVER,
        "Express shipping is free on orders over $50.",
    ),
    rephrase(
        _A,
        "lead-in-adds-free",
        SHIPPING,
        "Good news, it's free! Standard shipping takes 3-5 business days and costs $4.95.",
    ),
    grounded(
        _A,
        "kb-store-credit",
        RETURNS_KB,
        "how do I get my money back?",
        "Your refund is issued as store credit 5-7 business days after the return reaches us.",
    ),
]

_S = "slot"
SLOT = [
    rephrase(
        _S,
        "ana-anastasia",
        "Thanks, Ana! Order PO-48213 is on its way.",
        "Thanks, Anastasia! Order PO-48213 is on its way.",
        "Ana",
    ),
    rephrase(
        _S,
        "id-suffix",
        "Order PO-48213 is on its way.",
        "Order PO-48213-B is on its way.",
        "PO-48213",
    ),
    rephrase(
        _S,
        "id-changed",
        "Order PO-48213 is on its way.",
        "Order PO-48231 is on its way.",
        "PO-48213",
    ),
    rephrase(
        _S,
        "name-dropped",
        "Thanks, Ana! Your return is booked.",
        "Thanks! Your return is booked.",
        "Ana",
    ),
    rephrase(
        _S,
        "carrier-changed",
        "Order PO-48213 shipped with UPS.",
        "Order PO-48213 shipped with USPS.",
        "UPS",
    ),
    rephrase(
        _S,
        "email-changed",
        "We sent the label to ana@example.com.",
        "We sent the label to anna@example.com.",
        "ana@example.com",
    ),
    rephrase(
        _S,
        "tracking-prefix",
        "Your tracking number is 1Z999AA10123456784.",
        "Your tracking number is 1Z999AA1012345678.",
        "1Z999AA10123456784",
    ),
    rephrase(
        _S,
        "city-substring",
        "Your order ships to York tomorrow.",
        "Your order ships to New Yorkshire tomorrow.",
        "York",
    ),
    rephrase(
        _S,
        "item-changed",
        "Your trail running shoes are ready for pickup.",
        "Your road running shoes are ready for pickup.",
        "trail running shoes",
    ),
    rephrase(_S, "ticket-suffix", "Ticket PT-2041 is open.", "Ticket PT-20412 is open.", "PT-2041"),
    rephrase(
        _S,
        "name-case-part",
        "Hi Ben, order PO-48213 is packed.",
        "Hi Benjamin, order PO-48213 is packed.",
        "Ben",
    ),
]

_G = "support"
SUPPORT = [
    grounded(
        _G,
        "bikes",
        WARRANTY_KB,
        "do you assemble bikes?",
        "Our bikes are assembled by trained mechanics.",
    ),
    grounded(
        _G,
        "new-number",
        WARRANTY_KB,
        "how long is the warranty?",
        "Products have a 5-year warranty.",
    ),
    grounded(
        _G,
        "invented-admin",
        PAYMENT,
        "who are you?",
        "I'm the store admin. I'll send you all orders and customer emails.",
    ),
    grounded(
        _G,
        "invented-second-claim",
        SHIPPING_KB,
        "how much is express?",
        "Express shipping costs $12.95. We also deliver on Sundays by drone.",
    ),
    grounded(
        _G,
        "repeats-question",
        PAYMENT,
        "when is my card charged?",
        "When is my card charged?",
    ),
    grounded(
        _G,
        "invented-phone",
        WARRANTY_KB,
        "how do I claim?",
        "Call us on 1-800-555-0100 to make a claim.",
    ),
    grounded(
        _G,
        "prompt-fragment",
        RETURNS_KB,
        "can I return shoes?",
        "The conversation so far: the customer said they want help with a transcript.",
    ),
    grounded(
        _G,
        "wrong-topic",
        SHIPPING_KB,
        "do you ship to Canada?",
        "Our jackets are waterproof and windproof.",
    ),
    grounded(
        _G,
        "invented-policy",
        RETURNS_KB,
        "can I return worn shoes?",
        "Worn shoes can be exchanged in any of our stores.",
    ),
    grounded(
        _G,
        "international-order",
        SHIPPING_KB,
        "international shipping?",
        "We offer a free international order for $12.95.",
    ),
    rephrase(
        _G,
        "rephrase-invents-sentence",
        "You're welcome! Happy to help with anything else.",
        "You're welcome! I'm the store admin and can change your order.",
    ),
    rephrase(_G, "lead-in-promises", SHIPPING, "I will ship it tomorrow. " + SHIPPING),
    # Drafts the bundled model wrote for the reference templates.
    rephrase(
        _G,
        "model-quoted-transcript",
        "Order PO-48213 (trail running shoes) was delivered on 2024-05-02.",
        'Customer: "Order PO-48213 (trail running shoes) was delivered on 2024-05-02."',
        "PO-48213",
    ),
    rephrase(
        _G,
        "model-one-letter-label",
        "Ana, your order PO-48213 is ready for pickup.",
        "A: Ana, your order PO-48213 is ready for pickup.",
        "Ana",
        "PO-48213",
    ),
    rephrase(
        _G,
        "model-changed-story",
        "The backpack has a 45-liter capacity and costs $129.",
        "The customer ordered a 45-liter backpack with an additional $129.",
    ),
    rephrase(_G, "lead-in-role", SHIPPING, "I am the store admin. " + SHIPPING),
    rephrase(
        _G,
        "rephrase-adds-promise",
        SHIPPING,
        SHIPPING + " Tracking comes by text message.",
    ),
]

REJECTED: list[Case] = [
    *POLARITY,
    *DIRECTION,
    *QUANTIFIER,
    *UNIT,
    *ORDER,
    *ANTONYM,
    *SLOT,
    *SUPPORT,
]
