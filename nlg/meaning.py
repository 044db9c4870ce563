"""Text as claims: canonical tokens, sentences, acknowledgements and quantities.

:func:`analyse` turns text into :class:`Tok` tokens: each fact (see
:mod:`nlg.facts`) is one token kept verbatim; other words are lower-cased,
multi-word phrases are rewritten to a canonical form (``cannot`` -> ``can not``,
``no longer`` -> ``not still``, ``more than`` -> ``over``, ``at no cost`` ->
``free``), and words are reduced by a light stemmer and a synonym table, so
that "refunded" and "refund", "items" and "products" compare equal. Each token
keeps the words it was written as, for readable reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from nlg import lexicon
from nlg.facts import fact_spans
from nlg.lexicon import words

_STOPWORDS = words(
    """a an the and or but if of to in on at for by with about as is are was were be been being
    it its this that these those you your yours we our ours us i me my they them their he
    she his her him do does did have has had so than then there here what which who whom
    when where how also just very into out up will would could should may might can shall am
    also yes well please really any too even again once that's there's it's i'm we're you're
    let's via per , ( ) sorry unfortunately afraid sure thanks thank okay ok hi hello hey
    actually currently certainly absolutely indeed one"""
)
_BOUNDARIES = words(""", ( ) and but or while whereas""")
_IRREGULAR = {
    "paid": "pay",
    "sent": "send",
    "took": "take",
    "taken": "take",
    "gave": "give",
    "given": "give",
    "bought": "buy",
    "got": "get",
    "gotten": "get",
    "made": "make",
    "lost": "lost",
    "shut": "shut",
    "children": "child",
    "people": "people",
    "men": "man",
    "kept": "keep",
    "left": "leave",
    "held": "hold",
    "told": "tell",
    "began": "begin",
    "begun": "begin",
    "shipping": "ship",
    "express": "express",
    "business": "business",
    "news": "news",
    "ups": "ups",
    "its": "its",
    "this": "this",
    "gas": "gas",
    "plus": "plus",
    "bus": "bus",
    "yes": "yes",
    "always": "always",
    "sometimes": "sometimes",
    "us": "us",
}
_WORD = r"[a-z0-9]+(?:[-_'][a-z0-9]+)*"
_CLITICS = ("s", "re", "ve", "ll", "d", "m")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n|;")


def stem(word: str) -> str:
    """A light, consistent stem: plural, past and -ing endings; irregular forms from a table."""
    if word in _IRREGULAR or len(word) <= 3 or not word.isalpha():
        return _IRREGULAR.get(word, word)
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "shes", "ches", "xes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ed", "ing"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if word[-1] == word[-2] and (word[-1] not in "lsz" or len(word) >= 6):
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def _synonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in lexicon.SYNONYMS:
        first, *others = group.split()
        for word in (first, *others):
            table.setdefault(stem(word), stem(first))
    return table


_SYNONYM = _synonyms()


_LOGIC_WORDS = (
    frozenset(lexicon.DIRECTIONS)
    | frozenset(lexicon.ANCHORED_DIRECTIONS)
    | lexicon.NEGATIONS
    | lexicon.UNIVERSAL
    | lexicon.PARTIAL
    | lexicon.EXCLUSIVE
)


@lru_cache(maxsize=8192)
def canon(word: str) -> str:
    """A word's canonical form: phrase tokens as they are, others stemmed and synonym-mapped."""
    if "_" in word or word in _LOGIC_WORDS:
        return word
    stemmed = stem(word)
    return _SYNONYM.get(stemmed, stemmed)


def canon_set(words: str) -> frozenset[str]:
    return frozenset(canon(w) for w in words.split())


_PHRASES = "|".join(
    re.escape(p) for p in sorted(lexicon.PHRASES, key=len, reverse=True) if p != "%"
)
_PHRASE_RE = re.compile(rf"(?<![\w-])(?:{_PHRASES})(?![\w-])|%|{_WORD}|[,()]")
STOPWORDS = frozenset(canon(w) for w in _STOPWORDS)
UNITS = {canon(k): v for k, v in lexicon.UNITS.items()}
RATE_WORDS = frozenset(canon(w) for w in lexicon.RATE_WORDS)
ACK_WORDS = frozenset(canon(w) for w in lexicon.ACK_WORDS) | STOPWORDS
NEGATIONS = lexicon.NEGATIONS
QUANTIFIERS = {
    **{canon(w): "universal" for w in lexicon.UNIVERSAL},
    **{canon(w): "partial" for w in lexicon.PARTIAL},
    **{canon(w): "exclusive" for w in lexicon.EXCLUSIVE},
}


@dataclass(frozen=True)
class Tok:
    """One token: ``canon`` to compare, ``surface`` as written, its sentence, whether a fact."""

    canon: str
    surface: str
    sentence: int
    fact: bool = False
    kind: str = ""


def _words(chunk: str, sentence: int) -> list[Tok]:
    found: list[Tok] = []
    for match in _PHRASE_RE.finditer(chunk.lower().replace("\u2019", "'")):
        surface = match.group()
        if surface in lexicon.PHRASES:
            parts = lexicon.PHRASES[surface].split()
        elif surface.endswith("n't"):
            parts = [surface[:-3], "not"]
        elif "'" in surface and surface.rsplit("'", 1)[1] in _CLITICS:
            parts = [surface.rsplit("'", 1)[0]]
        else:
            parts = [surface]
        found += [Tok(canon(p), surface, sentence) for p in parts if p]
    return _once_as_after(found)


_FREQUENCY = frozenset({"a", "an", "per", "every", "each"})
_PERIODS = frozenset({"second", "minute", "hour", "day", "business day", "week", "month", "year"})


def _once_as_after(toks: list[Tok]) -> list[Tok]:
    """ "Once it ships" means "after it ships"; "once a month" and "use it once" do not."""
    return [
        Tok("after", t.surface, t.sentence)
        if t.surface == "once" and _starts_clause(toks[i + 1 :])
        else t
        for i, t in enumerate(toks)
    ]


def _starts_clause(rest: list[Tok]) -> bool:
    if not rest or not rest[0].canon.isalpha() or rest[0].canon in {"again", "more", "daily"}:
        return False
    period = len(rest) > 1 and UNITS.get(rest[1].canon) in _PERIODS
    return not (rest[0].canon in _FREQUENCY and period)


@lru_cache(maxsize=4096)
def analyse(text: str) -> tuple[Tok, ...]:
    """``text`` as canonical tokens; see the module docstring."""
    toks: list[Tok] = []
    sentence, position = 0, 0
    for span in [*fact_spans(text), None]:
        chunk = text[position : span.start if span else len(text)]
        for piece in re.split(f"({_SENTENCE_END.pattern})", chunk):
            if _SENTENCE_END.fullmatch(piece or "x"):
                sentence += 1
            elif piece:
                toks += _words(piece, sentence)
        if span is not None:
            toks.append(Tok(span.text, span.text, sentence, fact=True, kind=span.kind))
            position = span.end
    return tuple(toks)


def sentences(toks: Iterable[Tok]) -> list[list[Tok]]:
    """Tokens grouped by sentence, empty sentences left out."""
    grouped: dict[int, list[Tok]] = {}
    for tok in toks:
        grouped.setdefault(tok.sentence, []).append(tok)
    return list(grouped.values())


def is_marker(tok: Tok) -> bool:
    """Does this token carry polarity, direction, a quantifier or an antonym-lexicon meaning?"""
    c = tok.canon
    return c in NEGATIONS or c in lexicon.DIRECTIONS or c in QUANTIFIERS or c in POLES


def _logic(tok: Tok) -> bool:
    c = tok.canon
    return c in NEGATIONS or c in lexicon.DIRECTIONS or c in QUANTIFIERS


def content(toks: Iterable[Tok]) -> list[str]:
    """The canonical words that say what a claim is about (no stopwords, negations, ...)."""
    return [
        t.canon
        for t in toks
        if t.fact or (t.canon not in STOPWORDS and not _logic(t) and len(t.canon) > 1)
    ]


def is_acknowledgement(sentence: list[Tok]) -> bool:
    """A polite sentence stating no fact: "Sure, happy to help!", "Sorry to hear that."."""
    if any(t.fact or is_marker(t) for t in sentence):
        return False
    if all(t.canon in ACK_WORDS for t in sentence):
        return True
    return sentence[0].canon in ACK_OPENERS and len(sentence) <= 8


ACK_OPENERS = frozenset(canon(w) for w in lexicon.ACK_OPENERS)


def claims(toks: Iterable[Tok]) -> list[list[Tok]]:
    """The sentences that state something: acknowledgements left out, a leading yes/no dropped."""
    found = []
    for sentence in sentences(toks):
        if sentence and sentence[0].canon in {"yes", "no"} and len(sentence) > 2:
            sentence = sentence[1:]
        while sentence and sentence[0].canon in {",", ")", "("}:
            sentence = sentence[1:]
        if sentence and not is_acknowledgement(sentence):
            found.append(sentence)
    return found


def _poles() -> tuple[tuple[frozenset[str], frozenset[str], bool], ...]:
    return tuple((canon_set(a), canon_set(b), keep) for a, b, keep in lexicon.ANTONYMS)


POLE_PAIRS = _poles()
POLES = frozenset(w for a, b, _ in POLE_PAIRS for w in a | b)


@dataclass(frozen=True)
class Quantity:
    """A fact with what surrounds it: its unit, rate ("per order"), direction, anchor words."""

    fact: str
    unit: str | None
    rate: str | None
    direction: str | None
    anchors: frozenset[str]
    context: frozenset[str] = frozenset()


def _direction_before(before: list[Tok]) -> str | None:
    """A comparison word in the two words before a quantity; "by", "from", "in" right before."""
    for distance, tok in enumerate(reversed(before[-2:])):
        if tok.fact:
            return None
        if distance == 0 and tok.canon in lexicon.ANCHORED_DIRECTIONS:
            return lexicon.ANCHORED_DIRECTIONS[tok.canon]
        if tok.canon in lexicon.DIRECTIONS and tok.canon not in lexicon.ANCHORED_DIRECTIONS:
            return tok.canon
    return None


def _unit_and_rate(after: list[Tok]) -> tuple[str | None, str | None, int]:
    unit = rate = None
    i = 0
    words = [t.canon if not t.fact else "" for t in after[:4]] + ["", "", "", ""]
    if words[0] in UNITS:
        unit, i = UNITS[words[0]], 1
    elif words[0] and words[0] not in STOPWORDS | RATE_WORDS and words[1] in UNITS:
        unit, i = f"{words[0]} {UNITS[words[1]]}", 2
    if words[i] in RATE_WORDS:
        if words[i + 1] in UNITS:
            rate, i = UNITS[words[i + 1]], i + 2
        elif words[i] == "each":
            rate, i = "item", i + 1
    return unit, rate, i


def _anchors(before: list[Tok], after: list[Tok]) -> frozenset[str]:
    """Content words of the fact's own clause: back to, and on to, a comma, "and" or a fact."""
    near: list[Tok] = []
    for side, limit in ((list(reversed(before)), 5), (after, 3)):
        for tok in side[:limit]:
            if tok.fact:  # a neighbouring fact tells two facts apart too ("the 2-person tent")
                near.append(tok)
            if tok.fact or tok.canon in _BOUNDARIES:
                break
            near.append(tok)
    return frozenset(
        t.canon for t in near if t.fact or (t.canon not in STOPWORDS and len(t.canon) > 1)
    )


_COUNTED = frozenset({"money", "number"})  # what a time, date or id counts is itself
_DIRECTED = _COUNTED | {"time", "date"}


def quantities(toks: tuple[Tok, ...]) -> list[Quantity]:
    """Every fact token of ``toks`` with the words on both of its sides."""
    found = []
    for same in sentences(toks):
        context = frozenset(
            t.canon for t in same if not t.fact and t.canon not in STOPWORDS and len(t.canon) > 1
        )
        found += [_quantity(same, at, context) for at, tok in enumerate(same) if tok.fact]
    return found


def _quantity(same: list[Tok], at: int, context: frozenset[str]) -> Quantity:
    """The fact at ``same[at]`` (a sentence's tokens) and what surrounds it."""
    tok = same[at]
    before, after = same[:at], same[at + 1 :]
    unit, rate, used = _unit_and_rate(after) if tok.kind in _COUNTED else (None, None, 0)
    direction = _direction_before(before) if tok.kind in _DIRECTED else None
    if direction == "from" and re.search(r"\d(?:\s?[ap]m)?\s?(?:-|\u2013|to)\s?\d", tok.canon):
        direction = None  # "from 3-5", "from 10am-6pm": a range, not a lower bound
    if used < len(after) and after[used].canon in {"at_least", "at_most"}:
        direction = after[used].canon
    anchors = _anchors(before, after)
    return Quantity(tok.canon, unit, rate, direction, anchors, context)
