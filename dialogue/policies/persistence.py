"""Reading and writing persisted policies: JSON documents and ``.npz`` arrays, no pickle.

The files are read and written by :mod:`plugins.persistence`; here every failure to
read becomes a :class:`PolicyLoadError` that names the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dialogue.policies.errors import PolicyLoadError
from plugins import persistence
from plugins.persistence import StoredFileError, write_json

__all__ = ["field", "read_arrays", "read_json", "write_arrays", "write_json"]

Array = npt.NDArray[np.float64]


@contextmanager
def _policy_file() -> Iterator[None]:
    try:
        yield
    except StoredFileError as e:
        if e.reason == "file is missing":
            raise PolicyLoadError(f"{e.path}: missing policy file") from e
        raise PolicyLoadError(f"{e.path}: damaged policy file ({e.reason})") from e


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``; missing, unreadable or non-object files raise."""
    with _policy_file():
        return persistence.read_json_object(path)


def write_arrays(path: Path, arrays: Mapping[str, Array]) -> None:
    persistence.write_arrays(path, arrays, compress=False)


def read_arrays(path: Path, names: tuple[str, ...]) -> dict[str, Array]:
    """The named float arrays of an ``.npz`` file (loaded without pickle)."""
    with _policy_file():
        arrays = persistence.read_arrays(path, *names)
    return {name: np.asarray(arrays[name], dtype=np.float64) for name in names}


def field(data: Mapping[str, Any], key: str, kind: type, path: Path) -> Any:
    """``data[key]``, checked to be a ``kind``; anything else means the file is damaged."""
    value = data.get(key)
    if not isinstance(value, kind):
        raise PolicyLoadError(f"{path}: damaged policy file ({key!r} is not a {kind.__name__})")
    return value
