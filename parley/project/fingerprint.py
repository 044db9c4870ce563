"""Stable content hashes of a project's training inputs.

Each part is turned into canonical JSON first: mapping keys sorted, line numbers
and ``file:line`` sources dropped, and collections whose order carries no meaning
(intents, entities, slots, actions, NLU examples, stories) sorted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from dialogue.domain import Domain
from dialogue.stories import Story
from nlu.interfaces import TrainingData
from parley.project.config import ProjectConfig

_POSITION_FIELDS = frozenset({"line", "source"})
_UNORDERED_DOMAIN_LISTS = ("intents", "entities", "slots", "actions", "e2e_actions")


def project_fingerprints(
    config: ProjectConfig, domain: Domain, nlu: TrainingData, stories: Iterable[Story]
) -> dict[str, str]:
    return {
        "config_nlu": digest(
            {"language": config.language, "pipeline": [dict(c) for c in config.pipeline]}
        ),
        "config_policies": digest([dict(c) for c in config.policies]),
        "domain": digest(_domain_content(domain)),
        "nlu": digest(_nlu_content(nlu)),
        "stories": digest(_sorted_canonical(stories)),
    }


def digest(content: Any) -> str:
    """SHA-256 of the canonical JSON of ``content``."""
    text = json.dumps(canonical(content), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical(value: Any) -> Any:
    """``value`` as JSON-ready data without positions; dataclasses carry their type name."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {
            f.name: canonical(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in _POSITION_FIELDS
        }
        return {"__type__": type(value).__name__, **data}
    if isinstance(value, BaseModel):
        return canonical(value.model_dump(mode="json"))
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return value


def _domain_content(domain: Domain) -> dict[str, Any]:
    data: dict[str, Any] = domain.model_dump(mode="json")
    for key in _UNORDERED_DOMAIN_LISTS:
        data[key] = sorted(data[key], key=lambda item: json.dumps(item, sort_keys=True))
    return data


def _nlu_content(nlu: TrainingData) -> dict[str, Any]:
    return {
        "examples": _sorted_canonical(nlu.examples),
        "synonyms": dict(nlu.synonyms),
        "regexes": {name: sorted(patterns) for name, patterns in nlu.regexes.items()},
        "lookups": {name: sorted(items) for name, items in nlu.lookups.items()},
    }


def _sorted_canonical(items: Iterable[Any]) -> list[Any]:
    return sorted(
        (canonical(item) for item in items),
        key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False, default=str),
    )
