"""Errors raised while reading a project. Every one names a file, and a line where known.

Hierarchy (all are ``ValueError``s, so callers that only care about "bad input" catch that)::

    ProjectFileError (parley.yamlfile)  "file:line[:col]: message"; YAML syntax errors too
    ├── MissingProjectFileError         a required file (domain.yml, config.yml) is absent
    ├── SchemaError                     one or more keys/values of a file do not fit its schema;
    │                                   ``errors`` holds each one with its own line
    └── UndefinedVariableError          ``${NAME}`` in endpoints/credentials names an unset variable

Entity markup errors (:class:`nlu.annotations.AnnotationError`) are re-raised as
``ProjectFileError`` at the example's line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from parley.yamlfile import Location, ProjectFileError

ErrorHandler = Callable[[ProjectFileError], None]
"""What a reader does with an error in one item (one story, one NLU block): raise or collect."""


def raise_error(error: ProjectFileError) -> None:
    """The strict :data:`ErrorHandler`: the first error stops loading."""
    raise error


class MissingProjectFileError(ProjectFileError):
    def __init__(self, path: Path, what: str) -> None:
        super().__init__(Location(path), f"missing {what}")


class SchemaError(ProjectFileError):
    """Several problems in one file; ``str()`` lists each on its own ``file:line:`` line."""

    def __init__(self, errors: Sequence[ProjectFileError]) -> None:
        if not errors:
            raise ValueError("SchemaError needs at least one error")
        first = errors[0]
        super().__init__(first.location, first.message)
        self.errors: tuple[ProjectFileError, ...] = tuple(errors)

    def __str__(self) -> str:
        return "\n".join(f"{e.location}: {e.message}" for e in self.errors)


class UndefinedVariableError(ProjectFileError):
    def __init__(self, location: Location, variable: str) -> None:
        super().__init__(location, f"environment variable {variable!r} is not set")
        self.variable = variable


def flatten_errors(error: ProjectFileError) -> tuple[ProjectFileError, ...]:
    """The individual errors inside ``error`` (itself, unless it is a :class:`SchemaError`)."""
    return error.errors if isinstance(error, SchemaError) else (error,)
