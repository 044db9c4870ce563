"""Reading and writing persisted policies: JSON documents and ``.npz`` arrays, no pickle.

Every failure to read is a :class:`PolicyLoadError` that names the file.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dialogue.policies.errors import PolicyLoadError

Array = npt.NDArray[np.float64]


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``; missing, unreadable or non-object files raise."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise PolicyLoadError(f"{path}: missing policy file") from e
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise PolicyLoadError(f"{path}: damaged policy file ({e})") from e
    if not isinstance(data, dict):
        raise PolicyLoadError(f"{path}: damaged policy file (expected a JSON object)")
    return data


def write_arrays(path: Path, arrays: Mapping[str, Array]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        np.savez(file, allow_pickle=False, **arrays)


def read_arrays(path: Path, names: tuple[str, ...]) -> dict[str, Array]:
    """The named float arrays of an ``.npz`` file (loaded without pickle)."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: np.asarray(archive[name], dtype=np.float64) for name in names}
    except FileNotFoundError as e:
        raise PolicyLoadError(f"{path}: missing policy weights") from e
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as e:
        raise PolicyLoadError(f"{path}: damaged policy weights ({e})") from e


def field(data: Mapping[str, Any], key: str, kind: type, path: Path) -> Any:
    """``data[key]``, checked to be a ``kind``; anything else means the file is damaged."""
    value = data.get(key)
    if not isinstance(value, kind):
        raise PolicyLoadError(f"{path}: damaged policy file ({key!r} is not a {kind.__name__})")
    return value
