"""Reading and writing model files, shared by every package: JSON documents and ``.npz``
arrays, never pickle.

Every failure to read (a missing file, bad JSON, a damaged archive, a missing key or
array) is a :class:`StoredFileError` naming the file and the reason; each package turns
it into its own error (``ModelLoadError`` for the NLU, ``PolicyLoadError`` for policies).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np


class StoredFileError(Exception):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


def write_json(path: Path, data: Any) -> None:
    """``data`` as indented JSON with sorted keys (parent folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False, default=str)
    path.write_text(text, encoding="utf-8")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise StoredFileError(path, "file is missing") from e
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise StoredFileError(path, f"not readable JSON ({e})") from e


def read_json_object(path: Path, *required: str) -> dict[str, Any]:
    """A JSON object that has at least the ``required`` keys."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise StoredFileError(path, "expected a JSON object")
    missing = [key for key in required if key not in data]
    if missing:
        raise StoredFileError(path, f"missing keys: {', '.join(missing)}")
    return data


def write_arrays(path: Path, arrays: Mapping[str, np.ndarray], compress: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        save = np.savez_compressed if compress else np.savez
        save(handle, **arrays)  # type: ignore[arg-type]


def read_arrays(path: Path, *required: str) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file (loaded without pickle); ``required`` must be there."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except FileNotFoundError as e:
        raise StoredFileError(path, "file is missing") from e
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise StoredFileError(path, f"not a readable .npz archive ({e})") from e
    missing = [name for name in required if name not in arrays]
    if missing:
        raise StoredFileError(path, f"missing arrays: {', '.join(missing)}")
    return arrays
