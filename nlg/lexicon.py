"""The word lists behind the meaning checks of :mod:`nlg.guard` (English, customer service).

Everything here is data: phrases rewritten to one canonical form before the
checks, the words that carry a claim's polarity, direction, quantifier or
meaning (antonym pairs), units, synonyms for measuring support, and the words
of a polite acknowledgement. Entries are written as people write them; the
tokeniser in :mod:`nlg.meaning` lemmatises them the same way it does text.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``."""
    return frozenset(text.split())


# Phrases rewritten before tokenising (longest first). The right side is canonical text.
PHRASES: dict[str, str] = {
    "can't": "can not",
    "cannot": "can not",
    "won't": "will not",
    "shan't": "shall not",
    "ain't": "is not",
    "no longer": "not still",
    "not anymore": "not still",
    "not any more": "not still",
    "not any longer": "not still",
    "anymore": "still",
    "any longer": "still",
    "never closes": "is always open",
    "never closed": "always open",
    "no later than": "before",
    "as long as": "if",
    "take over": "handle",
    "takes over": "handle",
    "taking over": "handle",
    "over the phone": "by phone",
    "over email": "by email",
    "over chat": "by chat",
    "pay with": "accept",
    "pay by": "accept",
    "pay using": "accept",
    "provided that": "if",
    "no earlier than": "from",
    "no more than": "at_most",
    "no less than": "at_least",
    "not more than": "at_most",
    "not less than": "at_least",
    "or more": "at_least",
    "or less": "at_most",
    "or fewer": "at_most",
    "and up": "at_least",
    "and above": "at_least",
    "at most": "at_most",
    "at the most": "at_most",
    "at least": "at_least",
    "up to": "at_most",
    "a maximum of": "at_most",
    "a minimum of": "at_least",
    "maximum": "at_most",
    "minimum": "at_least",
    "more than": "over",
    "greater than": "over",
    "in excess of": "over",
    "upwards of": "over",
    "exceeding": "over",
    "above": "over",
    "less than": "under",
    "fewer than": "under",
    "below": "under",
    "prior to": "before",
    "earlier than": "before",
    "ahead of": "before",
    "later than": "after",
    "up until": "until",
    "till": "until",
    "starting from": "from",
    "starting on": "from",
    "starting": "from",
    "beginning": "from",
    "as of": "from",
    "free of charge": "free",
    "at no charge": "free",
    "at no cost": "free",
    "at no extra cost": "free",
    "no charge": "free",
    "no cost": "free",
    "costs nothing": "is free",
    "cost nothing": "are free",
    "or nothing": "or free",
    "nothing extra": "free",
    "for free": "free",
    "complimentary": "free",
    "feel free": "please",
    "no problem": "ack",
    "no worries": "ack",
    "not a problem": "ack",
    "no trouble": "ack",
    "sold out": "sold_out",
    "out of stock": "sold_out",
    "in stock": "available",
    "unavailable": "not available",
    **{
        f"un{word}": f"not {word}"
        for word in words(
            "worn used opened washed paid able damaged signed shipped delivered limited "
            "restricted refundable returnable"
        )
    },
    "non-refundable": "not refundable",
    "nonrefundable": "not refundable",
    "store credit": "store_credit",
    "gift card": "store_credit",
    "voucher": "store_credit",
    "credit card": "card",
    "debit card": "card",
    "original payment method": "card",
    "payment method you used": "card",
    "payment method": "card",
    "money back": "refund",
    "send back": "return",
    "sent back": "return",
    "get back to": "reply to",
    "customer service": "support",
    "support team": "support",
    "customer support": "support",
    "business day": "business_day",
    "business days": "business_day",
    "working day": "business_day",
    "working days": "business_day",
    "per cent": "percent",
    "%": " percent",
    "e-mail": "email",
    "not only": "also",
    "no fee": "free",
    "no fees": "free",
    "no extra charge": "free",
    "no additional cost": "free",
    "no extra cost": "free",
}

# Plural forms of the noun phrases above ("gift cards" is "store_credit" too).
PHRASES.update(
    {
        f"{phrase}s": canonical
        for phrase, canonical in list(PHRASES.items())
        if phrase.endswith(("card", "credit", "voucher", "method")) and f"{phrase}s" not in PHRASES
    }
)

NEGATIONS = words("""not no never none nothing nobody nowhere neither nor without""")

# Direction and comparison words: canonical form -> its opposites.
DIRECTIONS: dict[str, frozenset[str]] = {
    "over": frozenset({"under", "at_most"}),
    "under": frozenset({"over", "at_least"}),
    "at_most": frozenset({"at_least", "over"}),
    "at_least": frozenset({"at_most", "under"}),
    "before": frozenset({"after", "from"}),
    "until": frozenset({"after", "from"}),
    "after": frozenset({"before", "until", "within"}),
    "from": frozenset({"before", "until"}),
    "within": frozenset({"after"}),
    "more": frozenset({"less", "fewer"}),
    "less": frozenset({"more"}),
    "fewer": frozenset({"more"}),
    "higher": frozenset({"lower"}),
    "lower": frozenset({"higher"}),
    "earlier": frozenset({"later"}),
    "later": frozenset({"earlier"}),
}
# Directions that only count when they stand right before a quantity ("by 11am", "from $25").
ANCHORED_DIRECTIONS = {"by": "before", "from": "from", "within": "within", "in": "within"}
# "within 30 days" and "in 30 days" say no more than "30 days": no direction to keep.
SOFT_DIRECTIONS = frozenset({"within"})

UNIVERSAL = words("""all every each always everything everyone entire whole""")
PARTIAL = words("""some few several certain select many most sometimes occasionally""")
EXCLUSIVE = words("""only solely exclusively""")

# Antonym pairs of claim words; "keep" pairs also refuse a rewording that drops the word.
ANTONYMS: tuple[tuple[str, str, bool], ...] = (
    ("open opened opening", "closed close shut", False),
    ("refund refunded refundable reimburse reimbursed", "charge charged bill billed", True),
    ("start starts begin begins commence", "end ends finish expire expires stop", False),
    ("renew renews renewal", "end ends expire expires cancel", True),
    ("available", "sold_out", False),
    ("delivered deliver arrive arrived", "lost missing stolen", True),
    ("confirmed confirm approved approve", "cancelled cancel declined rejected", True),
    ("accept accepted", "decline declined reject rejected refuse", False),
    ("free", "fee", True),
    ("include included including", "exclude excluded excluding except", True),
    ("card", "store_credit", True),
    ("add added", "remove removed", False),
    ("increase raise", "decrease reduce lower", False),
    ("first", "last", False),
    ("weekday weekdays", "weekend weekends", False),
    ("domestic", "international", True),
    ("online", "in-store", False),
    ("required mandatory", "optional", True),
    ("full", "partial", True),
    ("automatic automatically", "manual manually", True),
    ("standard", "express", True),
    ("monthly", "yearly annual annually", True),
    ("upgrade", "downgrade", False),
    ("repaired repair", "replaced replace", False),
    ("cheapest lowest", "highest", False),
    ("morning", "evening", False),
)

# Units a quantity can count, with their canonical spelling.
UNITS: dict[str, str] = {
    **dict.fromkeys(["second", "seconds", "sec", "secs"], "second"),
    **dict.fromkeys(["minute", "minutes", "min", "mins"], "minute"),
    **dict.fromkeys(["hour", "hours", "hr", "hrs"], "hour"),
    **dict.fromkeys(["day", "days"], "day"),
    "business_day": "business day",
    **dict.fromkeys(["week", "weeks"], "week"),
    **dict.fromkeys(["month", "months"], "month"),
    **dict.fromkeys(["year", "years", "yr", "yrs"], "year"),
    **dict.fromkeys(["kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"], "kg"),
    **dict.fromkeys(["g", "gram", "grams"], "g"),
    **dict.fromkeys(["lb", "lbs", "pound", "pounds"], "lb"),
    **dict.fromkeys(["oz", "ounce", "ounces"], "oz"),
    **dict.fromkeys(["km", "kilometer", "kilometers", "kilometre", "kilometres"], "km"),
    **dict.fromkeys(["mile", "miles", "mi"], "mile"),
    **dict.fromkeys(["cm", "centimeter", "centimeters", "centimetre", "centimetres"], "cm"),
    **dict.fromkeys(["meter", "meters", "metre", "metres"], "m"),
    **dict.fromkeys(["inch", "inches"], "inch"),
    **dict.fromkeys(["l", "liter", "liters", "litre", "litres"], "liter"),
    **dict.fromkeys(["ml", "milliliter", "milliliters"], "ml"),
    "percent": "percent",
    **dict.fromkeys(["point", "points"], "point"),
    **dict.fromkeys(["item", "items", "product", "products", "piece", "pieces"], "item"),
    **dict.fromkeys(["order", "orders"], "order"),
    **dict.fromkeys(["parcel", "parcels", "package", "packages", "box", "boxes"], "parcel"),
    **dict.fromkeys(["people", "person", "persons", "guests"], "person"),
    **dict.fromkeys(["country", "countries"], "country"),
    **dict.fromkeys(["dollar", "dollars", "usd"], "dollar"),
    **dict.fromkeys(["euro", "euros", "eur"], "euro"),
    **dict.fromkeys(["cent", "cents"], "cent"),
    **dict.fromkeys(["time", "times"], "time"),
    **dict.fromkeys(["night", "nights"], "night"),
    **dict.fromkeys(["seat", "seats"], "seat"),
    **dict.fromkeys(["user", "users"], "user"),
    **dict.fromkeys(["size", "sizes"], "size"),
}
RATE_WORDS = words("""per a an every each""")

# Words treated as the same for measuring support (all map to the first word).
SYNONYMS: tuple[str, ...] = (
    "item product gear article merchandise thing goods",
    "order purchase buy",
    "ship dispatch send mail",
    "deliver arrive delivery reach",
    "price cost",
    "warranty guarantee",
    "defect fault flaw",
    "repair fix",
    "reply respond answer",
    "support team agent staff",
    "contact",
    "take last_for",
    "store shop",
    "website site online web",
    "receive get",
    "need must",
    "issue process",
    "parcel package shipment box",
    "cover protect",
    "quick fast",
    "pay payment",
    "money fund",
    "label slip",
    "email message",
    "cancel cancellation",
    "refund reimburse",
    "weekday business_day",
    "confirm confirmation",
)

# Words of a polite acknowledgement sentence ("Sure, happy to help!"), which states no fact.
ACK_WORDS = words(
    """ack sure course certainly absolutely happy glad help helping thank thanks great good
    question problem worry understand see sorry hear hearing got okay ok alright hi hello
    hey welcome let know hope assist assisting pleasure definitely right sound sounds
    totally apologize apologise inconvenience wait waiting patience ask asking check
    checking look looking here found info information sorted thing things detail details
    awesome perfect wonderful appreciate reaching out quick update happy frustrating
    frustrated annoying delay delayed late waiting concern concerns worried asked wanted
    want bye goodbye farewell now nice care cheers anytime day soon talk chat there anything
    else further"""
)
ACK_OPENERS = words(
    """sure of certainly absolutely happy glad thanks thank great good ack okay ok alright hi
    hello hey sorry here let no yes understood perfect awesome"""
)
# Key words that state a fact on their own: a rewording may not bring one in ("it's free!").
CLAIM_WORDS = words(
    """free fee refund refunded charge charged cancel cancelled store_credit sold_out lost
    missing stolen closed exclude excluded excluding include included including renew renews
    international domestic optional required mandatory automatic automatically manual
    partial declined rejected expire expires confirmed approved"""
)
