"""Keys Rasa reads that Parley accepts but does not use: each is a warning naming it.

A Rasa project often carries settings that only mean something to Rasa (its data
importers, graph schemas, an external NLU server). Refusing them would stop an
unmodified bot; silently dropping them would hide that they do nothing. So the
loaders remove them from what they validate and issue an :class:`IgnoredRasaKey`
warning at the key's line; ``parley data validate`` lists it as a warning.
Any other unknown key stays an error.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

from parley.yamlfile import LocatedDict, Location

CONFIG_KEYS: Mapping[str, str] = {
    "importers": "Parley reads the project folder itself (data/, tests/, domain)",
    "train_schema": "Parley trains the pipeline and policies of default.v1",
    "predict_schema": "Parley trains the pipeline and policies of default.v1",
}
ENDPOINTS_KEYS: Mapping[str, str] = {
    "nlu": "Parley parses messages with the project's own NLU model",
    "telemetry": "Parley sends no telemetry",
}


class IgnoredRasaKey(UserWarning):
    """A Rasa setting Parley reads past; ``location`` is the key's file and line."""

    def __init__(self, location: Location, key: str, why: str) -> None:
        self.detail = f"Rasa's {key!r} has no effect in Parley and is ignored: {why}"
        super().__init__(f"{location}: {self.detail}")
        self.location = location
        self.key = key
        self.why = why


def without_ignored_keys(raw: LocatedDict, ignored: Mapping[str, str], path: Path) -> LocatedDict:
    """``raw`` less the keys of ``ignored``, warning about each one present."""
    kept = LocatedDict({k: v for k, v in raw.items() if k not in ignored})
    kept.line, kept.key_lines = raw.line, dict(raw.key_lines)
    for key in raw:
        if key in ignored:
            location = Location(path, raw.line_of(key))
            warnings.warn(IgnoredRasaKey(location, key, ignored[key]), stacklevel=2)
    return kept
