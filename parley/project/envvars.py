"""Rasa-style ``${NAME}`` substitution in string values of endpoints and credentials files."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from parley.project.errors import UndefinedVariableError
from parley.yamlfile import LocatedDict, LocatedList, Location, ProjectFileError

_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def substitute_env(
    node: Any, path: Path, environ: Mapping[str, str], line: int | None = None
) -> Any:
    """A copy of ``node`` with every ``${NAME}`` in string values replaced by ``environ[NAME]``.

    Keys are left alone; line information is kept. An unset variable raises
    :class:`UndefinedVariableError` at the value's line.
    """
    if isinstance(node, LocatedDict):
        mapping = LocatedDict(
            {k: substitute_env(v, path, environ, node.line_of(k)) for k, v in node.items()}
        )
        mapping.line, mapping.key_lines = node.line, node.key_lines
        return mapping
    if isinstance(node, LocatedList):
        items = LocatedList(
            substitute_env(v, path, environ, node.line_of(i)) for i, v in enumerate(node)
        )
        items.line, items.item_lines = node.line, node.item_lines
        return items
    if isinstance(node, str):
        return _expand(node, Location(path, line), environ)
    return node


def _expand(text: str, location: Location, environ: Mapping[str, str]) -> str:
    def value_of(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if not name:
            raise ProjectFileError(location, f"empty variable name '${{}}' in {text!r}")
        if name not in environ:
            raise UndefinedVariableError(location, name)
        return environ[name]

    return _VARIABLE.sub(value_of, text)
