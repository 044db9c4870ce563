"""``parley nlg check``: ask the fact guard about one wording, or a JSON-lines file of them.

A case is a rephrasing (``template``, ``candidate``, optional ``slots``) or a
grounded answer (``sources``, optional ``question``, ``candidate``). Each verdict
is printed as one JSON object ``{"ok": ..., "reasons": [...], "categories": [...]}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from nlg.guard import FactGuard, Verdict


class RephraseCase(BaseModel):
    """Does ``candidate`` say what ``template`` says, keeping the filled ``slots``?"""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    template: str
    candidate: str
    slots: list[str] | dict[str, str] = []

    def verdict(self, guard: FactGuard) -> Verdict:
        values = self.slots.values() if isinstance(self.slots, dict) else self.slots
        return guard.check(self.template, self.candidate, list(values))


class GroundedCase(BaseModel):
    """Is ``candidate``, an answer to ``question``, supported by ``sources``?"""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    sources: list[str]
    question: str = ""
    candidate: str

    def verdict(self, guard: FactGuard) -> Verdict:
        return guard.check_grounded(self.candidate, self.sources, self.question)


Case = RephraseCase | GroundedCase


class CaseError(ValueError):
    """A line of a ``--jsonl`` file that is not a case; the message names file and line."""


def as_json(verdict: Verdict) -> str:
    return json.dumps(
        {
            "ok": verdict.ok,
            "reasons": list(verdict.reasons),
            "categories": list(verdict.categories),
        },
        ensure_ascii=False,
    )


def _case(data: object) -> Case:
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    if "template" in data:
        return RephraseCase.model_validate(data)
    if "sources" in data:
        return GroundedCase.model_validate(data)
    raise ValueError("needs 'template' (a rephrasing) or 'sources' (a grounded answer)")


def _short(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def read_cases(path: Path) -> Iterator[Case]:
    """The cases of a JSON-lines file, blank lines skipped; :class:`CaseError` on a bad line."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield _case(json.loads(line))
            except ValidationError as e:
                raise CaseError(f"{path}:{number}: {_short(e)}") from e
            except ValueError as e:
                raise CaseError(f"{path}:{number}: {e}") from e


def cases_from_options(
    template: str | None,
    candidate: str | None,
    slots: Sequence[str],
    sources: Sequence[str],
    question: str,
    jsonl: Path | None,
) -> list[Case]:
    """The cases the command line asks about; :class:`CaseError` when they do not fit."""
    if jsonl is not None:
        if template or candidate or slots or sources or question:
            raise CaseError("--jsonl reads every case from FILE; give no other option.")
        return list(read_cases(jsonl))
    if candidate is None or (template is None) == (not sources):
        raise CaseError("Give --candidate with either --template or --source (or --jsonl).")
    if template is not None:
        return [RephraseCase(template=template, candidate=candidate, slots=list(slots))]
    return [GroundedCase(sources=list(sources), question=question, candidate=candidate)]


def check_cases(cases: Sequence[Case], guard: FactGuard | None = None) -> list[Verdict]:
    checker = guard or FactGuard()
    return [case.verdict(checker) for case in cases]
