"""``parley test nlu``: score an NLU pipeline on test examples or by k-fold cross-validation.

Writes into the results folder:

* ``intent_report.json`` — per intent ``precision``, ``recall``, ``f1-score``, ``support``,
  plus ``accuracy``, ``macro avg`` and ``weighted avg``; the ``out of scope`` section
  (see below) and ``top confusions``: the most frequent wrong (intent, predicted) pairs
  with their counts, as the model predicted them;
* ``intent_errors.json`` — every misclassified example with the expected intent and the
  intent the model predicted;
* ``entity_report.json`` — per entity type exact-span (start, end, type) precision, recall,
  F1 and support, plus ``micro avg``; or, when the pipeline cannot extract entities (no
  entity extractor, or ``entity_recognition: false``), ``{"entity_recognition": "off"}``
  with the reason and the gold entities left unscored, instead of an F1 of 0 (see
  :mod:`parley.nlu_entities`);
* ``intent_confusion_matrix.png`` and ``intent_histogram.png`` (confidence of right and
  wrong predictions), and with an out-of-scope intent ``intent_oos_tradeoff.png`` (the
  trade-off curve below); see :mod:`parley.nlu_report_plots`.

Out of scope: when the test data labels examples with an out-of-scope intent
(``out_of_scope`` or ``oos``, or the name passed as ``out_of_scope``), a ``nlu_fallback``
prediction means the same as that intent ("the bot does not know"): it is scored as
that intent, so it is right on an out-of-scope example and still wrong on any other.
The per-intent scores and the confusion matrix count ``nlu_fallback`` as that intent;
the errors and top confusions keep the model's own ``nlu_fallback``. The ``out of scope``
section gives OOS precision, recall and F1 (predicted OOS: the OOS intent or
``nlu_fallback``; true OOS: labelled with the OOS intent) and the accuracy on the
examples not labelled out of scope. Its key has spaces, like ``macro avg``, so that it
never collides with the OOS intent's own scores. Without an OOS intent the section only
says that none was found, and ``nlu_fallback`` is a wrong prediction like any other.

Choosing the fallback threshold: with an OOS intent the section also has
``threshold_tradeoff``, the in-scope accuracy and OOS recall and precision had
``FallbackClassifier`` used each threshold 0.00, 0.05, ..., 0.95 (see
:func:`threshold_tradeoff`), and ``best_threshold``, the row of the threshold with the
highest OOS recall that loses at most 1 point of in-scope accuracy against threshold 0
(see :func:`best_threshold`); the summary table prints it.

Retrieval intents (``faq/shipping``) are scored by their base intent, as the
classifier predicts it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlu.interfaces import IntentPrediction, Interpreter, ParseResult, TrainingData, TrainingExample
from nlu.pipeline import NLUPipeline
from parley.nlu_entities import entity_recognition_off, entity_report, precision_recall_f1
from parley.nlu_report_plots import save_confusion_matrix, save_histogram, save_oos_tradeoff

INTENT_REPORT = "intent_report.json"
INTENT_ERRORS = "intent_errors.json"
ENTITY_REPORT = "entity_report.json"
CONFUSION_MATRIX = "intent_confusion_matrix.png"
HISTOGRAM = "intent_histogram.png"
OOS_TRADEOFF = "intent_oos_tradeoff.png"

FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENTS = ("out_of_scope", "oos")
"""Intent names recognised as out of scope when none is named explicitly."""
OUT_OF_SCOPE = "out of scope"
TOP_CONFUSIONS = "top confusions"
TOP_CONFUSION_COUNT = 20
PRINTED_CONFUSIONS = 5
TRADEOFF_THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(20))
"""The fallback thresholds of the trade-off curve: 0.00, 0.05, ..., 0.95."""
MAX_ACCURACY_LOSS = 0.01
"""How much in-scope accuracy (1 point) the best threshold may lose against threshold 0."""


@dataclass(frozen=True)
class Prediction:
    """One test example and what the model made of it. ``entities_off`` says why that
    model could not extract entities; ``None`` when it could (or may)."""

    example: TrainingExample
    result: ParseResult
    entities_off: str | None = None

    @property
    def expected(self) -> str:
        return _base(self.example.intent or "")

    @property
    def predicted(self) -> str:
        return self.result.intent_name or "None"

    @property
    def confidence(self) -> float:
        return self.result.intent.confidence if self.result.intent else 0.0

    @property
    def top_intent(self) -> IntentPrediction | None:
        """The model's own top intent, before any fallback: the first ranked intent that is
        not ``nlu_fallback`` (or the intent itself, when the ranking has none)."""
        ranked = (*self.result.intent_ranking, self.result.intent)
        return next((i for i in ranked if i is not None and i.name != FALLBACK_INTENT), None)


@dataclass(frozen=True)
class Scoring:
    """How predicted intents are scored: with an out-of-scope intent ``oos``,
    ``nlu_fallback`` is scored as ``oos``."""

    oos: str | None
    searched: tuple[str, ...] = OUT_OF_SCOPE_INTENTS

    @classmethod
    def of(cls, predictions: Sequence[Prediction], out_of_scope: str | None = None) -> Scoring:
        """The scoring for ``predictions``: ``out_of_scope`` (or else the first of
        :data:`OUT_OF_SCOPE_INTENTS`) when some example is labelled with it."""
        expected = {p.expected for p in predictions}
        candidates = (out_of_scope,) if out_of_scope else OUT_OF_SCOPE_INTENTS
        return cls(next((name for name in candidates if name in expected), None), candidates)

    def label(self, prediction: Prediction) -> str:
        if self.oos is not None and prediction.predicted == FALLBACK_INTENT:
            return self.oos
        return prediction.predicted

    def correct(self, prediction: Prediction) -> bool:
        return self.label(prediction) == prediction.expected


def _base(intent: str) -> str:
    return intent.split("/", 1)[0]


def nlu_test_examples(root: Path, nlu_path: Path | None) -> list[TrainingExample]:
    """Examples from ``nlu_path`` (an ``nlu:`` YAML file or folder), or by default the user
    turns with text and intent of the project's test stories."""
    from dialogue.stories import UserStep
    from parley.project import Project
    from parley.project.data_files import read_training_file

    if nlu_path is not None:
        files = sorted(nlu_path.rglob("*.yml")) if nlu_path.is_dir() else [nlu_path]
        return [e for f in files for e in read_training_file(f).nlu.examples]
    return [
        TrainingExample(step.text, step.intent, step.entities, story.source)
        for story in Project.load(root).test_stories
        for step in story.steps
        if isinstance(step, UserStep) and step.text and step.intent
    ]


def evaluate(interpreter: Interpreter, examples: Sequence[TrainingExample]) -> list[Prediction]:
    """Parse every example with an intent."""
    off = entity_recognition_off(interpreter)
    return [Prediction(e, interpreter.parse(e.text), off) for e in examples if e.intent]


def cross_validate(
    pipeline: Sequence[Mapping[str, Any]] | None,
    language: str,
    data: TrainingData,
    folds: int,
    seed: int = 42,
) -> list[Prediction]:
    """Train a fresh pipeline on all folds but one, ``folds`` times; predict each held-out fold.

    Folds are stratified by intent, so every intent is tested in proportion.
    """
    rng = np.random.default_rng(seed)
    assignment = _stratified_folds(data.examples, folds, rng)
    predictions: list[Prediction] = []
    for fold in range(folds):
        train = tuple(e for e, f in zip(data.examples, assignment, strict=True) if f != fold)
        test = [e for e, f in zip(data.examples, assignment, strict=True) if f == fold]
        nlu = NLUPipeline.build(pipeline, language)
        nlu.train(TrainingData(train, data.synonyms, data.regexes, data.lookups))
        predictions.extend(evaluate(nlu, test))
    return predictions


def _stratified_folds(
    examples: Sequence[TrainingExample], folds: int, rng: np.random.Generator
) -> list[int]:
    assignment = [0] * len(examples)
    by_intent: dict[str, list[int]] = {}
    for i, example in enumerate(examples):
        by_intent.setdefault(example.intent or "", []).append(i)
    offset = 0
    for intent in sorted(by_intent):
        for position, i in enumerate(rng.permutation(by_intent[intent])):
            assignment[int(i)] = (offset + position) % folds
        offset += len(by_intent[intent])
    return assignment


def intent_report(
    predictions: Sequence[Prediction], out_of_scope: str | None = None
) -> dict[str, Any]:
    """Scores per intent and averages, the ``out of scope`` section and ``top confusions``."""
    from sklearn.metrics import classification_report

    scoring = Scoring.of(predictions, out_of_scope)
    expected = [p.expected for p in predictions]
    predicted = [scoring.label(p) for p in predictions]
    report: dict[str, Any] = classification_report(
        expected, predicted, labels=sorted(set(expected)), output_dict=True, zero_division=0
    )
    report.pop("micro avg", None)
    report["accuracy"] = float(np.mean([scoring.correct(p) for p in predictions]))
    report[OUT_OF_SCOPE] = out_of_scope_section(predictions, scoring)
    report[TOP_CONFUSIONS] = top_confusions(predictions, scoring)
    return report


def out_of_scope_section(predictions: Sequence[Prediction], scoring: Scoring) -> dict[str, Any]:
    """OOS precision, recall and F1 and the in-scope accuracy; or that no OOS intent was found."""
    oos = scoring.oos
    if oos is None:
        names = " or ".join(scoring.searched)
        return {"intent": None, "note": f"no out-of-scope intent ({names}) in the test data"}
    expected = [p.expected for p in predictions]
    scores, accuracy = _oos_scores(expected, [scoring.label(p) for p in predictions], oos)
    curve = threshold_tradeoff(predictions, oos)
    return {
        "intent": oos,
        "counted_as_out_of_scope": [oos, FALLBACK_INTENT],
        **scores,
        "in_scope_accuracy": accuracy,
        "in_scope_support": sum(e != oos for e in expected),
        "threshold_tradeoff": curve,
        "best_threshold": best_threshold(curve),
    }


def _oos_scores(
    expected: Sequence[str], labels: Sequence[str], oos: str
) -> tuple[dict[str, float | int], float | None]:
    """OOS precision, recall, F1 and support of ``labels``; the in-scope accuracy."""
    truly = [e == oos for e in expected]
    pairs = Counter(zip(truly, (label == oos for label in labels), strict=True))
    scores = precision_recall_f1(pairs[True, True], pairs[False, True], pairs[True, False])
    in_scope = [label == e for e, label in zip(expected, labels, strict=True) if e != oos]
    return scores, float(np.mean(in_scope)) if in_scope else None


def threshold_tradeoff(predictions: Sequence[Prediction], oos: str) -> list[dict[str, Any]]:
    """In-scope accuracy, OOS recall and OOS precision at each of
    :data:`TRADEOFF_THRESHOLDS`, as if ``FallbackClassifier`` had that ``threshold``.

    At threshold ``t`` a prediction is out of scope when the model's own top intent
    (:attr:`Prediction.top_intent`) is missing, is ``oos`` or has a confidence below ``t``;
    otherwise it is that top intent. Only ``threshold`` is simulated: the fallback for
    two close intents (``ambiguity_threshold``) is left out.
    """
    expected = [p.expected for p in predictions]
    tops = [p.top_intent for p in predictions]
    rows = []
    for threshold in TRADEOFF_THRESHOLDS:
        labels = [oos if t is None or t.confidence < threshold else t.name for t in tops]
        scores, accuracy = _oos_scores(expected, labels, oos)
        rows.append(
            {
                "threshold": threshold,
                "in_scope_accuracy": accuracy,
                "out_of_scope_recall": scores["recall"],
                "out_of_scope_precision": scores["precision"],
            }
        )
    return rows


def best_threshold(
    curve: Sequence[Mapping[str, Any]], max_loss: float = MAX_ACCURACY_LOSS
) -> Mapping[str, Any]:
    """The row of ``curve`` with the highest OOS recall whose in-scope accuracy is at most
    ``max_loss`` below that of the first row (threshold 0); the lowest threshold on a tie."""
    baseline = curve[0]["in_scope_accuracy"]
    tolerance = 1e-9  # 1.0 - 0.99 is a little more than 0.01 in floating point
    allowed = [
        row
        for row in curve
        if baseline is None or baseline - row["in_scope_accuracy"] <= max_loss + tolerance
    ]
    return max(allowed, key=lambda row: (row["out_of_scope_recall"], -row["threshold"]))


def top_confusions(
    predictions: Sequence[Prediction], scoring: Scoring, limit: int = TOP_CONFUSION_COUNT
) -> list[dict[str, Any]]:
    """The ``limit`` most frequent wrong (intent, predicted) pairs, most frequent first;
    ``predicted`` is the model's own answer (``nlu_fallback`` stays ``nlu_fallback``)."""
    pairs = Counter((p.expected, p.predicted) for p in predictions if not scoring.correct(p))
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [{"intent": e, "predicted": p, "count": n} for (e, p), n in ranked]


def intent_errors(
    predictions: Sequence[Prediction], out_of_scope: str | None = None
) -> list[dict[str, Any]]:
    scoring = Scoring.of(predictions, out_of_scope)
    return [
        {
            "text": p.example.text,
            "intent": p.expected,
            "intent_prediction": {"name": p.predicted, "confidence": p.confidence},
            "source": p.example.source,
        }
        for p in predictions
        if not scoring.correct(p)
    ]


def write_reports(
    predictions: Sequence[Prediction], out: Path, out_of_scope: str | None = None
) -> dict[str, Path]:
    """Write every report and chart into ``out`` (created); returns their paths by name.
    ``out_of_scope`` names the out-of-scope intent (default: ``out_of_scope`` or ``oos``)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in (INTENT_REPORT, INTENT_ERRORS, ENTITY_REPORT)}
    documents: dict[str, Any] = {
        INTENT_REPORT: intent_report(predictions, out_of_scope),
        INTENT_ERRORS: intent_errors(predictions, out_of_scope),
        ENTITY_REPORT: entity_report(predictions),
    }
    for name, path in paths.items():
        path.write_text(json.dumps(documents[name], indent=2, ensure_ascii=False), "utf-8")
    section = documents[INTENT_REPORT][OUT_OF_SCOPE]
    (out / OOS_TRADEOFF).unlink(missing_ok=True)  # never leave an earlier run's curve
    if "threshold_tradeoff" in section:
        paths[OOS_TRADEOFF] = save_oos_tradeoff(
            section["threshold_tradeoff"], out / OOS_TRADEOFF, section["best_threshold"]
        )
    scoring = Scoring.of(predictions, out_of_scope)
    expected = [p.expected for p in predictions]
    scored = [scoring.label(p) for p in predictions]
    paths[CONFUSION_MATRIX] = save_confusion_matrix(expected, scored, out / CONFUSION_MATRIX)
    paths[HISTOGRAM] = save_histogram(
        [p.confidence for p in predictions],
        [scoring.correct(p) for p in predictions],
        out / HISTOGRAM,
    )
    return paths


def summary_table(report: Mapping[str, Any]) -> str:
    """The intent report as an aligned text table, one intent per row, averages last, then
    the out-of-scope scores and the top confusions."""
    rows = [(k, v) for k, v in report.items() if isinstance(v, dict) and k != OUT_OF_SCOPE]
    width = max([len("intent"), *(len(k) for k, _ in rows)])
    lines = [f"{'intent':<{width}}  precision  recall  f1-score  support"]
    for name, scores in rows:
        lines.append(
            f"{name:<{width}}  {scores['precision']:>9.3f}  {scores['recall']:>6.3f}  "
            f"{scores['f1-score']:>8.3f}  {int(scores['support']):>7d}"
        )
    lines.append(f"{'accuracy':<{width}}  {report['accuracy']:>9.3f}")
    if OUT_OF_SCOPE in report:
        lines.append(_out_of_scope_line(report[OUT_OF_SCOPE]))
        if "best_threshold" in report[OUT_OF_SCOPE]:
            lines.append(_best_threshold_line(report[OUT_OF_SCOPE]["best_threshold"]))
    if TOP_CONFUSIONS in report:
        lines.append(_confusions_line(report[TOP_CONFUSIONS]))
    return "\n".join(lines)


def _out_of_scope_line(section: Mapping[str, Any]) -> str:
    if section.get("intent") is None:
        return f"Out of scope: {section.get('note', 'no out-of-scope intent')}"
    accuracy = section["in_scope_accuracy"]
    in_scope = "n/a" if accuracy is None else f"{accuracy:.3f}"
    return (
        f"Out of scope ({section['intent']} or {FALLBACK_INTENT}): "
        f"precision {section['precision']:.3f}, recall {section['recall']:.3f}, "
        f"f1-score {section['f1-score']:.3f}, support {section['support']}; "
        f"in-scope accuracy {in_scope} on {section['in_scope_support']} examples"
    )


def _best_threshold_line(best: Mapping[str, Any]) -> str:
    accuracy = best["in_scope_accuracy"]
    in_scope = "n/a" if accuracy is None else f"{accuracy:.2f}"
    return (
        f"Fallback threshold with at most {MAX_ACCURACY_LOSS * 100:g} point of in-scope "
        f"accuracy lost: {best['threshold']:.2f} "
        f"(out-of-scope recall {best['out_of_scope_recall']:.2f}, in-scope accuracy {in_scope})"
    )


def _confusions_line(confusions: Sequence[Mapping[str, Any]]) -> str:
    if not confusions:
        return "Top confusions: none"
    shown = ", ".join(
        f"{c['intent']} -> {c['predicted']} ({c['count']})" for c in confusions[:PRINTED_CONFUSIONS]
    )
    more = len(confusions) - PRINTED_CONFUSIONS
    return f"Top confusions: {shown}" + (f" and {more} more in the report" if more > 0 else "")
