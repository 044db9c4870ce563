"""Tiny training sets for the NLU tests, written out in full so each test reads on its own."""

from __future__ import annotations

from nlu import Entity, TrainingData, TrainingExample

EntitySpec = tuple[str, str] | tuple[str, str, str]


def example(text: str, intent: str | None, *entities: EntitySpec) -> TrainingExample:
    """An example whose entities are given as ``(type, surface text[, role])``; the surface
    text is located in ``text`` to get the offsets."""
    found = []
    for spec in entities:
        entity, surface = spec[0], spec[1]
        role = spec[2] if len(spec) == 3 else None
        start = text.index(surface)
        found.append(Entity(entity, surface, start, start + len(surface), role=role))
    return TrainingExample(text, intent, tuple(found))


def examples(intent: str, *texts: str) -> tuple[TrainingExample, ...]:
    return tuple(example(text, intent) for text in texts)


FOUR_INTENTS = (
    *examples(
        "greet",
        "hello",
        "hi there",
        "hey",
        "good morning",
        "good evening",
        "hello friend",
        "hi, nice to meet you",
        "hey bot",
    ),
    *examples(
        "goodbye",
        "bye",
        "goodbye",
        "see you later",
        "see you soon",
        "bye bye",
        "talk to you later",
        "have a nice day, bye",
        "catch you later",
    ),
    *examples(
        "order_status",
        "where is my order",
        "has my order shipped yet",
        "what is the status of my order",
        "when will my package arrive",
        "track my order",
        "my parcel has not arrived",
        "is my order on its way",
        "where is my package",
    ),
    *examples(
        "cancel_order",
        "cancel my order",
        "i want to cancel the order",
        "please cancel my purchase",
        "stop my order",
        "i no longer want this order, cancel it",
        "can you cancel what i bought",
        "cancel the purchase please",
        "i'd like to cancel my order",
    ),
)

HELD_OUT = (
    ("hi friend", "greet"),
    ("hello there", "greet"),
    ("good morning bot", "greet"),
    ("bye for now", "goodbye"),
    ("see you", "goodbye"),
    ("goodbye and have a nice day", "goodbye"),
    ("where is my parcel", "order_status"),
    ("has my package shipped", "order_status"),
    ("track my package please", "order_status"),
    ("please cancel it", "cancel_order"),
    ("cancel my purchase", "cancel_order"),
    ("i want to cancel what i ordered", "cancel_order"),
)


def four_intents() -> TrainingData:
    return TrainingData(examples=FOUR_INTENTS)


def four_intents_and_a_multi_intent() -> TrainingData:
    """:func:`four_intents` plus ``greet+order_status``, a label made of two of them."""
    greeting_and_order = examples(
        "greet+order_status",
        "hi, where is my order",
        "hello, has my order shipped",
        "hey, track my package",
        "good morning, where is my parcel",
    )
    return TrainingData(examples=(*FOUR_INTENTS, *greeting_and_order))


FLIGHTS = (
    example(
        "fly from Berlin to Paris", "book", ("city", "Berlin", "from"), ("city", "Paris", "to")
    ),
    example(
        "a flight from London to Rome", "book", ("city", "London", "from"), ("city", "Rome", "to")
    ),
    example(
        "i want to go to Madrid from Oslo",
        "book",
        ("city", "Madrid", "to"),
        ("city", "Oslo", "from"),
    ),
    example("book a ticket to Vienna", "book", ("city", "Vienna", "to")),
    example("from Prague please", "book", ("city", "Prague", "from")),
    example(
        "get me from Lisbon to Dublin", "book", ("city", "Lisbon", "from"), ("city", "Dublin", "to")
    ),
    example("to Athens from Warsaw", "book", ("city", "Athens", "to"), ("city", "Warsaw", "from")),
    example("travel to Zurich", "book", ("city", "Zurich", "to")),
    example("leaving from Munich", "book", ("city", "Munich", "from")),
    example("i need a flight to Helsinki", "book", ("city", "Helsinki", "to")),
    *examples("greet", "hello", "hi there", "good morning", "hey"),
)


def flights() -> TrainingData:
    return TrainingData(examples=FLIGHTS)
