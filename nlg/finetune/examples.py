"""The NLG training set: the prompts the runtime sends, with the replies it should get.

A project teaches the model in the runtime's own prompts (:mod:`nlg.prompts`), so
what is learnt is exactly what is asked at run time:

* ``lead_in``: :func:`~nlg.prompts.leadin_prompt` for a customer message that
  leads to a rephrased response, answered with a lead-in that
  :func:`~nlg.leadin.check_leadin` accepts in front of that template and that
  uses only the words constrained decoding allows. The lead-ins come from the
  few-shot examples and from the transcripts' opening sentences; each context
  gets the one whose customer message is most like its own.
* ``rewrite``: :func:`~nlg.prompts.rephrase_prompt` for a template, answered
  with another variant of the same response (itself when it has one variant).
* ``answer``: :func:`~nlg.prompts.answer_prompt` with the knowledge passages
  closest to a customer question, answered with the passage's own sentences.
* ``reply``: a ``data/nlg`` transcript as a chat, answered with its response.

Facts are what the runtime keeps verbatim: lead-ins never carry one, rewrites
and answers copy them from the prompt, and a fact in a transcript's response
that its context does not give becomes a ``{placeholder}`` like a template's
slot, so the model learns to leave a gap, never to invent a number.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from nlg.facts import fact_spans
from nlg.finetune.transcripts import Transcript, last_user_text
from nlg.hygiene import quote_user_text
from nlg.interfaces import ChatMessage
from nlg.leadin import allowed_words, check_leadin, first_sentence
from nlg.prompts import (
    LEADIN_EXAMPLES,
    HistoryLine,
    answer_prompt,
    leadin_prompt,
    rephrase_prompt,
)

Kind = Literal["lead_in", "rewrite", "answer", "reply"]
ALL_KINDS: frozenset[Kind] = frozenset({"lead_in", "rewrite", "answer", "reply"})
PLACEHOLDERS = {
    "url": "{link}",
    "email": "{email}",
    "phone": "{phone}",
    "money": "{amount}",
    "order id": "{order_number}",
    "date": "{date}",
    "time": "{time}",
    "number": "{number}",
}
REUSE_PENALTY = 0.05
_WORD = re.compile(r"[a-z']+")
_KEYWORD = re.compile(r"[a-z][a-z-]{3,}")


@dataclass(frozen=True)
class NLGExample:
    """One prompt and the reply the model should give; ``source`` says where it came from.

    ``customer`` and ``template`` are kept for evaluation: the guard checks a
    lead-in or a rewording of ``template`` as the reply to ``customer``.
    """

    kind: Kind
    prompt: tuple[ChatMessage, ...]
    target: str
    source: str
    customer: str = ""
    template: str = ""


@dataclass(frozen=True)
class NLGSources:
    """What a project offers to learn from, as plain data.

    ``templates``: the rephrased responses, name to text variants; ``contexts``:
    response name to the customer messages that lead to it; ``passages``: the
    knowledge folder's passages; ``questions``: customer messages that may be
    answered from them; ``transcripts``: the ``data/nlg`` examples.
    """

    templates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    contexts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    passages: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    transcripts: tuple[Transcript, ...] = ()


def build_examples(
    sources: NLGSources, persona: str, kinds: Iterable[Kind] = ALL_KINDS, per_response: int = 12
) -> list[NLGExample]:
    """The examples of ``kinds``, without duplicates, in a stable order.

    ``per_response`` caps the customer messages used for each response.
    """
    wanted = set(kinds)
    found: list[NLGExample] = []
    if "lead_in" in wanted:
        found += leadin_examples(sources, persona, per_response)
    if "rewrite" in wanted:
        found += rewrite_examples(sources, persona, per_response)
    if "answer" in wanted:
        found += answer_examples(sources, persona)
    if "reply" in wanted:
        found += [reply_example(t, persona) for t in sources.transcripts]
    unique = {(e.prompt, e.target): e for e in found}
    return list(unique.values())


def leadin_examples(sources: NLGSources, persona: str, per_response: int) -> list[NLGExample]:
    pool = leadin_pool(sources.transcripts)
    found = []
    for transcript in sources.transcripts:
        customer = last_user_text(transcript.context)
        lead = first_sentence(transcript.response)
        rest = transcript.response[len(lead) :].strip()
        if check_leadin(lead, customer, rest).ok:
            prompt = leadin_prompt(persona, customer, rest)
            found.append(NLGExample("lead_in", prompt, lead, transcript.source, customer, rest))
    used: Counter[str] = Counter()
    for name, variants in sorted(sources.templates.items()):
        for n, customer in enumerate(sources.contexts.get(name, ())[:per_response]):
            template = variants[n % len(variants)]
            best = best_leadin(pool, customer, template, used)
            if best is not None:
                used[best] += 1
                prompt = leadin_prompt(persona, customer, template)
                source = f"responses:{name}"
                found.append(NLGExample("lead_in", prompt, best, source, customer, template))
    return found


def leadin_pool(transcripts: Sequence[Transcript]) -> list[tuple[str, str]]:
    """``(customer message, lead-in)`` pairs: the few-shot ones and the transcripts' openings."""
    pool = list(LEADIN_EXAMPLES)
    for transcript in transcripts:
        customer = last_user_text(transcript.context)
        lead = first_sentence(transcript.response)
        if check_leadin(lead, customer, "").ok:
            pool.append((customer, lead))
    return pool


def best_leadin(
    pool: Sequence[tuple[str, str]], customer: str, template: str, used: Counter[str] | None = None
) -> str | None:
    """The accepted lead-in whose customer message shares most words with ``customer``;
    each earlier use (``used``) counts against a lead-in, so contexts get varied ones."""
    allowed = allowed_words(customer, template)
    words = set(_WORD.findall(customer.lower()))
    best: tuple[float, str] | None = None
    for said, lead in pool:
        if not set(_WORD.findall(lead.lower())) <= allowed:
            continue
        if not check_leadin(lead, customer, template).ok:
            continue
        theirs = set(_WORD.findall(said.lower()))
        score = len(words & theirs) / max(len(words | theirs), 1) - REUSE_PENALTY * (
            used[lead] if used else 0
        )
        if best is None or score > best[0]:
            best = (score, lead)
    return None if best is None else best[1]


def rewrite_examples(sources: NLGSources, persona: str, per_response: int) -> list[NLGExample]:
    found = []
    for name, variants in sorted(sources.templates.items()):
        for n, customer in enumerate(sources.contexts.get(name, ("",))[:per_response]):
            template = variants[n % len(variants)]
            target = variants[(n + 1) % len(variants)]
            lines = [HistoryLine("Customer", quote_user_text(customer, 400))] if customer else []
            prompt = rephrase_prompt(persona, template, lines)
            source = f"responses:{name}"
            found.append(NLGExample("rewrite", prompt, target, source, customer, template))
    return found


def answer_examples(sources: NLGSources, persona: str, top: int = 2) -> list[NLGExample]:
    """Questions paired with the passages that share most keywords, answered by their sentences."""
    found = []
    for question in sources.questions:
        asked = _keywords(question)
        ranked = sorted(sources.passages, key=lambda p: -len(asked & _keywords(p)))[:top]
        if not ranked or len(asked & _keywords(ranked[0])) < 2:
            continue
        answer = _answer_sentences(ranked[0], asked)
        prompt = answer_prompt(persona, question, ranked)
        found.append(NLGExample("answer", prompt, answer, "knowledge", question, ranked[0]))
    return found


def _answer_sentences(passage: str, asked: frozenset[str]) -> str:
    from nlg.knowledge import sentences_of

    sentences = sentences_of(passage)
    scored = sorted(sentences, key=lambda s: -len(asked & _keywords(s)))
    best = [s for s in sentences if s in scored[:2] and asked & _keywords(s)]
    return " ".join(best or sentences[:1])


def reply_example(transcript: Transcript, persona: str) -> NLGExample:
    said = " ".join(t.text for t in transcript.context)
    messages = [ChatMessage("system", persona)]
    for turn in transcript.context:
        if turn.role == "user":
            messages.append(ChatMessage("user", quote_user_text(turn.text)))
        else:
            messages.append(ChatMessage("assistant", turn.text))
    target = unseen_facts_as_placeholders(transcript.response, said)
    customer = last_user_text(transcript.context)
    return NLGExample("reply", tuple(messages), target, transcript.source, customer)


def unseen_facts_as_placeholders(text: str, context: str) -> str:
    """``text`` with each fact that ``context`` does not contain replaced by its placeholder."""
    out, end = [], 0
    for span in fact_spans(text):
        if span.text in context:
            continue
        out += [text[end : span.start], PLACEHOLDERS[span.kind]]
        end = span.end
    return "".join(out) + text[end:]


def _keywords(text: str) -> frozenset[str]:
    return frozenset(w.rstrip("s") for w in _KEYWORD.findall(text.lower()))


def split_examples(
    examples: Sequence[NLGExample], share: float, seed: int = 0
) -> tuple[list[NLGExample], list[NLGExample]]:
    """``(train, validation)``: examples whose last prompt message hashes into ``share`` are held
    out, so one customer message never sits on both sides. Both keep a stable, seeded order."""
    train: list[NLGExample] = []
    held: list[NLGExample] = []
    for example in examples:
        key = f"{seed}:{example.prompt[-1].content}".encode()
        bucket = int(hashlib.sha256(key).hexdigest()[:8], 16) / 0xFFFFFFFF
        (held if bucket < share else train).append(example)
    if not held and len(train) > 1:
        held.append(train.pop())
    rng = random.Random(seed)
    rng.shuffle(train)
    return train, held


def sample(
    examples: Sequence[NLGExample],
    limit: int,
    seed: int = 0,
    rank: Callable[[NLGExample], int] = lambda _e: 0,
) -> list[NLGExample]:
    """At most ``limit`` of ``examples`` in their original order: lower ``rank`` first, ties
    chosen with ``seed``."""
    if len(examples) <= limit:
        return list(examples)
    rng = random.Random(seed)
    order = sorted(range(len(examples)), key=lambda i: (rank(examples[i]), rng.random()))
    return [examples[i] for i in sorted(order[:limit])]
