"""Meaning checks between a reference (template or source sentence) and a new wording.

Each check takes the tokens of :func:`nlg.meaning.analyse` and returns
``(category, reason)`` pairs. ``strict`` compares a whole rewording with its
template (what either side has, the other must have); otherwise the new
wording is one claim that may say *less* than its source sentence but nothing
else: no added negation, direction, quantifier or opposite word, and no
dropped negation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from nlg import lexicon
from nlg.meaning import NEGATIONS, POLE_PAIRS, QUANTIFIERS, Quantity, Tok, canon, quantities

Reason = tuple[str, str]
_GLOBAL_DIRECTIONS = frozenset(lexicon.DIRECTIONS) - {"from", "within"}
_CLAIM_WORDS = frozenset(canon(w) for w in lexicon.CLAIM_WORDS)


def _first(toks: Iterable[Tok], words: Iterable[str]) -> str:
    wanted = set(words)
    return next((t.surface for t in toks if t.canon in wanted), next(iter(sorted(wanted)), ""))


def polarity(ref: Sequence[Tok], new: Sequence[Tok], strict: bool) -> list[Reason]:
    """A negation added or removed: "can still" -> "can no longer", "do not offer" -> "offer"."""
    had = sum(t.canon in NEGATIONS for t in ref)
    has = sum(t.canon in NEGATIONS for t in new)
    if not strict:
        had, has = min(had, 1), min(has, 1)
    if has > had:
        return [("polarity", f"negation added: {_first(new, NEGATIONS)!r}")]
    if has < had:
        return [("polarity", f"negation removed: {_first(ref, NEGATIONS)!r}")]
    return []


def directions(ref: Sequence[Tok], new: Sequence[Tok], strict: bool) -> list[Reason]:
    """Comparison words changed, added or dropped anywhere: "before" -> "after"."""
    had = Counter({t.canon for t in ref if t.canon in _GLOBAL_DIRECTIONS})
    has = Counter({t.canon for t in new if t.canon in _GLOBAL_DIRECTIONS})
    reasons: list[Reason] = []
    for word in sorted(has - had):
        opposite = [o for o in lexicon.DIRECTIONS[word] if had[o] > has[o]]
        if opposite:
            old, got = _first(ref, opposite), _first(new, [word])
            reasons.append(("direction", f"direction changed: {old!r} -> {got!r}"))
        else:
            reasons.append(("direction", f"direction added: {_first(new, [word])!r}"))
    if strict:
        changed = {o for w in has - had for o in lexicon.DIRECTIONS[w]}
        reasons += [
            ("direction", f"direction dropped: {_first(ref, [word])!r}")
            for word in sorted(had - has)
            if word not in changed
        ]
    return reasons


def _quantifiers(toks: Sequence[Tok]) -> Counter[str]:
    """Quantifier kinds; "only" right before a quantity ("only 1.2 kg") is emphasis, not one."""
    return Counter(
        QUANTIFIERS[t.canon]
        for i, t in enumerate(toks)
        if t.canon in QUANTIFIERS
        and not (QUANTIFIERS[t.canon] == "exclusive" and i + 1 < len(toks) and toks[i + 1].fact)
    )


def quantifiers(ref: Sequence[Tok], new: Sequence[Tok], strict: bool) -> list[Reason]:
    """all/every/each turned into some/few/only, or "only"/"some" added or dropped."""
    had = _quantifiers(ref)
    has = _quantifiers(new)
    reasons: list[Reason] = []
    for kind in ("partial", "exclusive"):
        word = _first(new, [w for w, k in QUANTIFIERS.items() if k == kind])
        if has[kind] > had[kind] and had["universal"] > has["universal"]:
            old = _first(ref, [w for w, k in QUANTIFIERS.items() if k == "universal"])
            reasons.append(("quantifier", f"quantifier changed: {old!r} -> {word!r}"))
        elif has[kind] > had[kind]:
            reasons.append(("quantifier", f"quantifier added: {word!r}"))
        elif strict and has[kind] < had[kind]:
            old = _first(ref, [w for w, k in QUANTIFIERS.items() if k == kind])
            reasons.append(("quantifier", f"quantifier dropped: {old!r}"))
    if has["universal"] > had["universal"] and had["partial"] > has["partial"]:
        old = _first(ref, [w for w, k in QUANTIFIERS.items() if k == "partial"])
        word = _first(new, [w for w, k in QUANTIFIERS.items() if k == "universal"])
        reasons.append(("quantifier", f"quantifier changed: {old!r} -> {word!r}"))
    return reasons


def antonyms(
    ref: Sequence[Tok], new: Sequence[Tok], strict: bool, known: frozenset[str] = frozenset()
) -> list[Reason]:
    """A key word swapped for its opposite (open -> closed), added, or (strict) dropped.

    ``known`` are words the wider reference has (all sources), so a claim may use them.
    """
    reasons: list[Reason] = []
    had = Counter(t.canon for t in ref)
    has = Counter(t.canon for t in new)
    for a, b, keep in POLE_PAIRS:
        had_a, had_b = sum(had[w] for w in a), sum(had[w] for w in b)
        has_a, has_b = sum(has[w] for w in a), sum(has[w] for w in b)
        for (old, o_had, o_has), (got, g_had, g_has) in (
            ((a, had_a, has_a), (b, had_b, has_b)),
            ((b, had_b, has_b), (a, had_a, has_a)),
        ):
            if g_has > g_had and o_had > o_has:
                pair = f"{_first(ref, old)!r} -> {_first(new, got)!r}"
                reasons.append(("antonym", f"opposite word: {pair}"))
            elif strict and keep and o_has == 0 and o_had > 0 and g_has <= g_had:
                reasons.append(("dropped fact", f"dropped claim word: {_first(ref, old)!r}"))
    swapped = " ".join(r for _, r in reasons)
    for tok in new:
        claim = tok.canon in _CLAIM_WORDS and tok.canon not in known and not had[tok.canon]
        if claim and repr(tok.surface) not in swapped:
            reasons.append(("new fact", f"new claim word: {tok.surface!r}"))
    return list(dict.fromkeys(reasons))


def _describe(q: Quantity) -> str:
    parts = [q.unit or "", f"per {q.rate}" if q.rate else ""]
    return " ".join(p for p in parts if p) or "nothing"


def units(ref: Sequence[Tok], new: Sequence[Tok], strict: bool) -> list[Reason]:
    """Each quantity still counts the same thing, per the same thing, in the same direction."""
    theirs: dict[str, list[Quantity]] = {}
    for q in quantities(tuple(new)):
        theirs.setdefault(q.fact, []).append(q)
    reasons: list[Reason] = []
    for q in quantities(tuple(ref)):
        found = theirs.get(q.fact, [])
        if not found:
            continue
        if not any((o.unit, o.rate) == (q.unit, q.rate) for o in found):
            got = _describe(found[0])
            reasons.append(("unit", f"unit changed after {q.fact!r}: {_describe(q)!r} -> {got!r}"))
        if not any(_same_direction(q.direction, o.direction, strict) for o in found):
            reasons.append(("direction", _direction_reason(q, found[0])))
    return reasons


def _soft(direction: str | None) -> str | None:
    if direction in lexicon.SOFT_DIRECTIONS:
        return None
    return "before" if direction == "until" else direction


def _same_direction(old: str | None, new: str | None, strict: bool) -> bool:
    old, new = _soft(old), _soft(new)
    return old == new or (not strict and new is None)


def _direction_reason(q: Quantity, other: Quantity) -> str:
    if other.direction is None:
        return f"direction dropped before {q.fact!r}: {q.direction!r}"
    if q.direction is None:
        return f"direction added before {q.fact!r}: {other.direction!r}"
    return f"direction changed before {q.fact!r}: {q.direction!r} -> {other.direction!r}"


def order(ref: Sequence[Tok], new: Sequence[Tok]) -> list[Reason]:
    """Two facts that traded places: each keeps the words that told them apart.

    Those words are the fact's own clause (back to a comma, "and" or another
    fact); when the two clauses say the same ("costs $4.95", "costs $12.95"), the
    rest of their sentences.
    """
    old = {q.fact: q for q in quantities(tuple(ref))}
    got = {q.fact: q for q in quantities(tuple(new))}
    facts = [f for f in old if f in got]
    reasons: list[Reason] = []
    for i, f in enumerate(facts):
        for g in facts[i + 1 :]:
            if _swapped(old[f].anchors, old[g].anchors, got[f].anchors, got[g].anchors) or (
                old[f].anchors == old[g].anchors
                and _swapped(old[f].context, old[g].context, got[f].context, got[g].context)
            ):
                reasons.append(("order", f"facts swapped: {f!r} and {g!r}"))
    return reasons


def _swapped(
    had_f: frozenset[str], had_g: frozenset[str], has_f: frozenset[str], has_g: frozenset[str]
) -> bool:
    own_f, own_g = had_f - had_g, had_g - had_f
    return len(has_f & own_g) > len(has_f & own_f) and len(has_g & own_f) > len(has_g & own_g)
