"""The LLM NLG: templates stay the source of truth; a language model may reword or answer.

``LLMNLG`` composes a :class:`~nlg.template.TemplateNLG` (facts), a
:class:`~nlg.interfaces.TextGenerator` (wording), a :class:`~nlg.guard.FactGuard`
and an :class:`~nlg.hygiene.OutputFilter`. For each response the template is
rendered first, then:

* **answer** (responses listed in ``answer_responses``, e.g. out-of-scope): the
  passages of the knowledge folder closest to the customer's message ground a
  generated answer; no close passage, or an answer they do not support, sends
  the template (the domain's fallback response for that turn);
* **rephrase** (responses with ``metadata: {rephrase: true}``, or all text
  responses with ``rephrase: all``): the template is reworded to fit the last
  turns; a rewording that the guard rejects sends the template;
* anything else is the template, untouched.

Candidates: ``candidates`` replies are decoded (greedy for one, else sampled
with seeds 0..k-1); those passing the guard and the filter are scored
``0.7 * overlap + 0.3 * length_fit`` where ``overlap`` is the F1 of content words
shared with the template (or the passages) and ``length_fit`` is
``1 - |words/reference_words - 1|`` clipped to [0, 1]; the best is sent.

Each message records what happened in ``metadata["nlg"]``: ``source``
(``llm``/``template``), ``mode``, ``reason`` and ``replaced`` (LLM tokens were
streamed for it, but the template was sent instead). A deadline, a backend error
or a rejected reply never costs the conversation its message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from dialogue.tracker import Tracker
from nlg.errors import GenerationError
from nlg.guard import FactGuard, Verdict, content_words
from nlg.hygiene import OutputFilter
from nlg.interfaces import BotMessage, ChatMessage, GenerationRequest, TextGenerator
from nlg.knowledge import KnowledgeBase
from nlg.prompts import DEFAULT_PERSONA, answer_prompt, history, rephrase_prompt
from nlg.streaming import current_stream
from nlg.template import TemplateNLG

log = logging.getLogger(__name__)

Mode = Literal["rephrase", "answer"]


@dataclass(frozen=True)
class LLMSettings:
    rephrase: Literal["flagged", "all", "none"] = "flagged"
    answer_responses: tuple[str, ...] = ()
    system_prompt: str = DEFAULT_PERSONA
    history_turns: int = 4
    history_tokens: int = 200
    candidates: int = 1
    temperature: float = 0.7
    max_new_tokens: int = 60
    deadline: float = 6.0
    top_passages: int = 2
    min_passage_score: float = 0.35


@dataclass(frozen=True)
class Draft:
    """What a generation produced, and whether its tokens went out on the turn's stream."""

    text: str
    streamed: bool


def score(candidate: str, reference: str) -> float:
    """The documented candidate score: content-word F1 with the reference, and length fit."""
    got, want = set(content_words(candidate)), set(content_words(reference))
    shared = len(got & want)
    overlap = 0.0 if not shared else 2 * shared / (len(got) + len(want))
    ratio = len(candidate.split()) / max(len(reference.split()), 1)
    return 0.7 * overlap + 0.3 * max(0.0, 1 - abs(ratio - 1))


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

    async def _rephrase(
        self, message: BotMessage, tracker: Tracker, extra: Mapping[str, Any]
    ) -> BotMessage:
        template = message.text or ""
        lines = history(tracker, self.settings.history_turns, self.settings.history_tokens)
        prompt = rephrase_prompt(self.settings.system_prompt, template, lines)
        slot_values = [str(v) for v in {**tracker.slots, **extra}.values() if v is not None]

        def verdict(text: str) -> Verdict:
            checked = self.guard.check(template, text, slot_values)
            return checked if not checked.ok else self.output_filter.check(text, [template])

        return await self._best(message, "rephrase", prompt, template, verdict)

    async def _answer(self, message: BotMessage, tracker: Tracker) -> BotMessage:
        latest = tracker.latest_message
        question = latest.text if latest is not None and latest.text else ""
        if self.knowledge is None or not question.strip():
            return _annotated(message, "answer", "template", "no knowledge to ground on")
        passages = await self.knowledge.asearch(
            question, self.settings.top_passages, self.settings.min_passage_score
        )
        if not passages:
            return _annotated(message, "answer", "template", "no passage is close enough")
        texts = [p.text for p in passages]
        prompt = answer_prompt(self.settings.system_prompt, question, texts)

        def verdict(text: str) -> Verdict:
            checked = self.guard.check_grounded(text, texts, question)
            return checked if not checked.ok else self.output_filter.check(text, texts)

        sources = {"sources": sorted({p.source for p in passages})}
        best = await self._best(message, "answer", prompt, " ".join(texts), verdict)
        return replace(best, metadata={**best.metadata, "nlg": {**best.metadata["nlg"], **sources}})

    async def _best(
        self,
        message: BotMessage,
        mode: Mode,
        prompt: tuple[ChatMessage, ...],
        reference: str,
        verdict: Callable[[str], Verdict],
    ) -> BotMessage:
        try:
            async with asyncio.timeout(self.settings.deadline):
                drafts = await self._drafts(prompt)
        except TimeoutError:
            return _annotated(message, mode, "template", "deadline", replaced=_streamed())
        except GenerationError as e:
            log.warning("LLM generation failed, sending the template: %s", e)
            return _annotated(message, mode, "template", f"backend: {e}", replaced=_streamed())
        judged = [(d, verdict(d.text)) for d in drafts]
        passing = [d for d, v in judged if v.ok]
        streamed = any(d.streamed for d in drafts)
        if not passing:
            reasons = "; ".join(r for _, v in judged for r in v.reasons)
            return _annotated(message, mode, "template", reasons, replaced=streamed)
        best = max(passing, key=lambda d: score(d.text, reference))
        return _annotated(replace(message, text=best.text), mode, "llm", None)

    async def _drafts(self, prompt: tuple[ChatMessage, ...]) -> list[Draft]:
        k = max(1, self.settings.candidates)
        if k == 1:
            return [await self._decode(self._request(prompt, None), stream=True)]
        requests = [self._request(prompt, seed) for seed in range(k)]
        return list(await asyncio.gather(*(self._decode(r, stream=False) for r in requests)))

    def _request(self, prompt: tuple[ChatMessage, ...], seed: int | None) -> GenerationRequest:
        return GenerationRequest(
            messages=prompt,
            max_new_tokens=self.settings.max_new_tokens,
            temperature=0.0 if seed is None else self.settings.temperature,
            seed=seed,
        )

    async def _decode(self, request: GenerationRequest, stream: bool) -> Draft:
        turn_stream = current_stream() if stream else None
        pieces: list[str] = []
        iterator = self.generator.stream(request)
        try:
            async for piece in iterator:
                pieces.append(piece)
                if turn_stream is not None:
                    turn_stream.token(piece)
        finally:
            await iterator.aclose()  # type: ignore[attr-defined]
        return Draft("".join(pieces).strip(), streamed=turn_stream is not None and bool(pieces))


def _streamed() -> bool:
    stream = current_stream()
    return stream is not None and stream.drafted


def _annotated(
    message: BotMessage, mode: Mode, source: str, reason: str | None, replaced: bool = False
) -> BotMessage:
    note: dict[str, Any] = {"source": source, "mode": mode, "replaced": replaced}
    if reason:
        note["reason"] = reason
    return replace(message, metadata={**message.metadata, "nlg": note})
