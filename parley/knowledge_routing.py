"""Send questions the knowledge folder answers to the knowledge answer, whatever NLU guessed.

Without this, the knowledge folder is consulted only after an NLU fallback, so a
question no intent was trained for ("can I pay with PayPal?") gets the closest
intent's template (the return policy) when NLU is 43% sure of it.
:class:`KnowledgeRoutedInterpreter` wraps the NLU interpreter: when a message is
at least ``min_score`` close to one sentence of the knowledge folder
(:meth:`~nlg.knowledge.KnowledgeBase.best_sentence_score`) and NLU is less than
``below_confidence`` sure of its intent, or at least ``sure_min_score`` close
however sure NLU is ("do you offer cash on delivery?" is not the shipping
options' template, even at 0.99), the parse's intent
becomes the one that leads to the knowledge answer (``out_of_scope`` where the
domain has it, else ``nlu_fallback``), with the knowledge score as its confidence;
NLU's own ranking follows it, and its entities are kept.

A message with entities (an order number, an email: "PO-12345" during a form)
is never overridden: it is about that order. Nor is a sure intent that asks the
bot to do something: one the policy answers with a form or a custom action
(:func:`acting_intents`). "I want to return something" starts the return form
even though the returns page is close to it; only an unsure guess gives way.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from dialogue.domain import Domain
from dialogue.events import ACTION_LISTEN, ActionExecuted, UserUttered
from dialogue.interfaces import NextActionPredictor
from dialogue.tracker import ConversationId, Tracker
from nlg.knowledge import KnowledgeBase
from nlg.llm import LLMNLG
from nlu.interfaces import IntentPrediction, Interpreter, ParseResult
from parley.nlu_batching import parse_all

log = logging.getLogger(__name__)

KNOWLEDGE_INTENTS = ("out_of_scope", "nlu_fallback")


def knowledge_intent(domain_intents: Collection[str]) -> str:
    """The intent whose rule leads to the knowledge answer in this domain."""
    return next((i for i in KNOWLEDGE_INTENTS if i in domain_intents), "nlu_fallback")


@dataclass
class KnowledgeRoutedInterpreter:
    """Satisfies :class:`~nlu.interfaces.Interpreter`; see the module docstring."""

    inner: Interpreter
    knowledge: KnowledgeBase
    intent: str = "nlu_fallback"
    min_score: float = 0.5
    below_confidence: float = 0.9
    sure_min_score: float = 0.7
    acting: frozenset[str] = frozenset()  # sure intents of these are never overridden

    def parse(self, text: str, message_id: str | None = None) -> ParseResult:
        return self._routed(text, self.inner.parse(text, message_id))

    def parse_batch(
        self, texts: Sequence[str], message_ids: Sequence[str | None]
    ) -> list[ParseResult]:
        """:meth:`parse` of each text: the inner interpreter's batch, each result routed."""
        parsed = parse_all(self.inner, texts, message_ids)
        asked = [i for i, p in enumerate(parsed) if self._may_route(p)]
        scores = dict(
            zip(asked, self.knowledge.best_sentence_scores([texts[i] for i in asked]), strict=True)
        )
        return [self._routed(texts[i], p, scores.get(i)) for i, p in enumerate(parsed)]

    def _may_route(self, parsed: ParseResult) -> bool:
        current = parsed.intent
        # A message naming an order, email or product is about that.
        return not ((current is not None and current.name == self.intent) or parsed.entities)

    def _routed(self, text: str, parsed: ParseResult, score: float | None = None) -> ParseResult:
        if not self._may_route(parsed):
            return parsed
        current = parsed.intent
        if score is None:
            score = self.knowledge.best_sentence_score(text)
        sure = current is not None and current.confidence >= self.below_confidence
        if sure and current is not None and current.name in self.acting:
            return parsed
        if score < (self.sure_min_score if sure else self.min_score):
            return parsed
        log.debug("routing %r to the knowledge answer (score %.2f)", text, score)
        routed = IntentPrediction(self.intent, round(score, 4))
        ranking = (routed, *(i for i in parsed.intent_ranking if i.name != self.intent))
        return replace(parsed, intent=routed, intent_ranking=ranking)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


TURN_LENGTH = 5  # actions followed after the message, at most


def acting_intents(policy: NextActionPredictor, domain: Domain) -> frozenset[str]:
    """The intents after which, opening a conversation, the policy runs a form or a
    custom action in that turn: requests, not questions. A response may come first
    ("I'll open a support ticket..." before the ticket form)."""
    return frozenset(i for i in domain.intent_names if _turn_acts(policy, domain, i))


def _turn_acts(policy: NextActionPredictor, domain: Domain, intent: str) -> bool:
    said = UserUttered(text=intent, parse_data=ParseResult(intent, IntentPrediction(intent, 1.0)))
    tracker = Tracker(
        ConversationId("acting-intents"),
        (ActionExecuted(name=ACTION_LISTEN), said),
        domain.initial_slots,
    )
    for _ in range(TURN_LENGTH):
        action = policy.predict(tracker, domain).action
        if action is None or action == ACTION_LISTEN:
            return False
        if action in domain.forms or action in domain.actions:
            return True
        tracker = tracker.appended(ActionExecuted(name=action))
    return False


def with_knowledge_routing(
    interpreter: Interpreter,
    nlg: object,
    domain: Domain,
    policy: NextActionPredictor,
) -> Interpreter:
    """``interpreter`` routed to the knowledge answer when ``nlg`` answers from knowledge."""
    if not isinstance(nlg, LLMNLG) or nlg.knowledge is None or not nlg.settings.answer_responses:
        return interpreter
    return KnowledgeRoutedInterpreter(
        interpreter,
        nlg.knowledge,
        knowledge_intent(domain.intent_names),
        nlg.settings.route_min_score,
        nlg.settings.route_below_confidence,
        acting=acting_intents(policy, domain),
    )
