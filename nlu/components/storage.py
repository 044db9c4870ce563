"""Reading and writing component files: JSON for vocabularies and settings, ``.npz`` for weights.

The files are read and written by :mod:`plugins.persistence`; here every read failure
(missing file, bad JSON, wrong shape) becomes a :class:`ModelLoadError` naming the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from nlu.errors import ModelLoadError
from plugins import persistence
from plugins.persistence import StoredFileError, write_json

__all__ = [
    "read_arrays",
    "read_json",
    "read_json_object",
    "read_vocabulary",
    "write_arrays",
    "write_json",
    "write_vocabulary",
]


@contextmanager
def _model_file() -> Iterator[None]:
    try:
        yield
    except StoredFileError as e:
        raise ModelLoadError(e.path, e.reason) from e


def read_json(path: Path) -> Any:
    with _model_file():
        return persistence.read_json(path)


def read_json_object(path: Path, *required: str) -> dict[str, Any]:
    """A JSON object that has at least the ``required`` keys."""
    with _model_file():
        return persistence.read_json_object(path, *required)


def write_arrays(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    persistence.write_arrays(path, arrays)


def read_arrays(path: Path, *required: str) -> dict[str, np.ndarray]:
    with _model_file():
        return persistence.read_arrays(path, *required)


VOCABULARY_FILE = "vocabulary.json"


def write_vocabulary(directory: Path, key: str, vocabulary: Mapping[str, int]) -> None:
    """Store a feature vocabulary (name -> column) as its columns in order."""
    columns = sorted(vocabulary, key=vocabulary.__getitem__)
    write_json(directory / VOCABULARY_FILE, {"key": key, "columns": columns})


def read_vocabulary(directory: Path) -> tuple[str, dict[str, int]]:
    """The ``(key, vocabulary)`` that :func:`write_vocabulary` stored."""
    stored = read_json_object(directory / VOCABULARY_FILE, "key", "columns")
    return str(stored["key"]), {str(name): i for i, name in enumerate(stored["columns"])}
