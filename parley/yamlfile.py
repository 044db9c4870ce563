"""Read YAML while remembering where every mapping, list and scalar came from.

``load_yaml(path)`` returns plain ``dict``/``list``/scalars, but mappings and
lists are :class:`LocatedDict`/:class:`LocatedList` carrying ``.line`` (1-based)
and, for mappings, ``.key_lines`` per key, so that loaders can name the file and
line of every problem. Syntax errors become :class:`ProjectFileError` with the
line and column the YAML parser reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode


@dataclass(frozen=True)
class Location:
    path: Path
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where


class ProjectFileError(ValueError):
    """A project file is malformed. ``str()`` starts with ``file:line:``."""

    def __init__(self, location: Location, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


class LocatedDict(dict[str, Any]):
    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list[Any]):
    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class _LocatingLoader(yaml.SafeLoader):
    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = LocatedDict(cast(dict[str, Any], super().construct_mapping(node, deep=True)))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {
            str(key_node.value): key_node.start_mark.line + 1 for key_node, _ in node.value
        }
        return mapping

    def construct_sequence(self, node: SequenceNode, deep: bool = False) -> list[Any]:
        items = LocatedList(super().construct_sequence(node, deep=True))
        items.line = node.start_mark.line + 1
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        return items


def _construct_located_mapping(loader: _LocatingLoader, node: Node) -> LocatedDict:
    assert isinstance(node, MappingNode)
    loader.flatten_mapping(node)
    return loader.construct_mapping(node)  # type: ignore[return-value]


def _construct_located_sequence(loader: _LocatingLoader, node: Node) -> LocatedList:
    assert isinstance(node, SequenceNode)
    return loader.construct_sequence(node)  # type: ignore[return-value]


_LocatingLoader.add_constructor("tag:yaml.org,2002:map", _construct_located_mapping)
_LocatingLoader.add_constructor("tag:yaml.org,2002:seq", _construct_located_sequence)


def parse_yaml(text: str, path: Path) -> Any:
    """Parse YAML text; syntax errors name ``path``, line and column."""
    try:
        return yaml.load(text, Loader=_LocatingLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = " ".join(p for p in (e.context, e.problem) if p)
        raise ProjectFileError(Location(path, line, column), f"YAML syntax error: {problem}") from e
    except yaml.YAMLError as e:
        raise ProjectFileError(Location(path), f"YAML error: {e}") from e


def load_yaml(path: Path) -> Any:
    """Read and parse one YAML file (UTF-8)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ProjectFileError(Location(path), f"cannot read file: {e}") from e
    return parse_yaml(text, path)


def line_of(container: Any, key: str | int | None = None) -> int | None:
    """Best-known line of ``container[key]`` (or of the container itself)."""
    if isinstance(container, LocatedDict):
        return container.line_of(str(key)) if key is not None else container.line
    if isinstance(container, LocatedList):
        return container.line_of(int(key)) if isinstance(key, int) else container.line
    return None
