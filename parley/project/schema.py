"""Validate located YAML against pydantic models, reporting each problem at its own line.

A pydantic error ``loc`` such as ``("slots", 0, "type")`` is walked through the
:class:`~parley.yamlfile.LocatedDict`/``LocatedList`` tree the data came from.
The walk understands the two reshapings loaders do before validating: a
mapping turned into a list (``slots: {name: {...}}`` becomes a list of slots)
and Rasa's named shorthand (``- intent_name: {props}``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from parley.project.errors import SchemaError
from parley.yamlfile import LocatedDict, LocatedList, Location, ProjectFileError, line_of

ModelT = TypeVar("ModelT", bound=BaseModel)


def validate_located(model: type[ModelT], data: Mapping[str, Any], raw: Any, path: Path) -> ModelT:
    """``model.model_validate(data)``; errors become a :class:`SchemaError`, lines from ``raw``."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise SchemaError(_file_errors(e.errors(), raw, path)) from e


def _file_errors(details: Iterable[ErrorDetails], raw: Any, path: Path) -> list[ProjectFileError]:
    """One error per place; a union's failed alternatives are joined into one message."""
    grouped: dict[tuple[int | None, str, str], list[tuple[str, str]]] = {}
    for detail in details:
        line, where, message, got = _describe(detail, raw)
        alone = message if detail["type"] in ("missing", "extra_forbidden") else ""
        grouped.setdefault((line, where, alone), []).append((message, got))
    errors = []
    for (line, where, _), found in grouped.items():
        first, *others = (message for message, _ in found)
        alternatives = [first, *(m.removeprefix("Input should be ") for m in others)]
        message = " or ".join(dict.fromkeys(alternatives)) + found[0][1]
        errors.append(
            ProjectFileError(Location(path, line), f"{where}: {message}" if where else message)
        )
    return errors


def _describe(detail: ErrorDetails, raw: Any) -> tuple[int | None, str, str, str]:
    """(line, dotted path of the offending key, message, " (got ...)") of one pydantic error."""
    loc = detail["loc"]
    line, labels = _walk(raw, loc)
    last = str(loc[-1]) if loc else ""
    kind = detail["type"]
    if kind in ("missing", "extra_forbidden"):
        parent = labels[:-1] if len(labels) == len(loc) else labels
        adjective = "missing required" if kind == "missing" else "unknown"
        return line, _dotted(parent), f"{adjective} key {last!r}", ""
    message = detail["msg"].removeprefix("Value error, ")
    return line, _dotted(labels), message, "" if kind == "value_error" else _got(detail)


def _dotted(labels: list[str]) -> str:
    return "".join(
        label if label.startswith("[") or i == 0 else f".{label}" for i, label in enumerate(labels)
    )


def _got(detail: ErrorDetails) -> str:
    value = detail.get("input")
    if isinstance(value, (dict, list)):
        return ""
    shown = repr(value)
    return f" (got {shown})" if len(shown) <= 60 else ""


def _walk(raw: Any, loc: Iterable[int | str]) -> tuple[int | None, list[str]]:
    """Follow ``loc`` into ``raw``: the line of the deepest node reached, and its path labels."""
    node, line, labels = raw, line_of(raw), []
    for key in loc:
        step = _step(node, key)
        if step is None:
            break
        node, label, child_line = step
        labels.append(label)
        line = child_line if child_line is not None else line
    return line, labels


def _step(node: Any, key: int | str) -> tuple[Any, str, int | None] | None:
    if isinstance(node, LocatedDict):
        if isinstance(key, str) and key in node:
            return node[key], key, node.line_of(key)
        if isinstance(key, int) and 0 <= key < len(node):
            name = list(node)[key]
            return node[name], name, node.line_of(name)
        if isinstance(key, str) and len(node) == 1:
            inner = next(iter(node.values()))
            if isinstance(inner, LocatedDict) and key in inner:
                return inner[key], key, inner.line_of(key)
        return None
    if isinstance(node, LocatedList) and isinstance(key, int) and 0 <= key < len(node):
        return node[key], _item_label(node[key], key), node.line_of(key)
    return None


def _item_label(item: Any, index: int) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping) and len(item) == 1:
        (name, props), *_ = item.items()
        if props is None or isinstance(props, Mapping):
            return str(name)
    return f"[{index}]"


def expect_mapping(value: Any, path: Path, line: int | None, what: str) -> LocatedDict:
    """``value`` if it is a mapping (``None`` counts as empty), else a located error."""
    if value is None:
        empty = LocatedDict()
        empty.line, empty.key_lines = line or 0, {}
        return empty
    if not isinstance(value, LocatedDict):
        raise ProjectFileError(
            Location(path, line), f"{what} must be a mapping, not {_kind(value)}"
        )
    return value


def expect_list(value: Any, path: Path, line: int | None, what: str) -> LocatedList:
    """``value`` if it is a list (``None`` counts as empty), else a located error."""
    if value is None:
        empty = LocatedList()
        empty.line, empty.item_lines = line or 0, []
        return empty
    if not isinstance(value, LocatedList):
        raise ProjectFileError(Location(path, line), f"{what} must be a list, not {_kind(value)}")
    return value


def expect_str(value: Any, path: Path, line: int | None, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ProjectFileError(
            Location(path, line), f"{what} must be a non-empty string, not {_kind(value)}"
        )
    return value


def check_keys(mapping: LocatedDict, allowed: Iterable[str], path: Path, what: str) -> None:
    """Raise for the first key of ``mapping`` outside ``allowed``, at that key's line."""
    known = tuple(allowed)
    for key in mapping:
        if key not in known:
            raise ProjectFileError(
                Location(path, mapping.line_of(key)),
                f"unknown key {key!r} in {what}; expected one of: {', '.join(known)}",
            )


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, str):
        return f"the text {value!r}" if len(value) <= 40 else "a text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"
