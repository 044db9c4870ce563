"""The LLM NLG: templates stay the source of truth; a language model may add or answer.

``LLMNLG`` composes a :class:`~nlg.template.TemplateNLG` (facts), a
:class:`~nlg.interfaces.TextGenerator` (wording), a :class:`~nlg.guard.FactGuard`
and an :class:`~nlg.hygiene.OutputFilter`. For each response the template is
rendered first, then:

* **rephrase** (responses with ``metadata: {rephrase: true}``, or all text
  responses with ``rephrase: all``). With ``rephrase_style: lead_in`` (the
  default) the model writes one short acknowledging sentence that goes in front
  of the template, unchanged; :func:`nlg.leadin.check_leadin` keeps it free of
  facts, negations and claims, and the guard checks the whole reply against the
  template. With ``rephrase_style: rewrite`` the model rewords the template and
  the guard checks the rewording. ``candidates`` drafts are decoded in one batch
  (the first greedy, the others sampled with seeds 1..k-1, so the same
  conversation always gets the same drafts); the first that passes, in seed
  order, is sent. None passes: the template.
* **answer** (responses listed in ``answer_responses``, e.g. out-of-scope): the
  passages of the knowledge folder closest to the customer's message ground an
  answer. The model's answer is released sentence by sentence, each sentence
  checked against the passages first (:func:`nlg.verified.decode_verified`); if
  its first sentence fails, the reply is the passages' own closest sentences,
  naming their source (extractive). No close passage: the template (the
  domain's honest "I don't know" for that turn).

Nothing unverified is shown: rephrasings stream nothing while they are decoded,
and answers stream only sentences that have passed their check, so what a
client saw is always a prefix of the message that is finally sent.

Each message records what happened in ``metadata["nlg"]``: ``source``
(``llm``/``template``/``extract``), ``mode``, ``reason``, ``refusals`` (the
checks' reason categories, counted in ``/metrics``) and ``sources``. A
deadline, a backend error or a refused draft never costs the conversation its
message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any, Literal

from dialogue.events import UserUttered
from dialogue.tracker import Tracker
from nlg.errors import GenerationError
from nlg.facts import extract_facts
from nlg.guard import FactGuard, Verdict
from nlg.hygiene import OutputFilter
from nlg.interfaces import BotMessage, ChatMessage, GenerationRequest, TextGenerator
from nlg.knowledge import KnowledgeBase, Sentence
from nlg.leadin import allowed_words, check_leadin, first_sentence, is_yes_no_question
from nlg.prompts import DEFAULT_PERSONA, answer_prompt, history, leadin_prompt, rephrase_prompt
from nlg.template import TemplateNLG
from nlg.verified import Released, decode_verified, decode_whole

log = logging.getLogger(__name__)

Mode = Literal["rephrase", "answer"]
SENTENCE_ENDS = (".", "!", "?", "\n")
Source = Literal["llm", "template", "extract"]


@dataclass(frozen=True)
class LLMSettings:
    rephrase: Literal["flagged", "all", "none"] = "flagged"
    rephrase_style: Literal["lead_in", "rewrite"] = "lead_in"
    answer_responses: tuple[str, ...] = ()
    system_prompt: str = DEFAULT_PERSONA
    history_turns: int = 4
    history_tokens: int = 200
    candidates: int = 4
    temperature: float = 0.7
    max_new_tokens: int = 60
    leadin_tokens: int = 24
    constrain_leadins: bool = True
    deadline: float = 6.0
    top_passages: int = 2
    min_passage_score: float = 0.35
    answer_min_score: float = 0.5
    generate_answers: bool = True
    route_min_score: float = 0.55
    route_below_confidence: float = 0.9


class LLMNLG:
    """Satisfies :class:`~nlg.interfaces.NaturalLanguageGenerator`; see the module docstring."""

    def __init__(
        self,
        templates: TemplateNLG,
        generator: TextGenerator,
        settings: LLMSettings | None = None,
        knowledge: KnowledgeBase | None = None,
        guard: FactGuard | None = None,
    ) -> None:
        self.templates = templates
        self.generator = generator
        self.settings = settings or LLMSettings()
        self.knowledge = knowledge
        self.guard = guard or FactGuard()
        self.output_filter = OutputFilter(self.settings.system_prompt)

    async def generate(
        self, response: str, tracker: Tracker, channel: str | None = None, **kwargs: Any
    ) -> BotMessage | None:
        message = await self.templates.generate(response, tracker, channel, **kwargs)
        if message is None or message.text is None:
            return message
        mode = self._mode(response, message)
        if mode == "answer":
            return await self._answer(message, tracker)
        if mode == "rephrase":
            return await self._rephrase(message, tracker, kwargs)
        return message

    async def close(self) -> None:
        await self.generator.close()

    def _mode(self, response: str, message: BotMessage) -> Mode | None:
        if response in self.settings.answer_responses:
            return "answer"
        flagged = bool(message.metadata.get("rephrase"))
        wanted = {"all": True, "flagged": flagged, "none": False}[self.settings.rephrase]
        return "rephrase" if wanted else None

    # -- rephrasing -----------------------------------------------------------------------

    async def _rephrase(
        self, message: BotMessage, tracker: Tracker, extra: Mapping[str, Any]
    ) -> BotMessage:
        template = message.text or ""
        customer = _request_text(tracker)
        slot_values = [str(v) for v in {**tracker.slots, **extra}.values() if v is not None]
        lead_in = self.settings.rephrase_style == "lead_in"
        if lead_in and is_yes_no_question(customer):
            return _annotated(message, "rephrase", "template", note=YES_NO_NOTE)
        if lead_in:
            prompt = leadin_prompt(self.settings.system_prompt, customer, template)
        else:
            lines = history(tracker, self.settings.history_turns, self.settings.history_tokens)
            prompt = rephrase_prompt(self.settings.system_prompt, template, lines)

        def candidate(draft: str) -> tuple[str, Verdict]:
            if not lead_in:
                return draft, self._checked(template, draft, slot_values)
            sentence = first_sentence(draft)
            verdict = check_leadin(sentence, customer, template)
            text = f"{sentence} {template}"
            if not verdict.ok:
                return text, verdict
            return text, self._checked(template, text, slot_values, extra_words=16)

        budget = self.settings.leadin_tokens if lead_in else self.settings.max_new_tokens
        constrained = lead_in and self.settings.constrain_leadins
        words = allowed_words(customer, template) if constrained else None
        return await self._best(message, prompt, budget, candidate, lead_in, words)

    def _checked(
        self, template: str, text: str, slot_values: Sequence[str], extra_words: int = 0
    ) -> Verdict:
        """The guard's and the output filter's verdict; ``extra_words`` widens the length limit."""
        guard = self.guard
        if extra_words:
            words = max(len(template.split()), 1)
            guard = replace(guard, max_ratio=max(guard.max_ratio, (words + extra_words) / words))
        verdict = guard.check(template, text, slot_values)
        return verdict if not verdict.ok else self.output_filter.check(text, [template])

    async def _best(
        self,
        message: BotMessage,
        prompt: tuple[ChatMessage, ...],
        max_new_tokens: int,
        candidate: Callable[[str], tuple[str, Verdict]],
        one_sentence: bool,
        words: frozenset[str] | None,
    ) -> BotMessage:
        k = max(1, self.settings.candidates)
        stop_at = SENTENCE_ENDS if one_sentence else ()
        requests = [
            replace(self._request(prompt, max_new_tokens, seed, stop_at), allowed_words=words)
            for seed in range(k)
        ]
        try:
            async with asyncio.timeout(self.settings.deadline):
                drafts = await asyncio.gather(*(decode_whole(self.generator, r) for r in requests))
        except TimeoutError:
            return _annotated(
                message, "rephrase", "template", Verdict(False, ("deadline",), ("deadline",))
            )
        except GenerationError as e:
            log.warning("LLM generation failed, sending the template: %s", e)
            failed = Verdict(False, (f"backend: {e}",), ("backend",))
            return _annotated(message, "rephrase", "template", failed)
        refused: list[Verdict] = []
        for draft in drafts:  # seed order: greedy first
            text, verdict = candidate(draft)
            if verdict.ok:
                return _annotated(replace(message, text=text), "rephrase", "llm")
            refused.append(verdict)
        return _annotated(message, "rephrase", "template", *refused)

    def _request(
        self,
        prompt: tuple[ChatMessage, ...],
        max_new_tokens: int,
        seed: int,
        stop_at: tuple[str, ...] = (),
    ) -> GenerationRequest:
        return GenerationRequest(
            messages=prompt,
            max_new_tokens=max_new_tokens,
            temperature=0.0 if seed == 0 else self.settings.temperature,
            seed=None if seed == 0 else seed,
            stop_at=stop_at,
        )

    # -- answers from the knowledge folder -----------------------------------------------

    async def _answer(self, message: BotMessage, tracker: Tracker) -> BotMessage:
        question = _latest_user_text(tracker)
        if self.knowledge is None or not question.strip():
            return _annotated(message, "answer", "template", note="no knowledge to ground on")
        passages = await self.knowledge.asearch(
            question, self.settings.top_passages, self.settings.min_passage_score
        )
        closest = await asyncio.to_thread(self.knowledge.best_sentence_score, question)
        if closest < self.settings.answer_min_score:
            passages = []
        if not passages:
            return _annotated(message, "answer", "template", note="no passage is close enough")
        texts = [p.text for p in passages]
        released = await self._generated_answer(question, texts)
        if released is not None and released.text:
            answered = replace(message, text=released.text)
            refused = () if released.refused is None else (released.refused,)
            sources = sorted({p.source for p in passages})
            return _with_sources(_annotated(answered, "answer", "llm", *refused), sources)
        extracted = await asyncio.to_thread(self.knowledge.extract, question)
        refused = () if released is None or released.refused is None else (released.refused,)
        answered = _extractive(message, extracted, *refused)
        return _with_sources(answered, sorted({s.source for s in extracted}))

    async def _generated_answer(self, question: str, texts: list[str]) -> Released | None:
        """The model's answer, released sentence by sentence (``None``: not asked or failed)."""
        if not self.settings.generate_answers:
            return None
        prompt = answer_prompt(self.settings.system_prompt, question, texts)
        request = self._request(prompt, self.settings.max_new_tokens, 0)

        def unit_check(sentence: str, released: Sequence[str]) -> Verdict:
            verdict = self.guard.check_grounded(sentence, texts, question)
            return verdict if not verdict.ok else self.output_filter.check(sentence, texts)

        try:
            async with asyncio.timeout(self.settings.deadline):
                return await decode_verified(self.generator, request, unit_check)
        except (TimeoutError, GenerationError) as e:
            log.warning("LLM answer failed, answering from the passages: %r", e)
            return None


def _with_sources(message: BotMessage, sources: list[str]) -> BotMessage:
    note = {**message.metadata["nlg"], "sources": sources}
    return replace(message, metadata={**message.metadata, "nlg": note})


def _extractive(
    message: BotMessage, sentences: Sequence[Sentence], *refused: Verdict
) -> BotMessage:
    if not sentences:
        return _annotated(message, "answer", "template", *refused, note="no sentence to extract")
    heading = sentences[0].heading or sentences[0].source.rsplit(".", 1)[0]
    body = " ".join(s.text for s in sentences)
    text = f"{body} (from our {heading.lower()} information)"
    return _annotated(replace(message, text=text), "answer", "extract", *refused)


def _latest_user_text(tracker: Tracker) -> str:
    latest = tracker.latest_message
    return latest.text if latest is not None and latest.text else ""


def _request_text(tracker: Tracker, lookback: int = 3) -> str:
    """What the customer asked that this reply answers, for its lead-in.

    Usually the latest message; but when that message only gives a value the bot
    asked for ("jane.doe@example.com", "it's PO-48213"), the reply answers the
    request before it ("ugh, still waiting on my boots"), which is what a lead-in
    should acknowledge. Looks back at most ``lookback`` messages of this session.
    """
    recent = islice(_user_texts(tracker), lookback)
    request = next((text for text in recent if not _only_gives_a_value(text)), None)
    return request if request is not None else _latest_user_text(tracker)


def _user_texts(tracker: Tracker) -> Iterator[str]:
    """The texts of this session's user messages, latest first."""
    for event in reversed(tracker.events_after_latest_session_start()):
        if isinstance(event, UserUttered) and event.text:
            yield event.text


_FILLER = frozenset(
    {
        *("it", "it's", "its", "is", "my", "the", "a", "this", "that's", "here", "you", "go"),
        *("sure", "ok", "okay", "yes", "email", "address", "order", "number", "id", "mine"),
        *("please", "thanks"),
    }
)


def _only_gives_a_value(text: str) -> bool:
    """``text`` states a fact (email, id, number) and, besides it, only filler words."""
    facts = extract_facts(text)
    for fact in facts:
        text = text.replace(fact, " ")
    words = {w.strip(".,!?:;\"'").lower() for w in text.split()}
    return bool(facts) and words - {""} <= _FILLER


YES_NO_NOTE = "a yes/no question: the template answers it without a lead-in"


def _annotated(
    message: BotMessage, mode: Mode, source: Source, *refused: Verdict, note: str | None = None
) -> BotMessage:
    """``message`` with ``metadata.nlg``: where it came from, and what was refused on the way.

    ``refusals`` lists the refused drafts' reason categories, once each (counted in
    ``/metrics``); ``reason`` their reasons, or ``note`` when nothing was refused.
    """
    meta: dict[str, Any] = {"source": source, "mode": mode}
    reasons = [r for verdict in refused for r in verdict.reasons]
    if reasons or note:
        meta["reason"] = "; ".join(reasons) if reasons else note
    if reasons:
        meta["refusals"] = list(dict.fromkeys(c for v in refused for c in v.categories))
    return replace(message, metadata={**message.metadata, "nlg": meta})
