"""Comparing parse results of batches with those of single messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from nlu.interfaces import ParseResult


def assert_parsed_alike(actual: Sequence[ParseResult], expected: Sequence[ParseResult]) -> None:
    """Equal but for the last float digits of confidences, which depend on the shape of the
    batch the arithmetic ran in (padding to the longest message)."""
    assert [without_confidences(r) for r in actual] == [without_confidences(r) for r in expected]
    assert confidences(actual) == pytest.approx(confidences(expected), abs=1e-5)


def without_confidences(result: ParseResult) -> ParseResult:
    return replace(
        result,
        intent=result.intent and replace(result.intent, confidence=0.0),
        intent_ranking=tuple(replace(i, confidence=0.0) for i in result.intent_ranking),
        entities=tuple(replace(e, confidence=None) for e in result.entities),
    )


def confidences(results: Sequence[ParseResult]) -> list[float]:
    return [
        confidence
        for r in results
        for confidence in (
            *(i.confidence for i in r.intent_ranking),
            *(e.confidence or 0.0 for e in r.entities),
        )
    ]
