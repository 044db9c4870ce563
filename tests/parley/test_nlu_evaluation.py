"""``parley test nlu`` on the reference bot: every report and chart is written and readable."""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib.image
import pytest
from click.testing import CliRunner, Result

from parley.cli import cli
from tests.e2e.conftest import copy_reference_bot

pytestmark = pytest.mark.slow

FAST_PIPELINE = """
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
  - name: LogisticRegressionClassifier
  - name: CRFEntityExtractor
  - name: RegexEntityExtractor
policies:
  - name: RulePolicy
"""


def parley(*args: str, cwd: Path) -> Result:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture(scope="module")
def trained_bot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_reference_bot(tmp_path_factory.mktemp("nlu-eval") / "bot")
    assert parley("train", cwd=project).exit_code == 0
    return project


def assert_scores_in_range(scores: dict[str, float]) -> None:
    for key in ("precision", "recall", "f1-score"):
        assert 0.0 <= scores[key] <= 1.0
    assert scores["support"] >= 0


def assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(path)
    assert image.shape[0] > 100 and image.shape[1] > 100


def test_nlu_test_on_the_test_stories_writes_every_report(trained_bot: Path) -> None:
    result = parley("test", "nlu", cwd=trained_bot)
    results = trained_bot / "results"

    assert result.exit_code == 0, result.output
    assert "precision" in result.output and "order_status" in result.output
    report = json.loads((results / "intent_report.json").read_text())
    assert {"accuracy", "macro avg", "weighted avg", "order_status", "greet"} <= set(report)
    assert 0.8 <= report["accuracy"] <= 1.0
    for name, scores in report.items():
        if name != "accuracy":
            assert_scores_in_range(scores)
    errors = json.loads((results / "intent_errors.json").read_text())
    assert all({"text", "intent", "intent_prediction"} <= set(e) for e in errors)
    assert all(e["intent"] != e["intent_prediction"]["name"] for e in errors)
    entities = json.loads((results / "entity_report.json").read_text())
    assert entities["order_number"]["support"] > 0
    assert entities["order_number"]["f1-score"] >= 0.8
    for scores in entities.values():
        assert_scores_in_range(scores)
    assert_png(results / "intent_confusion_matrix.png")
    assert_png(results / "intent_histogram.png")


def test_nlu_test_reads_an_nlu_file_and_scores_a_wrong_label_as_an_error(
    trained_bot: Path, tmp_path: Path
) -> None:
    data = tmp_path / "nlu_test.yml"
    data.write_text(
        'version: "3.1"\nnlu:\n- intent: order_status\n  examples: |\n'
        "    - where is order [PO-11111](order_number)\n"
        "- intent: greet\n  examples: |\n    - has my parcel with my boots shipped yet\n"
    )
    out = tmp_path / "out"

    result = parley("test", "nlu", "--nlu", str(data), "--out", str(out), cwd=trained_bot)

    assert result.exit_code == 0, result.output
    [error] = json.loads((out / "intent_errors.json").read_text())
    assert error["intent"] == "greet" and error["text"].startswith("has my parcel")
    report = json.loads((out / "intent_report.json").read_text())
    assert report["accuracy"] == 0.5
    assert report["order_status"]["support"] == 1


def test_cross_validation_trains_on_folds_of_the_training_data(tmp_path: Path) -> None:
    project = copy_reference_bot(tmp_path / "bot")
    (project / "config.yml").write_text(FAST_PIPELINE)
    out = tmp_path / "cv"

    result = parley(
        "test", "nlu", "--cross-validation", "--folds", "3", "--out", str(out), cwd=project
    )

    assert result.exit_code == 0, result.output
    report = json.loads((out / "intent_report.json").read_text())
    training_examples = sum(
        int(s["support"])
        for k, s in report.items()
        if k not in ("accuracy", "macro avg", "weighted avg")
    )
    assert training_examples > 200  # every training example was tested once
    assert 0.6 <= report["accuracy"] <= 1.0  # far above chance (1 in 30 intents)
    assert_png(out / "intent_confusion_matrix.png")


def test_plain_parley_test_still_runs_the_stories(trained_bot: Path) -> None:
    result = parley("test", cwd=trained_bot)

    assert result.exit_code == 0, result.output
    assert "Stories:" in result.output
