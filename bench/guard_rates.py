"""Fact guard quality and speed on the hand-written cases of ``tests/nlg/guard_cases*.py``.

Per category of meaning change (polarity, direction, quantifier, unit, order,
antonym, slot, support): how many of its cases the guard refuses
(``reject_rate``) and how many of those it refuses for a reason of that
category (``right_reason_rate``); over the faithful paraphrases and grounded
answers: ``accept_rate``. ``held_out`` repeats the two rates on cases written
after the rules were tuned (``guard_cases_heldout*.py``). Then the speed of one
check (median and p95 in microseconds, checks per second, on one core; no text
is cached between checks, the per-word stem table is). Prints one JSON object;
:func:`guard_rates` returns it for other benchmarks (``bench/nlg_quality.py``).

    python bench/guard_rates.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlg.guard import FactGuard, Verdict
from nlg.meaning import analyse
from tests.nlg.guard_cases import REJECTED, Case
from tests.nlg.guard_cases_faithful import ACCEPTED
from tests.nlg.guard_cases_heldout import HELD_OUT_ACCEPTED, HELD_OUT_REJECTED
from tests.nlg.guard_cases_heldout2 import HELD_OUT_2_ACCEPTED, HELD_OUT_2_REJECTED
from tests.nlg.guard_cases_heldout3 import HELD_OUT_3_ACCEPTED, HELD_OUT_3_REJECTED
from tests.nlg.guard_cases_heldout4 import HELD_OUT_4_ACCEPTED, HELD_OUT_4_REJECTED

HELD_OUT = [*HELD_OUT_REJECTED, *HELD_OUT_2_REJECTED, *HELD_OUT_3_REJECTED, *HELD_OUT_4_REJECTED]
HELD_OUT_FAITHFUL = [
    *HELD_OUT_ACCEPTED,
    *HELD_OUT_2_ACCEPTED,
    *HELD_OUT_3_ACCEPTED,
    *HELD_OUT_4_ACCEPTED,
]

# The verdict categories that count as the right reason for each kind of change.
RIGHT_REASONS = {
    "polarity": {"polarity"},
    "direction": {"direction"},
    "quantifier": {"quantifier"},
    "unit": {"unit"},
    "order": {"order", "direction"},
    "antonym": {"antonym", "new fact"},
    "slot": {"slot", "dropped fact", "new fact"},
    "support": {"support", "new fact"},
}


def verdict(guard: FactGuard, case: Case) -> Verdict:
    if case.grounded:
        return guard.check_grounded(case.candidate, case.sources, case.question)
    return guard.check(case.reference, case.candidate, case.slots)


def _rejections(guard: FactGuard, cases: Sequence[Case]) -> dict[str, Any]:
    verdicts = [verdict(guard, c) for c in cases]
    refused = sum(not v.ok for v in verdicts)
    right = sum(
        bool(set(v.categories) & RIGHT_REASONS.get(c.category, set()))
        for c, v in zip(cases, verdicts, strict=True)
    )
    missed = [c.id for c, v in zip(cases, verdicts, strict=True) if v.ok]
    return {
        "cases": len(cases),
        "reject_rate": round(refused / len(cases), 3),
        "right_reason_rate": round(right / len(cases), 3),
        "missed": missed,
    }


def _acceptances(guard: FactGuard, cases: Sequence[Case]) -> dict[str, Any]:
    verdicts = [verdict(guard, c) for c in cases]
    refused = {c.id: list(v.reasons) for c, v in zip(cases, verdicts, strict=True) if not v.ok}
    return {
        "cases": len(cases),
        "accept_rate": round(1 - len(refused) / len(cases), 3),
        "refused": refused,
    }


def _speed(guard: FactGuard, cases: Sequence[Case], repeat: int) -> dict[str, Any]:
    timings: list[float] = []
    for _ in range(repeat):
        for case in cases:
            analyse.cache_clear()  # time the work, not the cache of analysed texts
            start = time.perf_counter()
            verdict(guard, case)
            timings.append(time.perf_counter() - start)
    timings.sort()
    return {
        "checks": len(timings),
        "median_us": round(statistics.median(timings) * 1e6, 1),
        "p95_us": round(timings[int(0.95 * (len(timings) - 1))] * 1e6, 1),
        "checks_per_second": round(len(timings) / sum(timings)),
    }


def guard_rates(guard: FactGuard | None = None, repeat: int = 20) -> dict[str, Any]:
    """Reject rates per category, accept rates of faithful cases, and checks per second."""
    checker = guard or FactGuard()
    categories = sorted({c.category for c in REJECTED})
    per_category = {
        name: _rejections(checker, [c for c in REJECTED if c.category == name])
        for name in categories
    }
    rephrased = [c for c in ACCEPTED if not c.grounded]
    answers = [c for c in ACCEPTED if c.grounded]
    rejected = _rejections(checker, REJECTED)
    accepted = _acceptances(checker, ACCEPTED)
    return {
        "reject": per_category,
        "accept": {
            "rephrasings": _acceptances(checker, rephrased),
            "grounded answers": _acceptances(checker, answers),
        },
        "overall": {
            "meaning_changing_cases": rejected["cases"],
            "reject_rate": rejected["reject_rate"],
            "right_reason_rate": rejected["right_reason_rate"],
            "faithful_cases": accepted["cases"],
            "accept_rate": accepted["accept_rate"],
        },
        "held_out": {
            "meaning_changing_cases": len(HELD_OUT),
            "reject_rate": _rejections(checker, HELD_OUT)["reject_rate"],
            "faithful_cases": len(HELD_OUT_FAITHFUL),
            "accept_rate": _acceptances(checker, HELD_OUT_FAITHFUL)["accept_rate"],
        },
        "speed": _speed(checker, [*REJECTED, *ACCEPTED], repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=20, help="Timing passes over all cases.")
    args = parser.parse_args()
    result = {"benchmark": "guard_rates", "cores": os.cpu_count(), **guard_rates(None, args.repeat)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
