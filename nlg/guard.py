"""The fact guard: may this LLM text be sent in place of the template it rephrases?

Templates are where the business states facts. A rephrasing passes only when

* every fact of the template appears in it *unchanged* (same characters): numbers
  and number ranges (``3-5``), money (``$4.95``), dates, times (``8am-8pm``), order
  ids (``PO-12345``), emails, URLs, and every filled slot value the template shows;
* every quantity keeps the word that followed it (``3-5 business days`` may not
  become ``3-5 days``, ``warehouse 7`` may not become ``7 pounds``);
* it adds no number, spelled-out number, URL or email the template does not have;
* its length stays within ``[min_ratio, max_ratio]`` times the template's words.

:meth:`FactGuard.check_grounded` applies the same "no new facts" rule to an
answer written from retrieved passages, and also asks that most of its content
words come from them, that a negated sentence has a negated passage sentence
about the same thing (so "we accept PayPal" cannot turn into "we do not"), and
that it does more than repeat the question. The guard is pure string work,
deterministic and fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_URL = r"(?:https?://|www\.)[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_MONEY = r"[$€£]\s?\d[\d,]*(?:\.\d+)?"
# Order ids, tracking numbers, SKUs: one token of capitals and digits with both in it.
_ORDER_ID = r"\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9][A-Z0-9-]{3,}\b"
_DATE = r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"
_TIME_RANGE = r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)(?:\s?-\s?\d{1,2}(?::\d{2})?\s?(?:am|pm))?"
_NUMBER_RANGE = r"\d+(?:[.,]\d+)*(?:\s?(?:-|\u2013|to)\s?\d+(?:[.,]\d+)*)?"
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_MONTH_DAY = rf"\b(?:{_MONTHS})\s+{_DAY}\b|\b{_DAY}\s+(?:{_MONTHS})\b"

FACT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE if name in {"date", "time"} else 0))
    for name, pattern in (
        ("url", _URL),
        ("email", _EMAIL),
        ("money", _MONEY),
        ("order id", _ORDER_ID),
        ("date", f"{_DATE}|{_MONTH_DAY}"),
        ("time", _TIME_RANGE),
        ("number", _NUMBER_RANGE),
    )
)


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBER_WORDS = _wordset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred thousand million dozen once twice half"
)
_WORD = re.compile(r"[a-z0-9']+")
_STOPWORDS = _wordset(
    "a an the and or but if of to in on at for from by with about as is are was were be been "
    "it its this that these those you your we our us i me my they them their he she his her "
    "can will would could should may might do does did have has had not no so than then there "
    "here what which who when where how all any some also just very more most into out up"
)
_NEGATIONS = _wordset("no not never cannot can't don't doesn't won't isn't aren't none nothing")
_QUANTITY = re.compile(r"(?<![\w-])([$€£]?\d(?:[\d.,/-]*\d)?%?)(?=[\s.,;:!?)]|$)")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Verdict:
    """The guard's answer: ``ok``, or the reasons the text must not be sent."""

    ok: bool
    reasons: tuple[str, ...] = ()

    @classmethod
    def of(cls, reasons: list[str]) -> Verdict:
        return cls(not reasons, tuple(reasons))


def extract_facts(text: str) -> list[str]:
    """Every fact string in ``text``, longest patterns first, without overlaps, in text order."""
    taken: list[tuple[int, int, str]] = []
    for _, pattern in FACT_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if not any(start < e and s < end for s, e, _ in taken):
                taken.append((start, end, match.group().strip()))
    return [fact for _, _, fact in sorted(taken)]


def _digit_groups(text: str) -> set[str]:
    return {m.group().rstrip(".,") for m in _DIGITS.finditer(text)}


def _links(text: str) -> set[str]:
    found = re.findall(_URL, text, re.IGNORECASE) + re.findall(_EMAIL, text)
    return {link.lower() for link in found}


def _number_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w in _NUMBER_WORDS}


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 2]


@dataclass(frozen=True)
class FactGuard:
    """Checks LLM text against the template or passages it must stay true to."""

    min_ratio: float = 0.5
    max_ratio: float = 2.0
    min_support: float = 0.6

    def check(self, template: str, candidate: str, slot_values: Iterable[str] = ()) -> Verdict:
        """May ``candidate`` be sent instead of ``template`` (with ``slot_values`` filled in)?"""
        required = self.required(template, slot_values)
        reasons = [f"changed or dropped {fact!r}" for fact in required if fact not in candidate]
        reasons += [
            f"{number!r} now counts something else" for number in _unanchored(template, candidate)
        ]
        reasons += self._new_facts(candidate, template)
        reasons += self._length(template, candidate)
        return Verdict.of(reasons)

    def required(self, template: str, slot_values: Iterable[str] = ()) -> list[str]:
        """The strings a rephrasing of ``template`` must keep verbatim."""
        shown = [str(v) for v in slot_values if str(v).strip() and str(v) in template]
        return list(dict.fromkeys(extract_facts(template) + shown))

    def check_grounded(self, answer: str, sources: Iterable[str], question: str = "") -> Verdict:
        """Is ``answer`` (to ``question``) supported by ``sources``? See the module docstring."""
        source_text = "\n".join(sources)
        reasons = self._new_facts(answer, source_text)
        words = content_words(answer)
        known = set(content_words(source_text))
        if not words:
            reasons.append("no content")
        elif (support := sum(w in known for w in words) / len(words)) < self.min_support:
            reasons.append(f"only {support:.0%} of its content words are in the sources")
        if words and set(words) <= set(content_words(question)):
            reasons.append("repeats the question")
        reasons += [
            f"negation not in the sources: {s!r}"
            for s in _unsupported_negations(answer, source_text)
        ]
        return Verdict.of(reasons)

    def _new_facts(self, candidate: str, reference: str) -> list[str]:
        reasons = [
            f"new number {n!r}" for n in sorted(_digit_groups(candidate) - _digit_groups(reference))
        ]
        reasons += [
            f"new number word {w!r}"
            for w in sorted(_number_words(candidate) - _number_words(reference))
        ]
        reasons += [f"new link {link!r}" for link in sorted(_links(candidate) - _links(reference))]
        return reasons

    def _length(self, template: str, candidate: str) -> list[str]:
        expected, got = len(template.split()), len(candidate.split())
        if got == 0:
            return ["empty"]
        if got < self.min_ratio * expected or got > max(self.max_ratio * expected, 8):
            return [f"length {got} words against the template's {expected}"]
        return []


def _units(text: str) -> dict[str, set[str | None]]:
    """Each plain quantity of ``text`` and the words right after it (``None``: no word).

    ``3-5 business days`` gives ``{"3-5": {"business"}}``; stopwords and
    punctuation count as no word, so ``$12.95.`` and ``$12.95 and`` agree.
    """
    found: dict[str, set[str | None]] = {}
    for match in _QUANTITY.finditer(text):
        following = re.match(r"[ \t]+([A-Za-z]+)", text[match.end() :])
        word = following.group(1).lower() if following else None
        found.setdefault(match.group(1).rstrip(".,/-"), set()).add(
            word if word not in _STOPWORDS else None
        )
    return found


def _unanchored(template: str, candidate: str) -> list[str]:
    """Quantities now followed by a word that never followed them, or missing their word."""
    wanted, got = _units(template), _units(candidate)
    moved = []
    for number, units in wanted.items():
        seen = got.get(number, set())
        named = units - {None}
        if seen - units - {None} or (named and not named & seen):
            moved.append(number)
    return moved


def _unsupported_negations(answer: str, sources: str) -> list[str]:
    negated = [s for s in _SENTENCE.split(sources) if _NEGATIONS & set(_WORD.findall(s.lower()))]
    unsupported = []
    for sentence in _SENTENCE.split(answer):
        if not _NEGATIONS & set(_WORD.findall(sentence.lower())):
            continue
        topic = set(content_words(sentence))
        if not any(len(topic & set(content_words(s))) >= min(2, len(topic)) for s in negated):
            unsupported.append(sentence.strip())
    return unsupported
