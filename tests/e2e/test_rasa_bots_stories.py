"""The shared Rasa test projects validate with no problem (but Rasa options without effect
in Parley), train, and their test stories give the results the stories were written to give
under ``rasa test``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import require_shared
from tests.e2e.conftest import SHARED, parley

pytestmark = pytest.mark.slow

RASA_BOTS = SHARED / "rasa-bots"


def trained_copy(bot: str, tmp_path: Path) -> Path:
    project = shutil.copytree(require_shared(RASA_BOTS / bot), tmp_path / bot)
    validated = parley("data", "validate", cwd=project)
    assert validated.returncode == 0, validated.stderr
    assert "0 error(s), " in validated.stderr
    warned = [line for line in validated.stderr.splitlines() if ": warning: " in line]
    assert all("has no effect in Parley and is ignored" in line for line in warned), warned
    trained = parley("train", cwd=project)
    assert trained.returncode == 0, trained.stderr
    return project


def story_results(project: Path) -> dict[str, bool]:
    report = json.loads((project / "results" / "story_report.json").read_text("utf-8"))
    return {story["name"]: story["passed"] for story in report["stories"]}


def test_the_response_selector_bot_passes_and_fails_the_stories_meant_to(
    tmp_path: Path,
) -> None:
    project = trained_copy("test_response_selector_bot", tmp_path)

    tested = parley("test", cwd=project)

    assert tested.returncode == 1
    assert story_results(project) == {
        "test 0 - both predictions should be the same in the test stories": True,
        "test 1 - test retrieving full utter action when predicted wrongly": False,
        "test 2 - test that fails correctly without retrieval intents": False,
        "test 3 - test that works well without retrieval intents": True,
    }
    assert (
        "expected action 'utter_chitchat/ask_weather', predicted 'utter_chitchat/ask_name'"
        in tested.stdout
    )


def test_the_end_to_end_bot_trains_on_bot_texts_and_refuses_texts_it_never_said(
    tmp_path: Path,
) -> None:
    project = trained_copy("test_e2ebot", tmp_path)

    tested = parley("test", cwd=project)

    report = json.loads((project / "results" / "story_report.json").read_text("utf-8"))
    assert tested.returncode == 1
    assert report["summary"]["stories"] == 4
    assert 'expected action "I\'m sorry!"' in tested.stdout
    assert "This is an unknown bot utterance" not in {
        line.rsplit("predicted ", 1)[-1] for line in tested.stdout.splitlines()
    }


def test_the_moodbot_validates_and_trains(tmp_path: Path) -> None:
    project = trained_copy("test_moodbot", tmp_path)

    assert list((project / "models").glob("*.tar.gz"))
