"""Fact strings in text: numbers, ranges, money, dates, times, phone numbers, ids, emails, URLs.

A fact is what a rewording must keep character for character. :func:`fact_spans`
finds them longest pattern first, without overlaps, in text order.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_URL = r"(?:https?://|www\.)[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_PHONE = r"(?<![\w-])(?:\+?\d{1,3}[-. ])?(?:\(\d{3}\)\s?|\d{3}[-. ])\d{3}[-. ]\d{4}(?![\w-])"
_MONEY = r"[$€£]\s?\d(?:[\d,]*\d)?(?:\.\d+)?"
# Order ids, tracking numbers, SKUs: one token of capitals and digits with both in it.
_ORDER_ID = r"\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9][A-Z0-9-]{3,}\b"
_DATE = r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"
_TIME_RANGE = r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)(?:\s?-\s?\d{1,2}(?::\d{2})?\s?(?:am|pm))?"
_COUNT = r"\b\d+(?:st|nd|rd|th|x)\b"
_NUMBER_RANGE = r"\d+(?:[.,]\d+)*(?:\s?(?:-|\u2013|to)\s?\d+(?:[.,]\d+)*)?"
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_MONTH_DAY = rf"\b(?:{_MONTHS})\s+{_DAY}\b|\b{_DAY}\s+(?:{_MONTHS})\b"

FACT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE if name in {"date", "time"} else 0))
    for name, pattern in (
        ("url", _URL),
        ("email", _EMAIL),
        ("phone", _PHONE),
        ("money", _MONEY),
        ("order id", _ORDER_ID),
        ("date", f"{_DATE}|{_MONTH_DAY}"),
        ("time", _TIME_RANGE),
        ("number", _COUNT),
        ("number", _NUMBER_RANGE),
    )
)
_WHOLE = r"(?<![\w@/.-]){}(?![\w@/]|\.\w|-\w)"
# A number is whole unless more digits follow: "2" is in "2-year" and "2x", not in "25" or "2.5".
_WHOLE_NUMBER = r"(?<![\w.,-]){}(?!\d|[.,]\d|-\d)"


class FactSpan(NamedTuple):
    start: int
    end: int
    kind: str
    text: str


def fact_spans(text: str) -> list[FactSpan]:
    """Every fact of ``text`` with its place and kind, longest patterns first, in text order."""
    taken: list[FactSpan] = []
    for kind, pattern in FACT_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if not any(start < t.end and t.start < end for t in taken):
                taken.append(FactSpan(start, end, kind, match.group().strip()))
    return sorted(taken)


def extract_facts(text: str) -> list[str]:
    """Every fact string in ``text``, longest patterns first, without overlaps, in text order."""
    return [span.text for span in fact_spans(text)]


def has_whole(text: str, value: str) -> bool:
    """Does ``value`` occur in ``text`` as a whole token ("PO-48213" is not in "PO-48213-B")?"""
    flags = re.IGNORECASE if "@" in value or "://" in value else 0
    numeric = re.fullmatch(r"[$€£]?[\d.,\s\u2013-]+", value) is not None
    pattern = (_WHOLE_NUMBER if numeric else _WHOLE).format(re.escape(value))
    return re.search(pattern, text, flags) is not None
