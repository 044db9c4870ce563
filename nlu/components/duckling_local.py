"""Duckling's dimensions found without a Duckling server, with Duckling's result shapes.

Each dimension is found by a maintained library: ``urlextract`` (email, url),
``phonenumbers`` (phone-number), ``text2num`` (numbers and ordinals written in
words), ``pint`` (the units of distance and duration), ``dateparser`` (time).
Results are Duckling's JSON matches (``dim``, ``body``, ``start``, ``end``,
``value``), so the extractor turns them into entities exactly as it turns a
server's answer. A match inside a longer match of another dimension is dropped
("3" inside "3 hours"), as Duckling does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

Match = dict[str, Any]

DIMENSIONS = (
    "email", "url", "phone-number", "number", "ordinal", "amount-of-money", "time",
    "duration", "distance",
)  # fmt: skip
_DIGITS = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)?|\d+(?:st|nd|rd|th)\b")
_CURRENCIES = {
    "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "€": "EUR", "eur": "EUR",
    "euro": "EUR", "euros": "EUR", "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
    "¥": "JPY", "jpy": "JPY", "yen": "JPY", "chf": "CHF", "inr": "INR", "₹": "INR",
    "rupees": "INR", "cad": "CAD", "aud": "AUD",
}  # fmt: skip
# Words pint reads as units that, after a number, almost never are ("5 in the morning").
_NOT_UNITS = frozenset({"a", "am", "pm", "at", "in", "s", "the", "of", "to", "and", "or"})
_MERIDIEM_FIRST = re.compile(r"(?i)(am|pm)\b")  # "I am 25" is no time
_GRAINS = ("second", "minute", "hour", "day")


def parse(
    text: str, dims: Sequence[str], locale: str, tz: str, reftime: dt.datetime
) -> list[Match]:
    """Duckling-shaped matches of ``dims`` (all of :data:`DIMENSIONS` when empty) in ``text``."""
    wanted = set(dims or DIMENSIONS)
    numbers = list(_numbers(text))
    finders: dict[str, Callable[[], Iterator[Match]]] = {
        "email": lambda: _links(text, email=True),
        "url": lambda: _links(text, email=False),
        "phone-number": lambda: _phones(text, locale),
        "number": lambda: (n for n in numbers if n["dim"] == "number"),
        "ordinal": lambda: (n for n in numbers if n["dim"] == "ordinal"),
        "amount-of-money": lambda: _money(text, numbers),
        "distance": lambda: _quantities(text, numbers, "[length]", "distance"),
        "duration": lambda: _quantities(text, numbers, "[time]", "duration"),
        "time": lambda: _times(text, locale, tz, reftime),
    }
    found = [match for dim in DIMENSIONS if dim in wanted for match in finders[dim]()]
    return sorted(_outermost(found), key=lambda m: (m["start"], m["dim"]))


def _outermost(matches: list[Match]) -> list[Match]:
    def inside(a: Match, b: Match) -> bool:
        return bool(
            b["start"] <= a["start"]
            and a["end"] <= b["end"]
            and (b["end"] - b["start"]) > (a["end"] - a["start"])
        )

    def same_span_as_quantity(a: Match, b: Match) -> bool:  # "3 hours" is a duration
        return (
            a["dim"] == "time"
            and b["dim"] != "time"
            and (a["start"], a["end"])
            == (
                b["start"],
                b["end"],
            )
        )

    return [
        a for a in matches if not any(inside(a, b) or same_span_as_quantity(a, b) for b in matches)
    ]


def _match(dim: str, text: str, start: int, end: int, value: dict[str, Any]) -> Match:
    return {"dim": dim, "body": text[start:end], "start": start, "end": end, "value": value}


@cache
def _extractor() -> Any:
    from urlextract import URLExtract

    return URLExtract(extract_email=True)


def _links(text: str, email: bool) -> Iterator[Match]:
    from urllib.parse import urlsplit

    for found, (start, end) in _extractor().find_urls(text, get_indices=True):
        is_email = "@" in found and "://" not in found and "/" not in found
        if is_email != email:
            continue
        if email:
            yield _match("email", text, start, end, {"value": found})
        else:
            domain = urlsplit(found if "://" in found else f"http://{found}").hostname or ""
            yield _match("url", text, start, end, {"value": found, "domain": domain})


def _phones(text: str, locale: str) -> Iterator[Match]:
    import phonenumbers

    region = locale.split("_")[-1].upper() if "_" in locale else "US"
    for found in phonenumbers.PhoneNumberMatcher(text, region):
        value = phonenumbers.format_number(found.number, phonenumbers.PhoneNumberFormat.E164)
        yield _match("phone-number", text, found.start, found.end, {"value": value})


def _numbers(text: str) -> Iterator[Match]:
    """Numbers in digits and in words (``text2num``), and ordinals (``3rd``, ``third``)."""
    from text_to_num import alpha2digit, text2num

    for found in _DIGITS.finditer(text):
        raw = found.group().replace(",", "")
        value: int | float = float(raw) if "." in raw else int(raw)
        yield _match("number", text, found.start(), found.end(), {"value": value, "type": "value"})
    words = list(_WORD.finditer(text))
    index = 0
    while index < len(words):
        ordinal = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", alpha2digit(words[index].group(), "en"))
        if ordinal:
            start, end = words[index].span()
            yield _match("ordinal", text, start, end, {"value": int(ordinal[1]), "type": "value"})
            index += 1
            continue
        run_end, spelled = index, None
        for stop in range(index + 1, min(index + 8, len(words)) + 1):
            try:
                spelled = text2num(" ".join(w.group() for w in words[index:stop]), "en")
                run_end = stop
            except ValueError:
                break
        if spelled is None or run_end == index:
            index += 1
            continue
        start, end = words[index].start(), words[run_end - 1].end()
        yield _match("number", text, start, end, {"value": spelled, "type": "value"})
        index = run_end


def _number_before(text: str, numbers: list[Match], position: int) -> Match | None:
    for number in numbers:
        if number["dim"] == "number" and not text[number["end"] : position].strip():
            return number
    return None


def _money(text: str, numbers: list[Match]) -> Iterator[Match]:
    for number in (n for n in numbers if n["dim"] == "number"):
        before = text[: number["start"]].rstrip()
        after = re.match(r"\s*([^\W\d_]+|[$€£¥₹])", text[number["end"] :])
        symbol_before = before[-1:] if before[-1:] in _CURRENCIES else ""
        word_after = (
            after.group(1).lower() if after and after.group(1).lower() in _CURRENCIES else ""
        )
        unit = _CURRENCIES.get(symbol_before or word_after)
        if unit is None:
            continue
        start = len(before) - 1 if symbol_before else number["start"]
        end = number["end"] + after.end() if word_after and after else number["end"]
        value = {"value": number["value"]["value"], "unit": unit, "type": "value"}
        yield _match("amount-of-money", text, start, end, value)


@cache
def _units() -> Any:
    import pint

    return pint.UnitRegistry()


def _quantities(text: str, numbers: list[Match], dimension: str, dim: str) -> Iterator[Match]:
    import pint

    for number in (n for n in numbers if n["dim"] == "number"):
        after = re.match(r"\s*([A-Za-z]+)\b", text[number["end"] :])
        if after is None or after.group(1).lower() in _NOT_UNITS:
            continue
        try:
            quantity = _units().Quantity(number["value"]["value"], after.group(1))
        except (pint.errors.UndefinedUnitError, AttributeError, ValueError, TypeError):
            continue
        if str(quantity.dimensionality) != dimension:
            continue
        unit, amount = str(quantity.units), number["value"]["value"]
        value: dict[str, Any] = {"value": amount, "unit": unit, "type": "value"}
        if dim == "duration":
            seconds = quantity.to("second").magnitude
            value.update({unit: amount, "normalized": {"value": seconds, "unit": "second"}})
        yield _match(dim, text, number["start"], number["end"] + after.end(), value)


def _times(text: str, locale: str, tz: str, reftime: dt.datetime) -> Iterator[Match]:
    from dateparser.search import search_dates

    zone = ZoneInfo(tz)
    settings = {
        "RELATIVE_BASE": reftime.astimezone(zone).replace(tzinfo=None),
        "TIMEZONE": tz,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "future",
    }
    found = search_dates(text, languages=[locale.split("_")[0]], settings=settings) or []
    position = 0
    for body, moment in found:
        start = text.find(body, position)
        if start < 0 or re.fullmatch(r"[\d\s.,]+", body) or _MERIDIEM_FIRST.match(body):
            continue
        position = start + len(body)
        grain = _grain(moment)
        iso = moment.isoformat(timespec="milliseconds")
        value = {
            "value": iso,
            "grain": grain,
            "type": "value",
            "values": [{"value": iso, "grain": grain, "type": "value"}],
        }
        yield _match("time", text, start, position, value)


def _grain(moment: dt.datetime) -> str:
    parts = (moment.second, moment.minute, moment.hour)
    for grain, part in zip(_GRAINS, parts, strict=False):
        if part:
            return grain
    return "day"
