"""Check ``config.yml``'s pipeline and policies against the registries, with line numbers.

Building the pipeline and the ensemble is cheap (no training), so the check
builds them for real: unknown names and bad options become errors, and the
warnings about skipped Rasa components become warnings, each at the line of
the entry it names.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dialogue.policies import PolicyEnsemble, PolicyError
from nlu.errors import NLUError
from nlu.pipeline import NLUPipeline
from parley.project.config import ProjectConfig
from parley.yamlfile import LocatedDict, LocatedList, Location, load_yaml
from plugins import UnknownPluginError

Finding = tuple[Location, str, bool]  # where, what, is it an error


def config_findings(path: Path, config: ProjectConfig) -> Iterator[Finding]:
    """Problems of ``config.yml`` that only building its components reveals."""
    raw = load_yaml(path)
    sections: list[tuple[str, Callable[[], Any]]] = [
        ("pipeline", lambda: NLUPipeline.build(config.pipeline, config.language)),
        ("policies", lambda: PolicyEnsemble.build(config.policies)),
    ]
    for key, build in sections:
        entries = raw.get(key) if isinstance(raw, LocatedDict) else None
        for message, is_error in _build_messages(build):
            yield Location(path, _line_naming(raw, key, entries, message)), message, is_error


def _build_messages(build: Callable[[], Any]) -> list[tuple[str, bool]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            build()
            error: list[tuple[str, bool]] = []
        except (NLUError, PolicyError, UnknownPluginError) as e:
            error = [(str(e), True)]
    return [(str(w.message), False) for w in caught] + error


def _line_naming(raw: Any, key: str, entries: Any, message: str) -> int | None:
    """The line of the first entry whose name the message quotes, else the section's."""
    if isinstance(entries, LocatedList):
        for index, entry in enumerate(entries):
            if isinstance(entry, LocatedDict) and f"'{entry.get('name')}'" in message:
                return entries.line_of(index)
    return raw.line_of(key) if isinstance(raw, LocatedDict) else None
