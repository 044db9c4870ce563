"""Read YAML 1.2 (as Rasa does, with ruamel.yaml) while remembering where everything came from.

``load_yaml(path)`` returns plain ``dict``/``list``/scalars, but mappings and
lists are :class:`LocatedDict`/:class:`LocatedList` carrying ``.line`` (1-based)
and, for mappings, ``.key_lines`` per key, so that loaders can name the file and
line of every problem. Syntax errors and duplicate keys become
:class:`ProjectFileError` with the line (and column) where they are.

YAML 1.2 is what Rasa reads: ``yes``, ``no``, ``on``, ``off``, ``y`` and ``n`` are
strings, only ``true``/``false`` (any case) are booleans. A file may still ask for
YAML 1.1 with a ``%YAML 1.1`` directive.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # ruamel.yaml (~10 ms) is imported by the first parse, not by importing this
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import MappingNode, Node

YAML_VERSION = (1, 2)


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


def parse_yaml(text: str, path: Path) -> Any:
    """Parse YAML 1.2 text; syntax errors name ``path``, line and column."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    reader = YAML(typ="safe", pure=True)
    reader.version = YAML_VERSION
    try:
        node = reader.compose(text)
        return None if node is None else _Builder(reader, path).build(node)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = " ".join(p for p in (e.context, e.problem) if p)
        raise ProjectFileError(Location(path, line, column), f"YAML syntax error: {problem}") from e
    except YAMLError as e:
        raise ProjectFileError(Location(path), f"YAML error: {e}") from e


class _Builder:
    """Turns a composed node tree into located containers and plain scalars."""

    def __init__(self, reader: YAML, path: Path) -> None:
        self._constructor = reader.constructor
        self._path = path

    def build(self, node: Node) -> Any:
        kind = getattr(node, "id", None)  # ruamel's node kinds: "mapping", "sequence", "scalar"
        if kind == "mapping":
            return self._mapping(node)  # type: ignore[arg-type]
        if kind == "sequence":
            items = LocatedList(self.build(child) for child in node.value)
            items.line = node.start_mark.line + 1
            items.item_lines = [child.start_mark.line + 1 for child in node.value]
            return items
        if kind == "scalar":
            return self._constructor.construct_object(node, deep=True)
        raise ProjectFileError(self._where(node), f"unsupported YAML node {node.tag}")

    def _mapping(self, node: MappingNode) -> LocatedDict:
        written = {id(key_node) for key_node, _ in node.value}
        self._constructor.flatten_mapping(node)
        mapping = LocatedDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        merged: set[Any] = set()
        for key_node, value_node in node.value:
            key = self.build(key_node)
            if isinstance(key, (dict, list)):
                raise ProjectFileError(self._where(key_node), "a mapping key must be a scalar")
            if id(key_node) not in written:
                merged.add(key)
            elif key in merged:
                merged.discard(key)
            elif key in mapping:
                first = mapping.key_lines.get(str(key))
                raise ProjectFileError(
                    self._where(key_node), f"duplicate key {key!r} (first at line {first})"
                )
            mapping[key] = self.build(value_node)
            mapping.key_lines[str(key)] = key_node.start_mark.line + 1
        return mapping

    def _where(self, node: Node) -> Location:
        return Location(self._path, node.start_mark.line + 1, node.start_mark.column + 1)


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
