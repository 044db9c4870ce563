"""Reading and writing component files: JSON for vocabularies and settings, ``.npz`` for weights.

Nothing is pickled. Every read failure (missing file, bad JSON, wrong shape) is a
:class:`ModelLoadError` naming the file.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from nlu.errors import ModelLoadError


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False, default=str)
    path.write_text(text, encoding="utf-8")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ModelLoadError(path, "file is missing") from e
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelLoadError(path, f"not readable JSON ({e})") from e


def read_json_object(path: Path, *required: str) -> dict[str, Any]:
    """A JSON object that has at least the ``required`` keys."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise ModelLoadError(path, "expected a JSON object")
    missing = [key for key in required if key not in data]
    if missing:
        raise ModelLoadError(path, f"missing keys: {', '.join(missing)}")
    return data


def write_arrays(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]


def read_arrays(path: Path, *required: str) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except FileNotFoundError as e:
        raise ModelLoadError(path, "file is missing") from e
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ModelLoadError(path, f"not a readable .npz archive ({e})") from e
    missing = [name for name in required if name not in arrays]
    if missing:
        raise ModelLoadError(path, f"missing arrays: {', '.join(missing)}")
    return arrays


VOCABULARY_FILE = "vocabulary.json"


def write_vocabulary(directory: Path, key: str, vocabulary: Mapping[str, int]) -> None:
    """Store a feature vocabulary (name -> column) as its columns in order."""
    columns = sorted(vocabulary, key=vocabulary.__getitem__)
    write_json(directory / VOCABULARY_FILE, {"key": key, "columns": columns})


def read_vocabulary(directory: Path) -> tuple[str, dict[str, int]]:
    """The ``(key, vocabulary)`` that :func:`write_vocabulary` stored."""
    stored = read_json_object(directory / VOCABULARY_FILE, "key", "columns")
    return str(stored["key"]), {str(name): i for i, name in enumerate(stored["columns"])}
