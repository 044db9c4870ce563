"""Read the ``nlu:`` section of a training data file into :class:`TrainingData`.

Understood blocks (Rasa 3.x)::

    - intent: greet            # examples as a "- " block, or a list of
      metadata: {...}          #   "text" strings / {text: ..., metadata: ...}
      examples: |
        - hi [Ann](name)
    - synonym: gastropub       # each example is a surface form of the value
      examples: |
        - gastro pub
    - regex: zipcode           # each example is a regular expression
      examples: |
        - \\d{5}
    - lookup: city             # each example is one element of the lookup table
      examples: |
        - Berlin

Each :class:`TrainingExample` gets ``source = "file:line"``; in a ``|`` block an
example's line is the line after ``examples:`` plus its offset in the block.
Annotations with a value different from their text (``[gastro pub](cuisine:gastropub)``)
also become synonyms, as in Rasa.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nlu.annotations import AnnotationError, parse_annotated
from nlu.interfaces import Entity, TrainingData, TrainingExample
from parley.project.errors import ErrorHandler, raise_error
from parley.project.schema import check_keys, expect_list, expect_mapping, expect_str
from parley.yamlfile import LocatedDict, Location, ProjectFileError

_BLOCK_KEYS = {
    "intent": ("intent", "examples", "metadata"),
    "synonym": ("synonym", "examples"),
    "regex": ("regex", "examples"),
    "lookup": ("lookup", "examples"),
}


def read_nlu(
    section: Any, path: Path, line: int | None, on_error: ErrorHandler = raise_error
) -> TrainingData:
    """Read the value of an ``nlu:`` key. A faulty block goes to ``on_error`` and is skipped."""
    data = TrainingData()
    blocks = expect_list(section, path, line, "'nlu'")
    for index, block in enumerate(blocks):
        try:
            data = data.merged(_read_block(block, path, blocks.line_of(index)))
        except ProjectFileError as e:
            on_error(e)
    return data


def _read_block(block: Any, path: Path, line: int) -> TrainingData:
    block = expect_mapping(block, path, line, "an nlu block")
    kind = next((k for k in _BLOCK_KEYS if k in block), None)
    if kind is None:
        raise ProjectFileError(
            Location(path, line), f"nlu block needs one of the keys: {', '.join(_BLOCK_KEYS)}"
        )
    check_keys(block, _BLOCK_KEYS[kind], path, f"an nlu {kind} block")
    name = expect_str(block[kind], path, block.line_of(kind), f"{kind!r}")
    lines = list(_example_lines(block, path))
    if kind == "intent":
        return _intent_data(name, lines, path)
    texts = tuple(text for text, _ in lines)
    if kind == "synonym":
        return TrainingData(synonyms={text.lower(): name for text in texts})
    if kind == "regex":
        for text, example_line in lines:
            _check_regex(text, Location(path, example_line))
        return TrainingData(regexes={name: texts})
    return TrainingData(lookups={name: texts})


def _intent_data(intent: str, lines: list[tuple[str, int]], path: Path) -> TrainingData:
    examples: list[TrainingExample] = []
    synonyms: dict[str, str] = {}
    for raw_text, line in lines:
        location = Location(path, line)
        text, entities = annotated(raw_text, location)
        examples.append(TrainingExample(text, intent, entities, source=str(location)))
        synonyms.update(annotation_synonyms(text, entities))
    return TrainingData(examples=tuple(examples), synonyms=synonyms)


def annotated(text: str, location: Location) -> tuple[str, tuple[Entity, ...]]:
    """:func:`parse_annotated`, with markup errors located at ``location``."""
    try:
        return parse_annotated(text)
    except AnnotationError as e:
        raise ProjectFileError(location, str(e)) from e


def annotation_synonyms(text: str, entities: tuple[Entity, ...]) -> dict[str, str]:
    """``{surface text (lower): value}`` for annotations whose value differs from their text."""
    synonyms: dict[str, str] = {}
    for entity in entities:
        if entity.start is None or entity.end is None:
            continue
        surface = text[entity.start : entity.end]
        if isinstance(entity.value, str) and entity.value != surface:
            synonyms[surface.lower()] = entity.value
    return synonyms


def _example_lines(block: LocatedDict, path: Path) -> Iterator[tuple[str, int]]:
    """Each example's text and line, from a ``- `` block string or a list."""
    examples = block.get("examples")
    line = block.line_of("examples")
    if isinstance(examples, str):
        yield from _block_lines(examples, path, line + 1)
        return
    items = expect_list(examples, path, line, "'examples'")
    if not items:
        raise ProjectFileError(Location(path, line), "a block needs at least one example")
    for index, item in enumerate(items):
        item_line = items.line_of(index)
        if isinstance(item, LocatedDict):
            check_keys(item, ("text", "metadata"), path, "an example")
            item = item.get("text")
        yield expect_str(item, path, item_line, "an example").strip(), item_line


def _block_lines(examples: str, path: Path, first_line: int) -> Iterator[tuple[str, int]]:
    found = False
    for offset, text in enumerate(examples.splitlines()):
        stripped = text.strip()
        if not stripped:
            continue
        line = first_line + offset
        if stripped != "-" and not stripped.startswith("- "):
            raise ProjectFileError(
                Location(path, line), f"each example must start with '- ', got {stripped!r}"
            )
        example = stripped[1:].strip()
        if not example:
            raise ProjectFileError(Location(path, line), "empty example")
        found = True
        yield example, line
    if not found:
        raise ProjectFileError(Location(path, first_line - 1), "'examples' holds no examples")


def _check_regex(pattern: str, location: Location) -> None:
    try:
        re.compile(pattern)
    except re.error as e:
        raise ProjectFileError(location, f"invalid regular expression {pattern!r}: {e}") from e
