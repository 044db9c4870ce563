"""Check ``config.yml``'s pipeline and policies against the registries, with line numbers.

Building the pipeline and the ensemble is cheap (no training, and no model
framework is imported), so the check builds them for real: unknown names and bad
options become errors, and the warnings about skipped Rasa components and Rasa
options without effect become warnings, each at the line of the option or entry
it names. The pipeline and policy packages are imported when the check runs, not
with the project loader.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dialogue.policies.errors import PolicyError
from nlu.errors import IgnoredRasaOption, NLUError, PipelineConfigError
from parley.project.config import ProjectConfig
from parley.yamlfile import LocatedDict, LocatedList, Location, load_yaml
from plugins import UnknownPluginError

Finding = tuple[Location, str, bool]  # where, what, is it an error
Found = tuple[str, bool, object]  # what, is it an error, the error or warning itself


def config_findings(path: Path, config: ProjectConfig) -> Iterator[Finding]:
    """Problems of ``config.yml`` that only building its components reveals."""
    from dialogue.policies.ensemble import PolicyEnsemble
    from nlu.pipeline import NLUPipeline

    raw = load_yaml(path)
    sections: list[tuple[str, Callable[[], Any]]] = [
        ("pipeline", lambda: NLUPipeline.build(config.pipeline, config.language)),
        ("policies", lambda: PolicyEnsemble.build(config.policies)),
    ]
    for key, build in sections:
        entries = raw.get(key) if isinstance(raw, LocatedDict) else None
        for message, is_error, found in _build_messages(build):
            line = _line_of_entry(entries, found) or _line_naming(raw, key, entries, message)
            yield Location(path, line), message, is_error


def _build_messages(build: Callable[[], Any]) -> list[Found]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            build()
            error: list[Found] = []
        except (NLUError, PolicyError, UnknownPluginError) as e:
            error = [(str(e), True, e)]
    return [(str(w.message), False, w.message) for w in caught] + error


def _line_of_entry(entries: Any, found: object) -> int | None:
    """The line of the option, or else of the entry, that a pipeline problem names."""
    if not isinstance(found, PipelineConfigError | IgnoredRasaOption) or found.entry is None:
        return None
    if not isinstance(entries, LocatedList) or not 0 < found.entry <= len(entries):
        return None
    entry = entries[found.entry - 1]
    if isinstance(entry, LocatedDict) and found.option is not None and found.option in entry:
        return entry.line_of(found.option)
    return entries.line_of(found.entry - 1)


def _line_naming(raw: Any, key: str, entries: Any, message: str) -> int | None:
    """The line of the first entry whose name the message quotes, else the section's."""
    if isinstance(entries, LocatedList):
        for index, entry in enumerate(entries):
            if isinstance(entry, LocatedDict) and f"'{entry.get('name')}'" in message:
                return entries.line_of(index)
    return raw.line_of(key) if isinstance(raw, LocatedDict) else None
