"""The conversations and questions ``bench/nlg_quality.py`` puts to the reference bot.

``CONVERSATIONS``: customers' messages that lead to rephrase-flagged responses
(order status of shipped and delivered orders, each followed by the email on the
order, as the bot asks for it; shipping options, the return
policy, opening hours), worded as customers word them: typos, moods, small talk.

``ANSWERABLE``: questions the knowledge folder answers, each with the words a
correct answer must contain (any one of the alternatives separated by ``|``).
``UNANSWERABLE``: questions it does not answer; the bot must say it does not
know and offer a person.
"""

from __future__ import annotations

_SHIPPED = ("PO-48213", "PO-71130")
_DELIVERED = ("PO-10377", "PO-90215", "PO-73310", "PO-60218")
# The bot shows an order only to the customer who gives the email on it (shop_actions/demo.py).
_EMAIL = {
    "PO-48213": "jane.doe@example.com",
    "PO-10377": "jane.doe@example.com",
    "PO-90215": "jane.doe@example.com",
    "PO-71130": "alex_r@example.net",
    "PO-73310": "sam.lee@example.org",
    "PO-60218": "sam.lee@example.org",
}

_ORDER_ASKS = (
    "where is my order {}?",
    "hi, can you check order {} for me",
    "has {} shipped yet?",
    "ugh, still waiting on {}. where is it??",
    "status of {} please",
    "did my parcel {} arrive",
    "I'm worried about my order {}, any news?",
    "track {}",
)
_FAQ_ASKS = (
    ["what shipping options do you have?"],
    ["hey", "how much is shipping?"],
    ["how long does delivery take"],
    ["do you have express shipping"],
    ["hello!", "what are the delivery options"],
    ["shipping costs?"],
    ["what's your return policy"],
    ["can I return something I bought?"],
    ["hi", "how do returns work"],
    ["the boots don't fit, can i send them back"],
    ["what is the return window"],
    ["I want to know about returns"],
    ["when are you open?"],
    ["what are your opening hours"],
    ["hi there", "when is support available?"],
    ["are you open on sundays"],
    ["what time does customer service close"],
    ["is anyone there on saturday?"],
    ["how long will shipping take to canada"],
    ["thanks! and what about returns?"],
)


def _order_conversations() -> list[list[str]]:
    numbers = _SHIPPED + _DELIVERED
    asked = [(ask, numbers[i % len(numbers)]) for i, ask in enumerate(_ORDER_ASKS * 4)]
    return [[ask.format(number), _EMAIL[number]] for ask, number in asked]


CONVERSATIONS: list[list[str]] = (
    _order_conversations()[:30]
    + [list(c) for c in _FAQ_ASKS]
    + [
        ["hi", "where is my order PO-48213?", "jane.doe@example.com", "what's your return policy?"],
        ["when are you open", "ok and how much is express shipping"],
    ]
)

ANSWERABLE: list[tuple[str, str]] = [
    ("can I pay with PayPal?", "paypal"),
    ("do you accept american express", "american express"),
    ("which credit cards do you take", "visa|mastercard"),
    ("can I use a gift card?", "gift card"),
    ("do you offer cash on delivery?", "not offer cash on delivery|do not offer cash"),
    ("can I pay cash when the parcel arrives", "not offer cash|do not offer cash"),
    ("when is my card charged", "when your order ships"),
    ("what currency do you charge in", "us dollars"),
    ("will I be charged when I place the order", "when your order ships"),
    ("payment methods?", "visa|paypal"),
    ("how long is the warranty", "2-year"),
    ("is there a warranty on your gear", "2-year"),
    ("does the warranty cover normal wear and tear", "wear and tear"),
    ("my jacket broke after I dropped it off a cliff, is that covered", "misuse|accidents"),
    ("how do I make a warranty claim", "photo"),
    ("what do I need for a warranty claim", "photo|order number"),
    ("will you repair a defective item", "repaired or replaced"),
    ("is a defective item replaced for free", "free of charge"),
    ("warranty for defects?", "2-year|defects"),
    ("do you fix broken zippers under warranty", "defects|repaired"),
    ("do you ship to mexico", "us and canada|not ship to other countries"),
    ("do you ship internationally", "us and canada|not ship to other countries"),
    ("do you deliver to the UK", "us and canada|not ship to other countries"),
    ("how much is express shipping", "$12.95"),
    ("how fast is express delivery", "1-2 business days"),
    ("how much does standard shipping cost", "$4.95"),
    ("when is shipping free", "$50"),
    ("will I get a tracking link", "tracking link"),
    ("where do I find my order number", "confirmation email"),
    ("what does an order number look like", "PO-12345"),
    ("how many days do I have to return an item", "30 days"),
    ("do items need their tags for a return", "tags"),
    ("are return labels free", "free"),
    ("how do I get a return label", "return label"),
    ("when will I get my refund", "5-7 business days"),
    ("how is my refund paid", "payment method"),
    ("can I return worn boots", "unworn"),
    ("how long does standard shipping take", "3-5 business days"),
    ("is standard shipping free over 50 dollars", "$50"),
    ("do you ship to canada", "canada"),
]

UNANSWERABLE: list[str] = [
    "do you sell kayaks?",
    "what is the meaning of life?",
    "who is the CEO of your company",
    "do you have a store in Denver",
    "can I order by fax",
    "what's the weather tomorrow",
    "do you price match other shops",
    "do you have a student discount",
    "can I pick up my order in person",
    "do you sell gift wrapping",
    "are your products vegan",
    "do you have a loyalty program",
    "can you recommend a good tent for winter",
    "what size boots should I buy",
    "is your company hiring",
    "do you sell bikes",
    "can I change the colour of my jacket order",
    "tell me a joke",
    "do you have a phone number I can call",
    "what's your favourite movie",
]

HONEST_REFUSAL = ("don't know", "person")
