"""``parley test nlu``: score an NLU pipeline on test examples or by k-fold cross-validation.

Writes into the results folder:

* ``intent_report.json`` — per intent ``precision``, ``recall``, ``f1-score``, ``support``,
  plus ``accuracy``, ``macro avg`` and ``weighted avg``;
* ``intent_errors.json`` — every misclassified example with the expected and predicted intent;
* ``entity_report.json`` — per entity type exact-span (start, end, type) precision, recall,
  F1 and support, plus ``micro avg``;
* ``intent_confusion_matrix.png`` and ``intent_histogram.png`` (confidence of right and
  wrong predictions).

Retrieval intents (``faq/shipping``) are scored by their base intent, as the
classifier predicts it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlu.interfaces import Entity, Interpreter, ParseResult, TrainingData, TrainingExample
from nlu.pipeline import NLUPipeline

INTENT_REPORT = "intent_report.json"
INTENT_ERRORS = "intent_errors.json"
ENTITY_REPORT = "entity_report.json"
CONFUSION_MATRIX = "intent_confusion_matrix.png"
HISTOGRAM = "intent_histogram.png"


@dataclass(frozen=True)
class Prediction:
    example: TrainingExample
    result: ParseResult

    @property
    def expected(self) -> str:
        return _base(self.example.intent or "")

    @property
    def predicted(self) -> str:
        return self.result.intent_name or "None"

    @property
    def confidence(self) -> float:
        return self.result.intent.confidence if self.result.intent else 0.0


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
    return [Prediction(e, interpreter.parse(e.text)) for e in examples if e.intent]


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


def intent_report(predictions: Sequence[Prediction]) -> dict[str, Any]:
    from sklearn.metrics import classification_report

    expected = [p.expected for p in predictions]
    predicted = [p.predicted for p in predictions]
    labels = sorted(set(expected))
    report: dict[str, Any] = classification_report(
        expected, predicted, labels=labels, output_dict=True, zero_division=0
    )
    report.pop("micro avg", None)
    report["accuracy"] = float(np.mean([e == p for e, p in zip(expected, predicted, strict=True)]))
    return report


def intent_errors(predictions: Sequence[Prediction]) -> list[dict[str, Any]]:
    return [
        {
            "text": p.example.text,
            "intent": p.expected,
            "intent_prediction": {"name": p.predicted, "confidence": p.confidence},
            "source": p.example.source,
        }
        for p in predictions
        if p.expected != p.predicted
    ]


def _spans(entities: Sequence[Entity]) -> set[tuple[str, int, int]]:
    return {
        (e.entity, e.start, e.end) for e in entities if e.start is not None and e.end is not None
    }


def entity_report(predictions: Sequence[Prediction]) -> dict[str, Any]:
    """Exact-span scores per entity type: a found entity counts only with the gold type,
    start and end; one span found by two extractors counts once."""
    counts: dict[str, list[int]] = {}  # type -> [true positives, false positives, false negatives]
    for p in predictions:
        gold, found = _spans(p.example.entities), _spans(p.result.entities)
        for kind, spans in ((0, gold & found), (1, found - gold), (2, gold - found)):
            for entity, _, _ in spans:
                counts.setdefault(entity, [0, 0, 0])[kind] += 1
    report: dict[str, Any] = {entity: _scores(*c) for entity, c in sorted(counts.items())}
    totals = [sum(c[i] for c in counts.values()) for i in range(3)]
    report["micro avg"] = _scores(*totals)
    return report


def _scores(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1-score": f1, "support": tp + fn}


def write_reports(predictions: Sequence[Prediction], out: Path) -> dict[str, Path]:
    """Write every report and chart into ``out`` (created); returns their paths by name."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in (INTENT_REPORT, INTENT_ERRORS, ENTITY_REPORT)}
    documents: dict[str, Any] = {
        INTENT_REPORT: intent_report(predictions),
        INTENT_ERRORS: intent_errors(predictions),
        ENTITY_REPORT: entity_report(predictions),
    }
    for name, path in paths.items():
        path.write_text(json.dumps(documents[name], indent=2, ensure_ascii=False), "utf-8")
    paths[CONFUSION_MATRIX] = _confusion_matrix(predictions, out / CONFUSION_MATRIX)
    paths[HISTOGRAM] = _histogram(predictions, out / HISTOGRAM)
    return paths


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _confusion_matrix(predictions: Sequence[Prediction], path: Path) -> Path:
    from sklearn.metrics import confusion_matrix

    plt = _pyplot()
    labels = sorted({p.expected for p in predictions} | {p.predicted for p in predictions})
    matrix = confusion_matrix(
        [p.expected for p in predictions], [p.predicted for p in predictions], labels=labels
    )
    size = max(6.0, 0.35 * len(labels) + 3)
    figure, axes = plt.subplots(figsize=(size, size))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    axes.set_yticks(range(len(labels)), labels, fontsize=7)
    axes.set_xlabel("predicted intent")
    axes.set_ylabel("expected intent")
    axes.set_title("Intent confusion matrix")
    for (row, column), count in np.ndenumerate(matrix):
        if count:
            axes.text(column, row, str(count), ha="center", va="center", fontsize=6)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _histogram(predictions: Sequence[Prediction], path: Path) -> Path:
    plt = _pyplot()
    right = [p.confidence for p in predictions if p.expected == p.predicted]
    wrong = [p.confidence for p in predictions if p.expected != p.predicted]
    figure, axes = plt.subplots(figsize=(7, 4))
    bins = np.linspace(0.0, 1.0, 21)
    axes.hist([right, wrong], bins=bins, label=["correct", "wrong"], color=["#2a9d8f", "#e76f51"])
    axes.set_xlabel("confidence of the predicted intent")
    axes.set_ylabel("messages")
    axes.set_title("Intent prediction confidence")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def summary_table(report: Mapping[str, Any]) -> str:
    """The intent report as an aligned text table, one intent per row, averages last."""
    rows = [(k, v) for k, v in report.items() if isinstance(v, dict)]
    width = max([len("intent"), *(len(k) for k, _ in rows)])
    lines = [f"{'intent':<{width}}  precision  recall  f1-score  support"]
    for name, scores in rows:
        lines.append(
            f"{name:<{width}}  {scores['precision']:>9.3f}  {scores['recall']:>6.3f}  "
            f"{scores['f1-score']:>8.3f}  {int(scores['support']):>7d}"
        )
    lines.append(f"{'accuracy':<{width}}  {report['accuracy']:>9.3f}")
    return "\n".join(lines)
