"""``parley test core``: the dialogue policies alone, scored on stories with written intents."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from dialogue.policies import PolicyEnsemble
from parley.cli import cli
from parley.core_evaluation import folds_of, scorable, score_stories
from tests.conftest import require_shared
from tests.dialogue.policies.bots import (
    MOODBOT_DOMAIN,
    MOODBOT_RULES,
    MOODBOT_STORIES,
    act,
    user,
)
from tests.dialogue.policies.bots import (
    tested as written_story,
)
from tests.e2e.conftest import SHARED


def moodbot_memory() -> PolicyEnsemble:
    ensemble = PolicyEnsemble.build([{"name": "MemoizationPolicy"}, {"name": "RulePolicy"}])
    ensemble.train([*MOODBOT_STORIES, *MOODBOT_RULES], MOODBOT_DOMAIN)
    return ensemble


def test_a_story_passes_only_if_every_action_is_predicted() -> None:
    right = written_story("bot challenge", user("bot_challenge"), act("utter_iamabot"))
    wrong = written_story("greeted wrongly", user("greet"), act("utter_goodbye"), user("goodbye"))

    passed, failed = score_stories(moodbot_memory(), [right, wrong], MOODBOT_DOMAIN)

    assert passed.passed and not failed.passed
    assert failed.first_failure is not None
    assert (failed.first_failure.expected, failed.first_failure.predicted) == (
        "utter_goodbye",
        "utter_greet",
    )


def test_stories_without_written_intents_cannot_be_scored() -> None:
    with_intent = written_story("a", user("greet"), act("utter_greet"))
    text_only = written_story("b", user(None, text="hello there"), act("utter_greet"))  # type: ignore[arg-type]

    assert scorable(with_intent)
    assert not scorable(text_only)


def test_folds_deal_every_story_once() -> None:
    folds = folds_of(MOODBOT_STORIES, 2)

    assert sorted(len(f) for f in folds) == [1, 2]
    assert sorted(s.name for f in folds for s in f) == sorted(s.name for s in MOODBOT_STORIES)


def test_cross_validation_writes_a_report_and_a_confusion_matrix(tmp_path: Path) -> None:
    project = shutil.copytree(
        require_shared(SHARED / "rasa-bots" / "initial-project"), tmp_path / "bot"
    )
    out = tmp_path / "results"

    result = CliRunner().invoke(
        cli,
        [
            "test",
            "core",
            "-p",
            str(project),
            "--cross-validation",
            "--folds",
            "3",
            "--out",
            str(out),
        ],
    )

    report = json.loads((out / "core_report.json").read_text("utf-8"))
    assert report["stories"] == 3
    assert report["actions"] > 10
    assert 0.5 < report["next_action_accuracy"] <= 1.0
    assert "utter_greet" in report["actions_report"]
    assert (out / "action_confusion_matrix.png").stat().st_size > 1000
    failures = json.loads((out / "core_failures.json").read_text("utf-8"))
    assert result.exit_code == (1 if failures else 0), result.output
    assert f"Stories: {report['stories_passed']}/3 passed" in result.output


def test_too_many_folds_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    project = shutil.copytree(
        require_shared(SHARED / "rasa-bots" / "initial-project"), tmp_path / "bot"
    )

    result = CliRunner().invoke(
        cli, ["test", "core", "-p", str(project), "--cross-validation", "--folds", "9"]
    )

    assert result.exit_code == 1
    assert "3 stories cannot be split into 9 folds" in result.output
