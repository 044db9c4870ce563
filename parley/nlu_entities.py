"""Entity scores of ``parley test nlu``, and whether the model could extract entities at all.

A pipeline without an entity extractor, or whose extractors have
``entity_recognition: false`` (``DIETClassifier``, ``LinearIntentEntityClassifier``;
``MLPIntentClassifier`` by default), finds no entities: scoring the gold entities
would report an F1 of 0 that says nothing about entity recognition. The entity report
then says ``{"entity_recognition": "off"}`` with the reason and the gold entities it
left unscored.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlu.components.diet import IntentEntityClassifier
from nlu.components.duckling import DucklingEntityExtractor
from nlu.components.entities import LinearEntityTagger
from nlu.components.joint import JointIntentEntityClassifier
from nlu.components.regex import RegexEntityExtractor
from nlu.components.spacy_nlp import SpacyEntityExtractor
from nlu.interfaces import Entity, Interpreter
from nlu.pipeline import NLUPipeline

if TYPE_CHECKING:
    from parley.nlu_evaluation import Prediction

ENTITY_EXTRACTORS = (
    LinearEntityTagger,
    RegexEntityExtractor,
    DucklingEntityExtractor,
    SpacyEntityExtractor,
)
"""Built-in components that always extract entities."""


def entity_recognition_off(interpreter: Interpreter) -> str | None:
    """Why ``interpreter`` cannot extract entities, or ``None`` when it can or may.

    Only an :class:`NLUPipeline` of built-in components is judged: a component from a
    plugin, or another interpreter, may extract entities. A plugin component can say
    whether it does with a boolean ``extracts_entities`` attribute.
    """
    if not isinstance(interpreter, NLUPipeline):
        return None
    disabled: list[str] = []
    for spec, component in interpreter.steps:
        extracts = _extracts_entities(component)
        if extracts is None or extracts:
            return None
        if isinstance(component, JointIntentEntityClassifier | IntentEntityClassifier):
            disabled.append(spec.name)
    if disabled:
        return f"entity_recognition is false in {', '.join(disabled)}"
    return "the NLU pipeline has no entity extractor"


def _extracts_entities(component: object) -> bool | None:
    declared = getattr(component, "extracts_entities", None)
    if isinstance(declared, bool):
        return declared
    if isinstance(component, JointIntentEntityClassifier):
        return component.settings.entity_recognition
    if isinstance(component, IntentEntityClassifier):
        return component.entities is not None
    if isinstance(component, ENTITY_EXTRACTORS):
        return True
    return False if type(component).__module__.startswith("nlu.") else None


def _spans(entities: Sequence[Entity]) -> set[tuple[str, int, int]]:
    return {
        (e.entity, e.start, e.end) for e in entities if e.start is not None and e.end is not None
    }


def entity_report(predictions: Sequence[Prediction]) -> dict[str, Any]:
    """Exact-span scores per entity type: a found entity counts only with the gold type,
    start and end; one span found by two extractors counts once. When the model could
    not extract entities, the report says so instead of scoring the gold entities."""
    off = _entities_off(predictions)
    if off is not None:
        return _entity_recognition_off_report(predictions, off)
    counts: dict[str, list[int]] = {}  # type -> [true positives, false positives, false negatives]
    for p in predictions:
        gold, found = _spans(p.example.entities), _spans(p.result.entities)
        for kind, spans in ((0, gold & found), (1, found - gold), (2, gold - found)):
            for entity, _, _ in spans:
                counts.setdefault(entity, [0, 0, 0])[kind] += 1
    report: dict[str, Any] = {e: precision_recall_f1(*c) for e, c in sorted(counts.items())}
    totals = [sum(c[i] for c in counts.values()) for i in range(3)]
    report["micro avg"] = precision_recall_f1(*totals)
    return report


def _entities_off(predictions: Sequence[Prediction]) -> str | None:
    """The reason entity recognition was off for every prediction, if it was and no
    prediction holds an entity anyway."""
    reasons = {p.entities_off for p in predictions}
    if not predictions or None in reasons or any(p.result.entities for p in predictions):
        return None
    return "; ".join(sorted(r for r in reasons if r is not None))


def _entity_recognition_off_report(
    predictions: Sequence[Prediction], reason: str
) -> dict[str, Any]:
    gold = Counter(e for p in predictions for e, _, _ in _spans(p.example.entities))
    return {
        "entity_recognition": "off",
        "reason": reason,
        "gold_entities_not_scored": sum(gold.values()),
        "gold_entities_by_type": dict(sorted(gold.items())),
    }


def precision_recall_f1(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    """Scores from true positive, false positive and false negative counts (0 when undefined)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1-score": f1, "support": tp + fn}


def entity_summary(report: Mapping[str, Any]) -> str:
    """One line about the entity report: the micro-average scores, or that entity
    recognition was off and the gold entities were not scored."""
    if report.get("entity_recognition") == "off":
        return (
            f"Entities: not scored, entity recognition was off ({report['reason']}); "
            f"{report['gold_entities_not_scored']} gold entities in the test data"
        )
    micro = report.get("micro avg")
    if micro is None or len(report) == 1:
        return "Entities: none in the test data or the predictions"
    return (
        f"Entities: micro avg precision {micro['precision']:.3f}, recall {micro['recall']:.3f}, "
        f"f1-score {micro['f1-score']:.3f} over {micro['support']} gold entities"
    )


def entity_summary_of(path: Path) -> str:
    """:func:`entity_summary` of the entity report written at ``path``."""
    return entity_summary(json.loads(path.read_text("utf-8")))
