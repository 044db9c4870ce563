"""NLU training data as Rasa's tools handle it: write it as YAML, split it, convert Rasa 2 files.

* :func:`nlu_yaml` writes :class:`TrainingData` in Rasa 3's ``nlu:`` format, entity markup
  included (``[Berlin](city)``, or the JSON form when value, role or group differ).
* :func:`split_stratified` splits the examples intent by intent (``parley data split nlu``).
* :func:`read_rasa2_markdown` / :func:`read_rasa_json` read Rasa 2's Markdown (``## intent:x``)
  and JSON (``rasa_nlu_data``) files (``parley data convert nlu``).
"""

from __future__ import annotations

import io
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from nlu.annotations import AnnotationError, parse_annotated
from nlu.interfaces import Entity, TrainingData, TrainingExample
from parley.errors import ParleyError

_MD_SECTIONS = ("intent", "synonym", "regex", "lookup")


class DataConversionError(ParleyError):
    """An input file of ``parley data convert`` cannot be read; the message names it."""


def annotate(example: TrainingExample) -> str:
    """``example.text`` with Rasa's entity markup put back."""
    text, out, at = example.text, [], 0
    for entity in sorted(example.entities, key=lambda e: e.start or 0):
        if entity.start is None or entity.end is None or entity.start < at:
            continue
        span = text[entity.start : entity.end]
        out += [text[at : entity.start], f"[{span}]{_label(entity, span)}"]
        at = entity.end
    return "".join([*out, text[at:]])


def _label(entity: Entity, span: str) -> str:
    if entity.role is None and entity.group is None:
        return f"({entity.entity})" if entity.value in (span, None) else _json_label(entity)
    return _json_label(entity, span)


def _json_label(entity: Entity, span: str | None = None) -> str:
    label: dict[str, Any] = {"entity": entity.entity}
    if entity.value != span:
        label["value"] = entity.value
    label.update({k: v for k, v in (("role", entity.role), ("group", entity.group)) if v})
    return json.dumps(label, ensure_ascii=False)


def nlu_yaml(data: TrainingData) -> str:
    """``data`` as a Rasa 3.1 ``nlu:`` YAML document."""
    blocks: list[dict[str, Any]] = []
    by_intent: dict[str, list[str]] = defaultdict(list)
    for example in data.examples:
        if example.intent:
            by_intent[example.intent].append(annotate(example))
    blocks += [{"intent": i, "examples": _examples(texts)} for i, texts in by_intent.items()]
    surfaces: dict[str, list[str]] = defaultdict(list)
    for surface, value in data.synonyms.items():
        surfaces[value].append(surface)
    blocks += [{"synonym": v, "examples": _examples(s)} for v, s in surfaces.items()]
    blocks += [{"regex": n, "examples": _examples(p)} for n, p in data.regexes.items()]
    blocks += [{"lookup": n, "examples": _examples(e)} for n, e in data.lookups.items()]
    writer = YAML(typ="rt", pure=True)
    writer.version = (1, 2)
    writer.indent(mapping=2, sequence=2, offset=0)
    out = io.StringIO()
    writer.dump({"version": "3.1", "nlu": blocks}, out)
    return out.getvalue().replace("%YAML 1.2\n---\n", "", 1)


def _examples(texts: Iterable[str]) -> LiteralScalarString:
    block: LiteralScalarString = LiteralScalarString("".join(f"- {text}\n" for text in texts))
    return block


def split_stratified(
    data: TrainingData, training_fraction: float, seed: int
) -> tuple[TrainingData, TrainingData]:
    """(training, test): each intent's examples split by ``training_fraction``, at least one
    example of every intent kept for training; synonyms, regexes and lookups go to training."""
    if not 0.0 < training_fraction < 1.0:
        raise ValueError(f"training fraction must be between 0 and 1, not {training_fraction}")
    rng = random.Random(seed)
    by_intent: dict[str | None, list[TrainingExample]] = defaultdict(list)
    for example in data.examples:
        by_intent[example.intent].append(example)
    train: list[TrainingExample] = []
    test: list[TrainingExample] = []
    for examples in by_intent.values():
        shuffled = list(examples)
        rng.shuffle(shuffled)
        keep = max(1, round(len(shuffled) * training_fraction))
        train += shuffled[:keep]
        test += shuffled[keep:]
    training = TrainingData(tuple(train), data.synonyms, data.regexes, data.lookups)
    return training, TrainingData(tuple(test))


def read_rasa2_markdown(path: Path) -> TrainingData:
    """Rasa 2's Markdown NLU format: ``## intent:name`` (also ``synonym``, ``regex``,
    ``lookup``) headings, each followed by ``- example`` lines."""
    examples: list[TrainingExample] = []
    synonyms: dict[str, str] = {}
    regexes: dict[str, list[str]] = defaultdict(list)
    lookups: dict[str, list[str]] = defaultdict(list)
    section: tuple[str, str] | None = None
    for number, raw in enumerate(path.read_text("utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("##"):
            kind, _, name = line.lstrip("#").strip().partition(":")
            if kind.strip() not in _MD_SECTIONS or not name.strip():
                raise DataConversionError(f"{path}:{number}: unknown section {line!r}")
            section = (kind.strip(), name.strip())
        elif line.startswith(("- ", "* ", "+ ")) and section is not None:
            kind, name = section
            item = line[2:].strip()
            if kind == "intent":
                text, entities = _parsed(item, path, number)
                examples.append(TrainingExample(text, name, entities, f"{path}:{number}"))
            elif kind == "synonym":
                synonyms[item.lower()] = name
            elif kind == "regex":
                regexes[name].append(item)
            else:
                lookups[name].append(item)
        elif line and not line.startswith("<!--"):
            raise DataConversionError(f"{path}:{number}: expected '## section' or '- example'")
    return TrainingData(
        tuple(examples),
        synonyms,
        {k: tuple(v) for k, v in regexes.items()},
        {k: tuple(v) for k, v in lookups.items()},
    )


def read_rasa_json(path: Path) -> TrainingData:
    """Rasa's JSON NLU format: ``{"rasa_nlu_data": {"common_examples": [...], ...}}``."""
    try:
        document = json.loads(path.read_text("utf-8"))
        nlu = document["rasa_nlu_data"]
        examples = tuple(_json_example(item, path) for item in nlu.get("common_examples", ()))
        synonyms = {
            str(surface).lower(): str(entry["value"])
            for entry in nlu.get("entity_synonyms", ())
            for surface in entry.get("synonyms", ())
        }
        regexes: dict[str, tuple[str, ...]] = defaultdict(tuple)
        for entry in nlu.get("regex_features", ()):
            regexes[str(entry["name"])] += (str(entry["pattern"]),)
        lookups = {
            str(entry["name"]): tuple(str(e) for e in entry["elements"])
            for entry in nlu.get("lookup_tables", ())
        }
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise DataConversionError(f"{path}: not Rasa's JSON NLU format ({e!r})") from e
    return TrainingData(examples, synonyms, dict(regexes), lookups)


def _json_example(item: Mapping[str, Any], path: Path) -> TrainingExample:
    text = str(item["text"])
    entities = tuple(
        Entity(
            entity=str(e["entity"]),
            value=e.get("value", text[e["start"] : e["end"]]),
            start=int(e["start"]),
            end=int(e["end"]),
            role=e.get("role"),
            group=e.get("group"),
        )
        for e in item.get("entities", ())
    )
    return TrainingExample(text, item.get("intent") or None, entities, str(path))


def _parsed(text: str, path: Path, line: int) -> tuple[str, tuple[Entity, ...]]:
    try:
        return parse_annotated(text)
    except AnnotationError as e:
        raise DataConversionError(f"{path}:{line}: {e}") from e

