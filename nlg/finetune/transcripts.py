"""``data/nlg/*.jsonl``: conversations a bot author adds to the NLG training set.

One example a line: ``{"context": [{"role": "user"|"bot", "text": ...}], "response": "..."}``.
Blank lines are skipped; anything else that is not such an object is an
:class:`~nlg.errors.NLGDataError` naming the file and line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from nlg.errors import NLGDataError

Speaker = Literal["user", "bot"]


@dataclass(frozen=True)
class Turn:
    role: Speaker
    text: str


@dataclass(frozen=True)
class Transcript:
    """What was said (oldest first) and the bot's reply to it; ``source`` is ``file:line``."""

    context: tuple[Turn, ...]
    response: str
    source: str


def load_transcripts(folder: Path) -> list[Transcript]:
    """Every example of ``folder/*.jsonl``, files in name order (none if the folder is absent)."""
    if not folder.is_dir():
        return []
    found: list[Transcript] = []
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                found.append(parse_line(line, f"{path}:{number}"))
    return found


def parse_line(line: str, source: str) -> Transcript:
    """One JSONL line as a :class:`Transcript`; ``source`` (``file:line``) names it in errors."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as e:
        raise NLGDataError(f"{source}: not JSON ({e.msg})") from e
    if not isinstance(data, dict):
        raise NLGDataError(f"{source}: expected an object with 'context' and 'response'")
    unknown = sorted(set(data) - {"context", "response"})
    if unknown:
        raise NLGDataError(f"{source}: unknown keys {unknown}; use 'context' and 'response'")
    response = data.get("response")
    if not isinstance(response, str) or not response.strip():
        raise NLGDataError(f"{source}: 'response' must be a non-empty string")
    return Transcript(_context(data.get("context", []), source), response.strip(), source)


def _context(turns: Any, source: str) -> tuple[Turn, ...]:
    if not isinstance(turns, list):
        raise NLGDataError(f"{source}: 'context' must be a list of {{role, text}} objects")
    parsed = []
    for n, turn in enumerate(turns):
        role = turn.get("role") if isinstance(turn, dict) else None
        text = turn.get("text") if isinstance(turn, dict) else None
        if role not in ("user", "bot") or not isinstance(text, str):
            raise NLGDataError(
                f'{source}: context[{n}] must be {{"role": "user"|"bot", "text": "..."}}'
            )
        parsed.append(Turn(role, text))
    return tuple(parsed)


def last_user_text(context: Sequence[Turn]) -> str:
    return next((t.text for t in reversed(context) if t.role == "user"), "")
