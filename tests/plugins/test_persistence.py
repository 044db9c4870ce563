"""Model files written and read back by the one persistence helper every package uses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dialogue.policies.errors import PolicyLoadError
from dialogue.policies.persistence import read_arrays as read_policy_arrays
from dialogue.policies.persistence import read_json as read_policy_json
from nlu.components.storage import read_json_object as read_model_json
from nlu.errors import ModelLoadError
from plugins.persistence import (
    StoredFileError,
    read_arrays,
    read_json_object,
    write_arrays,
    write_json,
)


def test_json_and_arrays_read_back_as_written(tmp_path: Path) -> None:
    write_json(tmp_path / "deep" / "settings.json", {"name": "Zoë", "sizes": [1, 2]})
    weights = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.zeros(3)}
    write_arrays(tmp_path / "weights.npz", weights)
    write_arrays(tmp_path / "plain.npz", weights, compress=False)

    assert read_json_object(tmp_path / "deep" / "settings.json", "name") == {
        "name": "Zoë",
        "sizes": [1, 2],
    }
    for name in ("weights.npz", "plain.npz"):
        arrays = read_arrays(tmp_path / name, "w", "b")
        assert arrays["w"].dtype == np.float32 and np.array_equal(arrays["w"], weights["w"])


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "file is missing"),
        ("{not json", "not readable JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"other": 1}', "missing keys: name"),
    ],
)
def test_a_json_file_that_cannot_be_used_names_the_file_and_why(
    tmp_path: Path, content: str | None, reason: str
) -> None:
    path = tmp_path / "settings.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    with pytest.raises(StoredFileError, match=reason) as caught:
        read_json_object(path, "name")

    assert caught.value.path == path


def test_damaged_or_pickled_arrays_are_refused(tmp_path: Path) -> None:
    (tmp_path / "damaged.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with (tmp_path / "pickled.npz").open("wb") as handle:
        np.savez(handle, objects=np.array([{"a": 1}], dtype=object))
    write_arrays(tmp_path / "partial.npz", {"w": np.ones(2)})

    with pytest.raises(StoredFileError, match=r"not a readable \.npz"):
        read_arrays(tmp_path / "damaged.npz")
    with pytest.raises(StoredFileError, match=r"not a readable \.npz"):
        read_arrays(tmp_path / "pickled.npz")
    with pytest.raises(StoredFileError, match="missing arrays: b"):
        read_arrays(tmp_path / "partial.npz", "w", "b")


def test_each_package_reports_an_unreadable_file_as_its_own_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")

    with pytest.raises(ModelLoadError, match=r"bad\.json"):
        read_model_json(tmp_path / "bad.json")
    with pytest.raises(PolicyLoadError, match=r"bad\.json"):
        read_policy_json(tmp_path / "bad.json")
    with pytest.raises(PolicyLoadError, match=r"missing\.npz"):
        read_policy_arrays(tmp_path / "missing.npz", ("w",))
