"""Questions the knowledge folder answers reach the knowledge answer, whatever NLU guessed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from dialogue.domain import Domain
from dialogue.events import UserUttered
from dialogue.policies import PolicyEnsemble
from dialogue.tracker import ConversationId, Tracker
from nlg.interfaces import BotMessage
from nlg.knowledge import KnowledgeBase, SentenceEncoder
from nlu.interfaces import Entity, IntentPrediction, ParseResult
from parley.knowledge_routing import (
    KnowledgeRoutedInterpreter,
    acting_intents,
    knowledge_intent,
)
from parley.metrics import Metrics, TimedNLG
from tests.dialogue.policies.bots import FORMBOT_DOMAIN, FORMBOT_RULES, act, loop, rule, user

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


@dataclass
class FixedNLU:
    """An interpreter that is always ``confidence`` sure of ``intent``."""

    intent: str
    confidence: float
    entities: tuple[Entity, ...] = ()

    def parse(self, text: str, message_id: str | None = None) -> ParseResult:
        guess = IntentPrediction(self.intent, self.confidence)
        return ParseResult(text, guess, self.entities, (guess,), message_id=message_id)


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return KnowledgeBase.load(KNOWLEDGE, SentenceEncoder.load())


def routed(knowledge: KnowledgeBase, nlu: FixedNLU, text: str) -> ParseResult:
    return KnowledgeRoutedInterpreter(nlu, knowledge, "out_of_scope").parse(text)


@pytest.mark.parametrize(
    ("text", "guess", "confidence"),
    [
        ("can I pay with PayPal?", "return_policy", 0.43),
        ("how long is the warranty?", "out_of_scope", 0.3),
        ("do you offer cash on delivery?", "shipping_options", 0.99),
    ],
    ids=["unsure NLU", "unsure out-of-scope", "sure but the knowledge is closer"],
)
def test_a_question_the_knowledge_answers_is_routed_to_the_knowledge_answer(
    knowledge: KnowledgeBase, text: str, guess: str, confidence: float
) -> None:
    parsed = routed(knowledge, FixedNLU(guess, confidence), text)

    assert parsed.intent is not None and parsed.intent.name == "out_of_scope"
    if guess != "out_of_scope":  # routed: the knowledge score is the confidence, NLU's follows
        assert parsed.intent.confidence >= 0.5
        assert [i.name for i in parsed.intent_ranking][:2] == ["out_of_scope", guess]


@pytest.mark.parametrize(
    ("text", "nlu"),
    [
        ("do you sell kayaks?", FixedNLU("shipping_options", 0.5)),
        ("can you help me with my delivery address?", FixedNLU("shipping_options", 0.5)),
        ("what are your shipping options", FixedNLU("shipping_options", 0.97)),
        (
            "where is my order PO-48213 and when does it ship",
            FixedNLU("order_status", 0.6, (Entity("order_number", "PO-48213", 18, 26),)),
        ),
    ],
    ids=[
        "nothing in the knowledge",
        "a rare word, but about something else",
        "a confident intent of its own",
        "names an order",
    ],
)
def test_other_messages_keep_their_nlu_intent(
    knowledge: KnowledgeBase, text: str, nlu: FixedNLU
) -> None:
    parsed = routed(knowledge, nlu, text)
    assert parsed.intent is not None and parsed.intent.name == nlu.intent


def test_a_sure_request_the_policy_acts_on_keeps_its_intent(knowledge: KnowledgeBase) -> None:
    text = "I want to return something"  # close to the returns page (0.71), yet a request
    acting = frozenset({"request_return"})

    def route(confidence: float) -> str | None:
        nlu = FixedNLU("request_return", confidence)
        interpreter = KnowledgeRoutedInterpreter(nlu, knowledge, "out_of_scope", acting=acting)
        return interpreter.parse(text).intent_name

    assert route(0.98) == "request_return"
    assert route(0.6) == "out_of_scope"  # an unsure guess still gives way
    not_acting = KnowledgeRoutedInterpreter(
        FixedNLU("request_return", 0.98), knowledge, "out_of_scope"
    )
    assert not_acting.parse(text).intent_name == "out_of_scope"


def test_acting_intents_are_those_that_open_a_form_or_run_a_custom_action() -> None:
    ensemble = PolicyEnsemble.build([{"name": "RulePolicy"}])
    ensemble.train(FORMBOT_RULES, FORMBOT_DOMAIN)

    # greet, thankyou, chitchat and bot_challenge lead to responses; the rest to nothing
    assert acting_intents(ensemble, FORMBOT_DOMAIN) == {"request_restaurant"}


def test_a_request_answered_with_a_response_and_then_a_form_is_acting() -> None:
    """Without an order number, the bot says a person will find it, then starts the ticket form:
    a request, however close the knowledge folder's page on order numbers is."""
    announced = rule(
        "announce, then the form",
        user("chitchat"), act("utter_chitchat"), act("restaurant_form"), loop("restaurant_form"),
    )  # fmt: skip
    ensemble = PolicyEnsemble.build([{"name": "RulePolicy"}])
    ensemble.train((*FORMBOT_RULES[:3], *FORMBOT_RULES[4:], announced), FORMBOT_DOMAIN)
    assert acting_intents(ensemble, FORMBOT_DOMAIN) == {"request_restaurant", "chitchat"}


@dataclass
class BatchingFixedNLU(FixedNLU):
    """:class:`FixedNLU` that also parses batches, recording their sizes."""

    batches: list[int] = field(default_factory=list)

    def parse_batch(
        self, texts: Sequence[str], message_ids: Sequence[str | None]
    ) -> list[ParseResult]:
        self.batches.append(len(texts))
        return [self.parse(t, i) for t, i in zip(texts, message_ids, strict=True)]


BATCH = (
    "can I pay with PayPal?",
    "do you offer cash on delivery?",
    "do you sell kayaks?",
    "what are your shipping options",
)


@pytest.mark.parametrize(
    "nlu",
    [FixedNLU("shipping_options", 0.5), BatchingFixedNLU("shipping_options", 0.5)],
    ids=["inner parses one by one", "inner parses batches"],
)
def test_a_batch_is_routed_like_each_of_its_messages(
    knowledge: KnowledgeBase, nlu: FixedNLU
) -> None:
    interpreter = KnowledgeRoutedInterpreter(nlu, knowledge, "out_of_scope")
    ids = [f"m{i}" for i in range(len(BATCH))]

    batch = interpreter.parse_batch(BATCH, ids)

    assert batch == [interpreter.parse(t, i) for t, i in zip(BATCH, ids, strict=True)]
    assert [p.intent_name for p in batch] == [
        "out_of_scope",
        "out_of_scope",
        "shipping_options",  # nothing in the knowledge: NLU's intent is kept
        "out_of_scope",
    ]
    if isinstance(nlu, BatchingFixedNLU):
        assert nlu.batches == [len(BATCH)]


def test_the_knowledge_intent_is_out_of_scope_where_the_domain_has_it() -> None:
    assert knowledge_intent(["greet", "out_of_scope"]) == "out_of_scope"
    assert knowledge_intent(["greet"]) == "nlu_fallback"


@dataclass
class RefusingNLG:
    async def generate(
        self, response: str, tracker: Tracker, channel: str | None = None, **kwargs: Any
    ) -> BotMessage | None:
        note = {"source": "template", "mode": "rephrase", "refusals": ["negation in lead-in"]}
        return BotMessage(text="Hi.", metadata={"nlg": note})


async def test_refused_drafts_are_counted_in_metrics_by_reason() -> None:
    metrics = Metrics()
    nlg = TimedNLG(RefusingNLG(), metrics)
    tracker = Tracker(ConversationId("m"), (UserUttered(text="hi"),), Domain().initial_slots)

    await nlg.generate("utter_greet", tracker)
    await nlg.generate("utter_greet", tracker)

    exposition = metrics.exposition().decode()
    assert 'parley_nlg_refusals_total{reason="negation in lead-in"} 2.0' in exposition
