"""``parley test nlu``: every report and chart is written, readable and honest.

Out-of-scope examples are scored as "the bot does not know" (``nlu_fallback`` counts as
the out-of-scope intent), the report shows what each fallback threshold would trade
(in-scope accuracy against out-of-scope recall) and lists the top confusions. The confusion
matrix and the entity report have their own tests (``test_nlu_report_plots.py``,
``test_nlu_entities.py``); the command's tests on the reference bot are here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib.image
import pytest
from click.testing import CliRunner, Result

from nlu.interfaces import IntentPrediction, ParseResult, TrainingExample
from parley.cli import cli
from parley.nlu_evaluation import (
    Prediction,
    Scoring,
    best_threshold,
    intent_errors,
    intent_report,
    summary_table,
    threshold_tradeoff,
    top_confusions,
    write_reports,
)
from tests.e2e.conftest import copy_reference_bot

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

SECTIONS = ("accuracy", "out of scope", "top confusions")


def parley(*args: str, cwd: Path) -> Result:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def said(intent: str, predicted: str, text: str = "") -> Prediction:
    """An example labelled ``intent`` that the model classified as ``predicted``."""
    text = text or f"{intent} said as {predicted}"
    return Prediction(
        TrainingExample(text, intent), ParseResult(text, IntentPrediction(predicted, 0.8))
    )


def oos_test_set() -> list[Prediction]:
    """4 out-of-scope examples (2 fallbacks, 1 right, 1 missed), 5 in scope (3 right)."""
    return [
        said("out_of_scope", "nlu_fallback", "what is the meaning of life"),
        said("out_of_scope", "nlu_fallback", "sing me a song"),
        said("out_of_scope", "out_of_scope", "who won the match"),
        said("out_of_scope", "greet", "hello, can you fly"),
        said("greet", "greet"),
        said("greet", "greet", "hello there"),
        said("greet", "nlu_fallback", "yo"),
        said("order_status", "order_status"),
        said("order_status", "out_of_scope", "parcel???"),
    ]


# --- out of scope -------------------------------------------------------------------------


def test_fallback_on_an_out_of_scope_example_counts_as_correct() -> None:
    predictions = oos_test_set()

    report = intent_report(predictions)
    errors = intent_errors(predictions)

    assert report["out_of_scope"]["recall"] == 0.75  # 3 of 4: both fallbacks count
    assert report["accuracy"] == pytest.approx(6 / 9)
    wrong_texts = {e["text"] for e in errors}
    assert "sing me a song" not in wrong_texts
    assert "what is the meaning of life" not in wrong_texts
    assert "hello, can you fly" in wrong_texts


def test_fallback_on_an_in_scope_example_still_counts_as_wrong() -> None:
    predictions = oos_test_set()

    report = intent_report(predictions)
    [error] = [e for e in intent_errors(predictions) if e["text"] == "yo"]

    assert report["greet"]["recall"] == pytest.approx(2 / 3)
    assert error["intent"] == "greet"
    assert error["intent_prediction"]["name"] == "nlu_fallback"  # the model's own answer


def test_out_of_scope_section_counts_fallback_as_predicted_out_of_scope() -> None:
    section = intent_report(oos_test_set())["out of scope"]

    assert section["intent"] == "out_of_scope"
    assert section["counted_as_out_of_scope"] == ["out_of_scope", "nlu_fallback"]
    assert section["support"] == 4
    assert section["precision"] == pytest.approx(3 / 5)  # 2 in-scope examples predicted OOS
    assert section["recall"] == pytest.approx(3 / 4)
    assert section["f1-score"] == pytest.approx(2 / 3)
    assert section["in_scope_accuracy"] == pytest.approx(3 / 5)
    assert section["in_scope_support"] == 5


def test_the_out_of_scope_section_never_replaces_the_scores_of_the_out_of_scope_intent() -> None:
    report = intent_report(oos_test_set())

    assert report["out_of_scope"]["support"] == 4
    assert report["out_of_scope"]["precision"] == pytest.approx(3 / 5)
    assert "in_scope_accuracy" not in report["out_of_scope"]


def test_an_intent_named_oos_is_out_of_scope_too() -> None:
    predictions = [said("oos", "nlu_fallback"), said("greet", "greet")]

    report = intent_report(predictions)

    assert report["out of scope"]["intent"] == "oos"
    assert report["accuracy"] == 1.0


def test_the_out_of_scope_intent_can_be_named() -> None:
    predictions = [said("chitchat_unknown", "nlu_fallback"), said("greet", "greet")]

    named = intent_report(predictions, out_of_scope="chitchat_unknown")
    guessed = intent_report(predictions)

    assert Scoring.of(predictions, "chitchat_unknown").oos == "chitchat_unknown"
    assert named["accuracy"] == 1.0 and named["out of scope"]["recall"] == 1.0
    assert guessed["accuracy"] == 0.5 and guessed["out of scope"]["intent"] is None
    assert intent_report(predictions, out_of_scope="unknown")["out of scope"]["note"] == (
        "no out-of-scope intent (unknown) in the test data"
    )


def test_without_an_out_of_scope_intent_fallback_is_wrong_and_the_report_says_so() -> None:
    predictions = [said("greet", "nlu_fallback"), said("greet", "greet"), said("bye", "bye")]

    report = intent_report(predictions)

    assert report["accuracy"] == pytest.approx(2 / 3)
    assert report["out of scope"] == {
        "intent": None,
        "note": "no out-of-scope intent (out_of_scope or oos) in the test data",
    }
    assert "Out of scope: no out-of-scope intent" in summary_table(report)
    assert [e["intent_prediction"]["name"] for e in intent_errors(predictions)] == ["nlu_fallback"]


def test_summary_table_prints_the_out_of_scope_scores_after_the_intents() -> None:
    table = summary_table(intent_report(oos_test_set()))
    lines = table.splitlines()

    assert lines[0].split() == ["intent", "precision", "recall", "f1-score", "support"]
    assert any(line.startswith("out_of_scope ") for line in lines)
    assert not any(line.startswith("out of scope ") for line in lines)  # not a table row
    assert (
        "Out of scope (out_of_scope or nlu_fallback): precision 0.600, recall 0.750, "
        "f1-score 0.667, support 4; in-scope accuracy 0.600 on 5 examples"
    ) in lines


# --- the fallback threshold trade-off --------------------------------------------------


def ranked(intent: str, top: str | None, confidence: float, fallback: float = 0.0) -> Prediction:
    """An example labelled ``intent`` whose model ranked ``top`` first at ``confidence``
    (``None``: no intent at all); with ``fallback``, a ``FallbackClassifier`` of that
    threshold put ``nlu_fallback`` first, as it does."""
    text = f"{intent} ranked {top} at {confidence}"
    ranking = (IntentPrediction(top, confidence),) if top else ()
    if fallback:
        ranking = (IntentPrediction("nlu_fallback", fallback), *ranking)
    result = ParseResult(text, ranking[0] if ranking else None, intent_ranking=ranking)
    return Prediction(TrainingExample(text, intent), result)


def tradeoff_test_set() -> list[Prediction]:
    """4 out-of-scope examples and 5 in scope, hand-scored in the test below."""
    return [
        ranked("out_of_scope", "out_of_scope", 0.9),  # out of scope at every threshold
        ranked("out_of_scope", "greet", 0.2),  # out of scope from 0.25
        ranked("out_of_scope", "greet", 0.25, fallback=0.3),  # from 0.30
        ranked("out_of_scope", None, 0.0, fallback=0.3),  # nothing ranked: always
        ranked("greet", "greet", 0.9),  # right up to 0.90
        ranked("greet", "greet", 0.4),  # right up to 0.40
        ranked("order_status", "greet", 0.8),  # wrong; predicted out of scope from 0.85
        ranked("order_status", "out_of_scope", 0.7),  # wrong and out of scope always
        ranked("order_status", "order_status", 0.35, fallback=0.4),  # right up to 0.35
    ]


def test_the_tradeoff_curve_has_a_row_for_every_threshold_from_0_to_095() -> None:
    curve = threshold_tradeoff(tradeoff_test_set(), "out_of_scope")

    assert [row["threshold"] for row in curve] == [round(0.05 * i, 2) for i in range(20)]
    assert set(curve[0]) == {
        "threshold",
        "in_scope_accuracy",
        "out_of_scope_recall",
        "out_of_scope_precision",
    }


@pytest.mark.parametrize(
    ("threshold", "accuracy", "recall", "precision"),
    [
        (0.0, 3 / 5, 2 / 4, 2 / 3),
        (0.25, 3 / 5, 3 / 4, 3 / 4),
        (0.3, 3 / 5, 4 / 4, 4 / 5),
        (0.4, 2 / 5, 4 / 4, 4 / 6),
        (0.9, 1 / 5, 4 / 4, 4 / 8),
        (0.95, 0 / 5, 4 / 4, 4 / 9),
    ],
    ids=["0.00", "0.25", "0.30", "0.40", "0.90", "0.95"],
)
def test_the_tradeoff_curve_scores_the_models_own_top_intent_against_each_threshold(
    threshold: float, accuracy: float, recall: float, precision: float
) -> None:
    curve = threshold_tradeoff(tradeoff_test_set(), "out_of_scope")

    [row] = [r for r in curve if r["threshold"] == threshold]
    assert row["in_scope_accuracy"] == pytest.approx(accuracy)
    assert row["out_of_scope_recall"] == pytest.approx(recall)
    assert row["out_of_scope_precision"] == pytest.approx(precision)


def test_the_report_picks_the_lowest_threshold_of_the_best_recall_within_one_point() -> None:
    section = intent_report(tradeoff_test_set())["out of scope"]

    assert len(section["threshold_tradeoff"]) == 20
    assert section["best_threshold"] == section["threshold_tradeoff"][6]
    assert section["best_threshold"]["threshold"] == 0.3
    assert (
        "Fallback threshold with at most 1 point of in-scope accuracy lost: 0.30 "
        "(out-of-scope recall 1.00, in-scope accuracy 0.60)"
    ) in summary_table(intent_report(tradeoff_test_set())).splitlines()


def hundred_in_scope_and_six_out(second_unsure: float) -> list[Prediction]:
    """100 greetings, all right at threshold 0: 98 sure ones, one at 0.2 and one at
    ``second_unsure``; 6 out-of-scope examples ranked ``greet`` at 0.1, 0.4 and 0.52."""
    sure = [ranked("greet", "greet", 0.9)] * 98
    unsure = [ranked("greet", "greet", 0.2), ranked("greet", "greet", second_unsure)]
    oos = [ranked("out_of_scope", "greet", c) for c in (0.1, 0.1, 0.4, 0.4, 0.52, 0.52)]
    return [*sure, *unsure, *oos]


@pytest.mark.parametrize(
    ("second_unsure", "best", "accuracy", "recall"),
    [(0.5, 0.45, 0.99, 2 / 3), (0.6, 0.55, 0.99, 1.0)],
    ids=["full-recall-costs-2-points-so-not-chosen", "full-recall-costs-1-point-so-chosen"],
)
def test_the_best_threshold_loses_at_most_one_point_of_in_scope_accuracy(
    second_unsure: float, best: float, accuracy: float, recall: float
) -> None:
    curve = threshold_tradeoff(hundred_in_scope_and_six_out(second_unsure), "out_of_scope")
    [at_055] = [row for row in curve if row["threshold"] == 0.55]

    chosen = best_threshold(curve)

    assert at_055["out_of_scope_recall"] == 1.0
    assert chosen["threshold"] == best
    assert chosen["in_scope_accuracy"] == pytest.approx(accuracy)
    assert chosen["out_of_scope_recall"] == pytest.approx(recall)


def test_without_an_out_of_scope_intent_there_is_no_tradeoff_curve_nor_chart(
    tmp_path: Path,
) -> None:
    predictions = [ranked("greet", "greet", 0.9), ranked("bye", "greet", 0.3, fallback=0.4)]
    out = tmp_path / "out"

    paths = write_reports(predictions, out)
    report = json.loads(paths["intent_report.json"].read_text())

    assert "threshold_tradeoff" not in report["out of scope"]
    assert "best_threshold" not in report["out of scope"]
    assert "intent_oos_tradeoff.png" not in paths
    assert not (out / "intent_oos_tradeoff.png").exists()
    assert "Fallback threshold" not in summary_table(report)


def test_a_later_run_without_out_of_scope_intent_removes_the_earlier_chart(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    write_reports(tradeoff_test_set(), out)

    write_reports([ranked("greet", "greet", 0.9), ranked("bye", "bye", 0.8)], out)

    assert not (out / "intent_oos_tradeoff.png").exists()


# --- top confusions -----------------------------------------------------------------------


def test_top_confusions_rank_the_wrong_pairs_by_count_and_leave_out_right_ones() -> None:
    predictions = [
        *[said("refund", "cancel")] * 3,
        said("greet", "cancel"),
        *[said("refund", "order_status")] * 2,
        *[said("refund", "refund")] * 5,
    ]

    confusions = top_confusions(predictions, Scoring(None))

    assert confusions == [
        {"intent": "refund", "predicted": "cancel", "count": 3},
        {"intent": "refund", "predicted": "order_status", "count": 2},
        {"intent": "greet", "predicted": "cancel", "count": 1},
    ]
    assert top_confusions(predictions, Scoring(None), limit=1) == confusions[:1]


def test_the_intent_report_lists_the_top_20_confusions_and_prints_the_first_five() -> None:
    predictions = [said(f"intent_{i:02d}", f"other_{i:02d}") for i in range(25)]
    predictions += [said("intent_07", "other_07")] * 4

    report = intent_report(predictions)
    table = summary_table(report)

    assert len(report["top confusions"]) == 20
    assert report["top confusions"][0] == {
        "intent": "intent_07",
        "predicted": "other_07",
        "count": 5,
    }
    assert "Top confusions: intent_07 -> other_07 (5), intent_00 -> other_00 (1)," in table
    assert "and 15 more in the report" in table


def test_fallback_on_an_out_of_scope_example_is_not_a_confusion() -> None:
    confusions = intent_report(oos_test_set())["top confusions"]

    assert {"intent": "out_of_scope", "predicted": "greet", "count": 1} in confusions
    assert {"intent": "greet", "predicted": "nlu_fallback", "count": 1} in confusions
    assert all(
        c["predicted"] != "nlu_fallback" or c["intent"] != "out_of_scope" for c in confusions
    )


def test_write_reports_writes_the_out_of_scope_aware_reports(tmp_path: Path) -> None:
    paths = write_reports(oos_test_set(), tmp_path / "out")

    report = json.loads(paths["intent_report.json"].read_text())
    errors = json.loads(paths["intent_errors.json"].read_text())
    assert report["out of scope"]["recall"] == 0.75
    assert len(errors) == 3
    assert len(report["out of scope"]["threshold_tradeoff"]) == 20
    for name in ("intent_confusion_matrix.png", "intent_histogram.png", "intent_oos_tradeoff.png"):
        assert_png(paths[name])
    assert paths["intent_oos_tradeoff.png"] == tmp_path / "out" / "intent_oos_tradeoff.png"


# --- the command on the reference bot -----------------------------------------------------


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


@pytest.mark.slow
def test_nlu_test_on_the_test_stories_writes_every_report(trained_bot: Path) -> None:
    result = parley("test", "nlu", cwd=trained_bot)
    results = trained_bot / "results"

    assert result.exit_code == 0, result.output
    assert "precision" in result.output and "order_status" in result.output
    assert "Out of scope (out_of_scope or nlu_fallback): precision" in result.output
    assert "Fallback threshold with at most 1 point of in-scope accuracy lost:" in result.output
    assert "Top confusions:" in result.output
    assert "Entities: micro avg precision" in result.output
    report = json.loads((results / "intent_report.json").read_text())
    assert {"accuracy", "macro avg", "weighted avg", "order_status", "greet"} <= set(report)
    assert 0.8 <= report["accuracy"] <= 1.0
    for name, scores in report.items():
        if name not in SECTIONS:
            assert_scores_in_range(scores)
    assert report["out of scope"]["intent"] == "out_of_scope"
    assert_scores_in_range(report["out of scope"])
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
    assert_png(results / "intent_oos_tradeoff.png")


@pytest.mark.slow
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
    assert "Out of scope: no out-of-scope intent" in result.output
    [error] = json.loads((out / "intent_errors.json").read_text())
    assert error["intent"] == "greet" and error["text"].startswith("has my parcel")
    report = json.loads((out / "intent_report.json").read_text())
    assert report["accuracy"] == 0.5
    assert report["order_status"]["support"] == 1
    assert report["top confusions"] == [
        {"intent": "greet", "predicted": error["intent_prediction"]["name"], "count": 1}
    ]


@pytest.mark.slow
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
        if k not in ("macro avg", "weighted avg", *SECTIONS)
    )
    assert training_examples > 200  # every training example was tested once
    assert 0.6 <= report["accuracy"] <= 1.0  # far above chance (1 in 30 intents)
    assert_png(out / "intent_confusion_matrix.png")


@pytest.mark.slow
def test_nlu_test_says_when_the_pipeline_had_entity_recognition_off(tmp_path: Path) -> None:
    project = copy_reference_bot(tmp_path / "bot")
    config = FAST_PIPELINE.replace("  - name: CRFEntityExtractor\n", "")
    (project / "config.yml").write_text(config.replace("  - name: RegexEntityExtractor\n", ""))
    out = tmp_path / "cv"

    result = parley(
        "test", "nlu", "--cross-validation", "--folds", "2", "--out", str(out), cwd=project
    )

    assert result.exit_code == 0, result.output
    assert "Entities: not scored, entity recognition was off" in result.output
    entities = json.loads((out / "entity_report.json").read_text())
    assert entities["entity_recognition"] == "off"
    assert entities["gold_entities_not_scored"] > 0


@pytest.mark.slow
def test_plain_parley_test_still_runs_the_stories(trained_bot: Path) -> None:
    result = parley("test", cwd=trained_bot)

    assert result.exit_code == 0, result.output
    assert "Stories:" in result.output
