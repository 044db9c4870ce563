"""The fact guard: may this LLM text be sent in place of the template it rephrases?

Templates are where the business states facts. A rephrasing passes only when

* every fact of the template appears in it *unchanged* and as a whole token:
  numbers and ranges (``3-5``), money, dates, times, phone numbers, order ids
  (``PO-48213`` is not ``PO-48213-B``), emails, URLs, and every filled slot value
  the template shows (``Ana`` is not ``Anastasia``);
* it adds no number, spelled-out number, id, URL, email, proper name ("Portland,
  Maine") or speaker label ("Customer:", "A:") the template and slots lack;
* its meaning is the template's (:mod:`nlg.claims`, on the tokens of
  :mod:`nlg.meaning`): the same negations (``not``, ``no``, ``never``, ``n't``,
  ``cannot``, ``without``, ``no longer``), in the same claims; the same direction
  and comparison words (over/under, before/after, up to/at least, within/after,
  until/from, more/less, minimum/maximum); the same quantifiers (all/every/each not
  turned into some/few/only, no "only" or "some" added or dropped); no key word
  swapped for its opposite (open/closed, refunded/charged, free/fee, card/store
  credit, ... :data:`nlg.lexicon.ANTONYMS`) or brought in ("it's free!"); each
  quantity keeps the words on both sides (``3-5 business days``, ``$5 per order``,
  ``2.1 kg``, "over $50") and the words that set it apart from the other facts, so
  two prices, dates or phone numbers cannot trade places;
* every sentence either is a plain acknowledgement ("Sure, happy to help!", "I see
  you're asking about your order.") or is mostly made of the template's words;
* its length stays within ``[min_ratio, max_ratio]`` times the template's words.

:meth:`FactGuard.check_grounded` applies the same "no new facts" rule to an
answer written from retrieved passages, and asks that every claim (each clause
of each sentence) be supported by one passage sentence or clause: most of its
words (stemmed, with synonyms, ``2-year`` = ``2 years``) are there, with the same
polarity (an added *or a dropped* negation is refused), and no direction,
quantifier, opposite word or unit that the passage does not have. Each reason
comes with a category (:attr:`Verdict.categories`).

The guard is rules over words: deterministic, pure Python, under a millisecond
per check. **What it still cannot catch:** a change of meaning made with words
outside its lists (a verb swapped for an unlisted opposite, "ship" for
"collect"); a short invented phrase inside a sentence
that is otherwise the template's ("on its way" -> "on its way to the local
store"); a fact moved to another subject when nothing nearby tells the two
apart; wrong reasoning over correct facts ("free over $50, so your $30 order
ships free"); negation by a word it does not know ("fail to", "refuse to",
"lack"); hedges and tone ("probably", "guaranteed"); and anything not in English.
It also refuses some faithful rewordings: a negation said positively ("we do not
ship abroad" -> "we only ship domestically"), a dropped key word such as "free",
a number spelled out ("three" for "3"), a name the slots do not hold, and
"30 days after delivery" for "within 30 days of delivery".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from nlg import claims as meaning_checks
from nlg.facts import FACT_PATTERNS, extract_facts, fact_spans, has_whole
from nlg.lexicon import words
from nlg.meaning import ACK_WORDS, Tok, analyse, claims, content

__all__ = ["FACT_PATTERNS", "FactGuard", "Verdict", "content_words", "extract_facts"]

Reason = tuple[str, str]
_URL = r"(?:https?://|www\.)[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
# "Customer:", "Assistant:" anywhere, or a one-letter label ("A:", "Q:") opening a line.
_SPEAKER = re.compile(
    r"\b(?:customer|assistant|user|system|agent|bot|human|ai)\s*:|^\s*[A-Z]\s*:",
    re.IGNORECASE | re.MULTILINE,
)
# Reasons of :meth:`FactGuard.check` that more text may still answer.
_STILL_TO_COME = (
    "changed or dropped",
    "dropped claim word",
    "negation removed",
    "negation moved",
    "direction dropped",
    "quantifier dropped",
    "length",
)
_ID_KINDS = frozenset({"order id", "money", "date", "time", "phone", "email", "url"})


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBER_WORDS = _wordset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred thousand million dozen twice half"
)
_WORD = re.compile(r"[a-z0-9']+")
_STOPWORDS = _wordset(
    "a an the and or but if of to in on at for from by with about as is are was were be been "
    "it its this that these those you your we our us i me my they them their he she his her "
    "can will would could should may might do does did have has had not no so than then there "
    "here what which who when where how all any some also just very more most into out up"
)


@dataclass(frozen=True)
class Verdict:
    """The guard's answer: ``ok``, or the reasons the text must not be sent.

    ``categories`` runs parallel to ``reasons``: one stable name per reason
    ("polarity", "direction", "quantifier", "unit", "order", "antonym", "slot",
    "new fact", "dropped fact", "length", "support"; "other" when not given).
    """

    ok: bool
    reasons: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    @classmethod
    def of(cls, reasons: list[str], category: str = "other") -> Verdict:
        return cls(not reasons, tuple(reasons), (category,) * len(reasons))

    @classmethod
    def categorised(cls, pairs: Iterable[tuple[str, str]]) -> Verdict:
        """From ``(category, reason)`` pairs, repeated reasons once, in order."""
        unique = list(dict.fromkeys(pairs))
        return cls(not unique, tuple(r for _, r in unique), tuple(c for c, _ in unique))


def _digit_groups(text: str) -> set[str]:
    return {m.group().rstrip(".,") for m in _DIGITS.finditer(text)}


def _links(text: str) -> set[str]:
    found = re.findall(_URL, text, re.IGNORECASE) + re.findall(_EMAIL, text)
    return {link.lower() for link in found}


_NOT_A_NUMBER = re.compile(r"\bone (?=of\b)|\b(?:the|this|that|any|no|each|every) one\b")


def _number_words(text: str) -> set[str]:
    """Spelled-out numbers; "one of us", "this one" are not numbers."""
    words = _WORD.findall(_NOT_A_NUMBER.sub(" ", text.lower()))
    return {w for w in words if w in _NUMBER_WORDS}


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 2]


def _said(sentence: list[Tok]) -> str:
    words = [t.surface for i, t in enumerate(sentence) if i == 0 or t != sentence[i - 1]]
    said = " ".join(w for i, w in enumerate(words) if i == 0 or w != words[i - 1])
    return said.replace(" ,", ",").replace("( ", "(").replace(" )", ")")


@dataclass(frozen=True)
class FactGuard:
    """Checks LLM text against the template or passages it must stay true to."""

    min_ratio: float = 0.5
    max_ratio: float = 2.0
    min_support: float = 0.6
    min_sentence_support: float = 0.6
    min_topic_overlap: float = 0.34

    def check(self, template: str, candidate: str, slot_values: Iterable[str] = ()) -> Verdict:
        """May ``candidate`` be sent instead of ``template`` (with ``slot_values`` filled in)?"""
        pairs = [
            ("dropped fact", f"changed or dropped {fact!r}")
            for fact in extract_facts(template)
            if not has_whole(candidate, fact)
        ]
        pairs += _slots(template, candidate, slot_values)
        pairs += _new_names(template, candidate, slot_values)
        pairs += self._new_facts(candidate, template)
        pairs += self._length(template, candidate)
        pairs += [
            ("support", f"speaker label {label!r}")
            for label in _SPEAKER.findall(candidate)
            if label not in _SPEAKER.findall(template)
        ]
        pairs += self._rephrase_meaning(template, candidate)
        return Verdict.categorised(pairs)

    def check_prefix(self, template: str, prefix: str, slot_values: Iterable[str] = ()) -> Verdict:
        """May the first sentences of a rewording be shown before the rest is written?

        The checks of :meth:`check` that a later sentence cannot fix: no new or
        changed fact, no added negation, direction, quantifier or opposite word, no
        unit changed, no sentence the template does not support. What may still
        come (a fact, a negation or a key word not written yet, the length) is left
        to :meth:`check` on the whole text.
        """
        verdict = self.check(template, prefix, slot_values)
        kept = [
            (category, reason)
            for category, reason in zip(verdict.categories, verdict.reasons, strict=True)
            if not reason.startswith(_STILL_TO_COME)
        ]
        return Verdict.categorised(kept)

    def required(self, template: str, slot_values: Iterable[str] = ()) -> list[str]:
        """The strings a rephrasing of ``template`` must keep verbatim."""
        shown = [str(v) for v in slot_values if str(v).strip() and has_whole(template, str(v))]
        return list(dict.fromkeys(extract_facts(template) + shown))

    def check_grounded(self, answer: str, sources: Iterable[str], question: str = "") -> Verdict:
        """Is ``answer`` (to ``question``) supported by ``sources``? See the module docstring."""
        texts = list(sources)
        source_text = "\n".join(texts)
        pairs = self._new_facts(answer, source_text)
        stated = claims(analyse(answer))
        words = content_words(answer)
        if not stated or not words:
            pairs.append(("support", "no content"))
        elif set(words) <= set(content_words(question)):
            pairs.append(("support", "repeats the question"))
        units = [u for text in texts for s in claims(analyse(text)) for u in _units(s)]
        known = frozenset(w for s in units for w in content(s)) | frozenset(
            t.canon for s in units for t in s
        )
        for claim in stated:
            for piece in _pieces(claim):
                pairs += self._grounded_claim(piece, units, known)
        return Verdict.categorised(pairs)

    def _grounded_claim(
        self, claim: list[Tok], units: list[list[Tok]], known: frozenset[str]
    ) -> list[Reason]:
        words = content(claim)
        if not words:
            return []
        overall = sum(w in known for w in words) / len(words)
        best = max(units, key=lambda s: (_overlap(words, s), -len(s)), default=[])
        share = min(overall, _overlap(words, best))
        found: list[Reason] = []
        if overall < self.min_support or share < self.min_sentence_support:
            said = _said(claim)
            found.append(
                ("support", f"only {share:.0%} of its content words are in the sources: {said!r}")
            )
        if _overlap(words, best) < self.min_topic_overlap:
            return found  # about nothing the sources say: no sentence to compare it with
        return found + _claim_against(claim, best, known)

    def _rephrase_meaning(self, template: str, candidate: str) -> list[Reason]:
        ref = [t for s in claims(analyse(template)) for t in s]
        stated = claims(analyse(candidate))
        new = [t for s in stated for t in s]
        pairs = meaning_checks.polarity(ref, new, strict=True)
        pairs += meaning_checks.units(ref, new, strict=True)
        if not any(c == "direction" for c, _ in pairs):
            pairs += meaning_checks.directions(ref, new, strict=True)
        pairs += meaning_checks.quantifiers(ref, new, strict=True)
        pairs += meaning_checks.antonyms(ref, new, strict=True)
        pairs += meaning_checks.order(ref, new)
        for sentence in stated:
            said = [w for w in content(sentence) if w not in ACK_WORDS]
            if _overlap(said, analyse(template)) < self.min_sentence_support:
                pairs.append(("new fact", f"not in the template: {_said(sentence)!r}"))
        if not any(c == "polarity" for c, _ in pairs):
            pairs += self._moved_negations(template, stated)
        return pairs

    def _moved_negations(self, template: str, stated: list[list[Tok]]) -> list[Reason]:
        """A negation that moved to another claim: "A is free, B is not" -> "A is not, B is"."""
        sentences = claims(analyse(template))
        # The template's clauses cut as the candidate's are, so that a clause repeated
        # word for word always has itself to compare with.
        units = [u for s in sentences for u in (*_units(s), *_pieces(s))]
        pairs: list[Reason] = []
        for piece in (p for s in stated for p in _pieces(s)):
            words = content(piece)
            close = [u for u in units if _overlap(words, u) >= self.min_support]
            if close and all(meaning_checks.polarity(u, piece, strict=False) for u in close):
                pairs.append(("polarity", f"negation moved: {_said(piece)!r}"))
        return pairs

    def _new_facts(self, candidate: str, reference: str) -> list[Reason]:
        pairs = [
            ("new fact", f"new number {n!r}")
            for n in sorted(_digit_groups(candidate) - _digit_groups(reference))
        ]
        pairs += [
            ("new fact", f"new number word {w!r}")
            for w in sorted(_number_words(candidate) - _number_words(reference))
        ]
        pairs += [
            ("new fact", f"new link {link!r}")
            for link in sorted(_links(candidate) - _links(reference))
        ]
        known = set(extract_facts(reference))
        pairs += [
            ("new fact", f"new fact {span!r}")
            for span in dict.fromkeys(_id_facts(candidate))
            if span not in known and not has_whole(reference, span)
        ]
        return pairs

    def _length(self, template: str, candidate: str) -> list[Reason]:
        expected, got = len(template.split()), len(candidate.split())
        if got == 0:
            return [("length", "empty")]
        if got < self.min_ratio * expected or got > max(self.max_ratio * expected, 8):
            return [("length", f"length {got} words against the template's {expected}")]
        return []


def _id_facts(text: str) -> list[str]:
    return [s.text for s in fact_spans(text) if s.kind in _ID_KINDS]


def _claim_against(claim: list[Tok], best: list[Tok], known: frozenset[str]) -> list[Reason]:
    """What ``claim`` says differently from the source sentence it is closest to."""
    found = meaning_checks.polarity(best, claim, strict=False)
    if found and "added" in found[0][1]:
        found = [("polarity", f"negation not in the sources: {_said(claim)!r}")]
    elif found:
        found = [("polarity", f"negation dropped: the source says {_said(best)!r}")]
    found += meaning_checks.directions(best, claim, strict=False)
    found += meaning_checks.quantifiers(best, claim, strict=False)
    found += meaning_checks.antonyms(best, claim, strict=False, known=known)
    found += meaning_checks.units(best, claim, strict=False)
    return found


_AUX = words(
    "can could will would may might must should is are was were do does did have has we you it "
    "they not no never"
)


def _pieces(claim: list[Tok]) -> list[list[Tok]]:
    """A claim cut into its clauses: "we don't take cash, but you can pay with PayPal"."""
    subject = next((i for i, t in enumerate(claim) if t.canon in _AUX), 0)
    pieces, start = [], 0
    for i in range(1, len(claim) - 1):
        here, following = claim[i].canon, claim[i + 1].canon
        if here in {"and", "but", ","} and following in _AUX | {"if", "but"} and i > subject:
            pieces.append(claim[start:i])
            start = i + 1
    return [p for p in [*pieces, claim[start:]] if content(p)]


def _units(sentence: list[Tok]) -> list[list[Tok]]:
    """A source sentence and its clauses, each able to support a claim on its own.

    "charged when it ships, not when you order" also gives "charged when it ships";
    "gift cards never expire and can be used online" also gives "gift cards never
    expire" and "gift cards can be used online" (the subject carried over).
    """
    units = [sentence]
    subject = next((i for i, t in enumerate(sentence) if t.canon in _AUX), 0)
    for i in range(1, len(sentence) - 1):
        here, following = sentence[i].canon, sentence[i + 1].canon
        if here == "," and following == "not":
            units.append(sentence[:i])
        elif here in {"and", "but", ","} and following in _AUX and i > subject:
            units += [sentence[:i], sentence[:subject] + sentence[i + 1 :]]
    return units


def _overlap(words: list[str], sentence: Iterable[Tok]) -> float:
    """The share of ``words`` that ``sentence`` has (stemmed, with synonyms)."""
    if not words:
        return 1.0
    have = {t.canon for t in sentence}
    return sum(w in have for w in words) / len(words)


_NAME = re.compile(r"(?<=[\w,;:)] )[A-Z][A-Za-z]+")


def _new_names(template: str, candidate: str, slot_values: Iterable[str]) -> list[Reason]:
    """Capitalised words inside a sentence ("Portland, Maine") that neither side gave."""
    known = {w.lower() for w in re.findall(r"[A-Za-z]+", " ".join([template, *slot_values]))}
    names = dict.fromkeys(n for n in _NAME.findall(candidate) if n.lower() not in known)
    return [("new fact", f"new name {name!r}") for name in names if name != "I"]


def _slots(template: str, candidate: str, slot_values: Iterable[str]) -> list[Reason]:
    pairs: list[Reason] = []
    for value in dict.fromkeys(str(v).strip() for v in slot_values):
        if not value or not has_whole(template, value) or has_whole(candidate, value):
            continue
        if value in extract_facts(template):
            continue  # already reported as a changed or dropped fact
        if value.lower() in candidate.lower():
            pairs.append(("slot", f"slot value {value!r} missing as a whole word"))
        else:
            pairs.append(("slot", f"changed or dropped {value!r}"))
    return pairs
