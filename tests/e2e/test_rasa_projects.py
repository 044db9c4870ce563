"""Unmodified Rasa 3.x projects validate, train and pass their own test stories on Parley."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import require_shared
from tests.e2e.conftest import SHARED, parley

pytestmark = pytest.mark.slow

RASA_BOTS = SHARED / "rasa-bots"


@pytest.mark.parametrize(
    ("bot", "stories"), [("initial-project", 7), ("formbot", 3)], ids=["initial-project", "formbot"]
)
def test_a_rasa_project_trains_and_passes_its_test_stories(
    bot: str, stories: int, tmp_path: Path
) -> None:
    project = shutil.copytree(require_shared(RASA_BOTS / bot), tmp_path / bot)

    validated = parley("data", "validate", cwd=project)
    assert validated.returncode == 0, validated.stdout + validated.stderr

    trained = parley("train", cwd=project)
    assert trained.returncode == 0, trained.stderr

    tested = parley("test", cwd=project)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert f"{stories}/{stories} passed" in tested.stdout


def test_rasa_components_parley_lacks_are_named_in_a_warning(tmp_path: Path) -> None:
    project = shutil.copytree(require_shared(RASA_BOTS / "formbot"), tmp_path / "formbot")
    trained = parley("train", cwd=project)
    assert trained.returncode == 0
    assert "DucklingEntityExtractor" in trained.stderr
