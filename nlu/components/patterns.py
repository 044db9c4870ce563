"""Regular expressions built from the ``regex:`` and ``lookup:`` sections of the training data.

A lookup table becomes one regex whose alternatives are factored into a
character trie, so matching costs about the same for 10 or 10,000 elements, and
the longest element wins where several match at one position.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from nlu.components.storage import read_json_object, write_json
from nlu.errors import ModelLoadError, TrainingDataError
from nlu.interfaces import TrainingData

Source = Literal["regex", "lookup"]


@dataclass(frozen=True)
class NamedPattern:
    name: str
    source: Source
    pattern: str
    case_sensitive: bool

    def compile(self) -> re.Pattern[str]:
        return re.compile(self.pattern, 0 if self.case_sensitive else re.IGNORECASE)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "pattern": self.pattern,
            "case_sensitive": self.case_sensitive,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NamedPattern:
        source: Source = "lookup" if data["source"] == "lookup" else "regex"
        return cls(str(data["name"]), source, str(data["pattern"]), bool(data["case_sensitive"]))


@dataclass(frozen=True)
class PatternOptions:
    case_sensitive: bool
    word_boundaries: bool = True
    use_regexes: bool = True
    use_lookups: bool = True


def collect_patterns(
    data: TrainingData, options: PatternOptions, names: Collection[str] | None = None
) -> list[NamedPattern]:
    """One pattern per regex and one per lookup table, optionally only for ``names``."""
    patterns: list[NamedPattern] = []
    if options.use_regexes:
        for name, regexes in sorted(data.regexes.items()):
            if names is None or name in names:
                patterns.extend(_regex_pattern(name, r, options) for r in regexes)
    if options.use_lookups:
        for name, elements in sorted(data.lookups.items()):
            if (names is None or name in names) and any(e.strip() for e in elements):
                body = trie_regex(elements, options.case_sensitive)
                patterns.append(
                    NamedPattern(name, "lookup", _bounded(body, options), options.case_sensitive)
                )
    return patterns


def _regex_pattern(name: str, regex: str, options: PatternOptions) -> NamedPattern:
    try:
        re.compile(regex)
    except re.error as e:
        raise TrainingDataError(f"regex {name!r}: {regex!r} is not a valid pattern ({e})") from e
    return NamedPattern(name, "regex", _bounded(regex, options), options.case_sensitive)


def _bounded(body: str, options: PatternOptions) -> str:
    return rf"(?<!\w)(?:{body})(?!\w)" if options.word_boundaries else body


def trie_regex(elements: Iterable[str], case_sensitive: bool = True) -> str:
    """A regex matching exactly the given strings, preferring the longest."""
    root: dict[str, Any] = {}
    for element in elements:
        text = element.strip() if case_sensitive else element.strip().lower()
        if not text:
            continue
        node = root
        for char in text:
            node = node.setdefault(char, {})
        node[""] = {}
    return _render(root)


def _render(node: Mapping[str, Any]) -> str:
    branches = [re.escape(char) + _render(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    group = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:
        return f"(?:{group})?"
    return group


def save_patterns(path: Path, key: str, patterns: Iterable[NamedPattern]) -> None:
    write_json(path, {"key": key, "patterns": [p.to_dict() for p in patterns]})


def load_patterns(path: Path) -> tuple[str, list[tuple[NamedPattern, re.Pattern[str]]]]:
    """The stored key and the stored patterns, compiled."""
    stored = read_json_object(path, "key", "patterns")
    try:
        patterns = [NamedPattern.from_dict(item) for item in stored["patterns"]]
        return str(stored["key"]), [(p, p.compile()) for p in patterns]
    except (KeyError, TypeError, re.error) as e:
        raise ModelLoadError(path, f"malformed pattern list ({e!r})") from e


def find_spans(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    for match in pattern.finditer(text):
        if match.end() > match.start():
            yield match.start(), match.end()
