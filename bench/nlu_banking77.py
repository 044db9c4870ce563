"""BANKING77 intent classification through the real Parley NLU pipeline.

Trains ``NLUPipeline`` (built from a ``pipeline:`` config, the default below or
``--config``) on ``banking77/train.csv``, scores ``test.csv``, times single-message
parses and 32 concurrent callers (through the server's parse batcher, and one message at
a time for comparison), and repeats the training with 10 examples per intent (fixed seed).
Prints one JSON object. The data folder is ``../shared/data/banking77`` beside the
repository, or ``$PARLEY_SHARED/data/banking77``.

``--held-out-intents`` runs the out-of-scope protocol instead: a quarter of the intents
(19 of 77, fixed seed) are held out of training as unknown; the pipeline (without its
``FallbackClassifier``) is trained on the rest and scored on the whole test set. For each
fallback threshold it reports known-intent accuracy (a fallback on a known intent is
wrong) and unknown-intent recall (a fallback on an unknown one is right), and picks the
threshold with the best recall that loses at most 1 point of known-intent accuracy.
``--scores`` adds other out-of-scope scores to compare (``bench/scope_scores.py``).

    .venv/bin/python bench/nlu_banking77.py [--few-shot-only | --held-out-intents]
        [--scores] [--config FILE.yml]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from nlu import TrainingData, TrainingExample
from nlu.components.fallback import FallbackOptions
from nlu.pipeline import NLUPipeline
from parley.nlu_batching import DEFAULT_MAX_BATCH, ParseBatcher

PIPELINE: list[dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "CountVectorsFeaturizer", "min_ngram": 1, "max_ngram": 2},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "DIETClassifier"},
    {"name": "FallbackClassifier"},
]
"""``DIETClassifier`` and ``FallbackClassifier`` with their defaults: on BANKING77's 10,003
examples the classifier fine-tunes all-MiniLM-L6-v2 (4 epochs, 32 sub-words; bfloat16 training
passes where the CPU has them) with intent scores added to an n-gram linear model's,
calibrates its confidences, and lets the 10 nearest training messages vote on the intent."""

PARSE_SAMPLES = 300
CONCURRENT_CLIENTS = 32
CLIENT_MESSAGES = 10
SHOTS = 10
SEED = 42
HELD_OUT_SHARE = 0.25
THRESHOLDS = [round(0.05 * i, 2) for i in range(20)]


def data_folder() -> Path:
    shared = os.environ.get("PARLEY_SHARED")
    root = Path(shared) if shared else Path(__file__).resolve().parents[2] / "shared"
    return root / "data" / "banking77"


def read_examples(path: Path) -> list[TrainingExample]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            TrainingExample(row["text"], row["category"], source=f"{path.name}:{line}")
            for line, row in enumerate(csv.DictReader(handle), 2)
        ]


def few_shot(examples: Sequence[TrainingExample], shots: int, seed: int) -> list[TrainingExample]:
    rng = np.random.default_rng(seed)
    by_intent: dict[str, list[TrainingExample]] = {}
    for example in examples:
        by_intent.setdefault(example.intent or "", []).append(example)
    chosen: list[TrainingExample] = []
    for intent in sorted(by_intent):
        picks = rng.choice(len(by_intent[intent]), size=shots, replace=False)
        chosen.extend(by_intent[intent][int(i)] for i in sorted(picks))
    return chosen


def train(
    pipeline: Sequence[Mapping[str, Any]], examples: Sequence[TrainingExample]
) -> tuple[NLUPipeline, float]:
    nlu = NLUPipeline.build(pipeline)
    started = time.perf_counter()
    nlu.train(TrainingData(examples=tuple(examples)))
    return nlu, time.perf_counter() - started


def score(nlu: NLUPipeline, test: Sequence[TrainingExample]) -> dict[str, float]:
    """Accuracy and macro-F1 of the classifier's own top intent over ``test`` (parsed in
    batches through the whole pipeline), the share of ``nlu_fallback`` answers, and the
    accuracy counting those as wrong."""
    from sklearn.metrics import f1_score

    from nlu.interfaces import INTENT_NLU_FALLBACK, Message

    predicted: list[str] = []
    refused: list[bool] = []
    for begin in range(0, len(test), 256):
        messages = [Message(text=e.text) for e in test[begin : begin + 256]]
        nlu.process(messages)
        for m in messages:
            ranking = [r.name for r in m.intent_ranking if r.name != INTENT_NLU_FALLBACK]
            predicted.append(ranking[0] if ranking else "")
            refused.append(m.intent is not None and m.intent.name == INTENT_NLU_FALLBACK)
    gold = [e.intent or "" for e in test]
    right = np.asarray([g == p for g, p in zip(gold, predicted, strict=True)])
    return {
        "accuracy": float(right.mean()),
        "macro_f1": float(f1_score(gold, predicted, average="macro")),
        "fallback_rate": float(np.mean(refused)),
        "accuracy_with_fallback": float((right & ~np.asarray(refused)).mean()),
    }


def concurrent_parses(
    nlu: NLUPipeline, test: Sequence[TrainingExample], max_batch: int
) -> dict[str, float]:
    """:data:`CONCURRENT_CLIENTS` callers, each parsing :data:`CLIENT_MESSAGES` test messages
    one after the other, through the server's ``ParseBatcher`` (``max_batch``: the server's
    default, or 1 for one message at a time): messages per second, and the median and 95th
    percentile milliseconds each caller waited for its parse."""
    batcher = ParseBatcher(nlu, max_batch=max_batch)
    waits: list[float] = []

    async def client(first: int) -> None:
        for example in test[first : first + CLIENT_MESSAGES]:
            started = time.perf_counter()
            await batcher.parse(example.text)
            waits.append((time.perf_counter() - started) * 1000)

    async def run() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(client(i * CLIENT_MESSAGES) for i in range(CONCURRENT_CLIENTS)))
        await batcher.close()
        return time.perf_counter() - started

    seconds = asyncio.run(run())
    return {
        "messages_per_s": round(len(waits) / seconds, 1),
        "p50_ms": round(statistics.median(waits), 2),
        "p95_ms": round(float(np.percentile(waits, 95)), 2),
    }


def parse_latency(nlu: NLUPipeline, test: Sequence[TrainingExample]) -> tuple[float, float]:
    """Median and 95th percentile milliseconds of ``parse`` on single messages."""
    for example in test[:20]:
        nlu.parse(example.text)
    timings = []
    for example in test[:PARSE_SAMPLES]:
        started = time.perf_counter()
        nlu.parse(example.text)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), float(np.percentile(timings, 95))


def held_out_intents(examples: Sequence[TrainingExample], seed: int) -> set[str]:
    intents = sorted({e.intent or "" for e in examples})
    picks = np.random.default_rng(seed).choice(
        len(intents), size=round(len(intents) * HELD_OUT_SHARE), replace=False
    )
    return {intents[int(i)] for i in picks}


Top = tuple[str, float, float]
"""The model's own top intent, its confidence, and its lead over the second intent."""


def top_intents(nlu: NLUPipeline, test: Sequence[TrainingExample]) -> list[Top]:
    from nlu.interfaces import Message

    tops: list[Top] = []
    for begin in range(0, len(test), 256):
        messages = [Message(text=e.text) for e in test[begin : begin + 256]]
        nlu.process(messages)
        for m in messages:
            ranking = [r.confidence for r in m.intent_ranking] + [0.0, 0.0]
            top = (m.intent.name, m.intent.confidence) if m.intent else ("", 0.0)
            tops.append((*top, top[1] - ranking[1]))
    return tops


def rates(
    tops: Sequence[Top], gold: Sequence[str], unknown: set[str], threshold: float, ambiguity: float
) -> dict[str, float]:
    """Known-intent accuracy and unknown-intent recall when ``FallbackClassifier`` refuses
    a confidence below ``threshold`` or a lead below ``ambiguity``."""
    known, refused = [], []
    for (predicted, confidence, lead), intent in zip(tops, gold, strict=True):
        fallback = confidence < threshold or lead < ambiguity
        if intent in unknown:
            refused.append(fallback)
        else:
            known.append(predicted == intent and not fallback)
    return {
        "threshold": threshold,
        "ambiguity_threshold": ambiguity,
        "known_accuracy": round(float(np.mean(known)), 4),
        "unknown_recall": round(float(np.mean(refused)), 4),
    }


def held_out_protocol(
    pipeline: Sequence[Mapping[str, Any]],
    train_examples: Sequence[TrainingExample],
    test: Sequence[TrainingExample],
    other_scores: bool = False,
) -> dict[str, Any]:
    unknown = held_out_intents(train_examples, SEED)
    without_fallback = [c for c in pipeline if c["name"] != "FallbackClassifier"]
    known_train = [e for e in train_examples if e.intent not in unknown]
    nlu, seconds = train(without_fallback, known_train)
    tops, gold = top_intents(nlu, test), [e.intent or "" for e in test]
    rows = [rates(tops, gold, unknown, threshold, 0.0) for threshold in THRESHOLDS]
    allowed = rows[0]["known_accuracy"] - 0.01
    best = max(
        (r for r in rows if r["known_accuracy"] >= allowed), key=lambda r: r["unknown_recall"]
    )
    configured = next((c for c in pipeline if c["name"] == "FallbackClassifier"), None)
    result: dict[str, Any] = {
        "unknown_intents": sorted(unknown),
        "train_examples": len(known_train),
        "train_seconds": seconds,
        "best_within_1_point": best,
        "curve": rows,
    }
    if other_scores:
        from scope_scores import scope_scores

        result["other_scores"] = scope_scores(nlu, known_train, test)
    if configured is not None:
        fallback = FallbackOptions.model_validate(
            {k: v for k, v in configured.items() if k != "name"}
        )
        result["at_configured_fallback"] = rates(
            tops, gold, unknown, fallback.threshold, fallback.ambiguity_threshold
        )
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--few-shot-only", action="store_true", help="Only the 10-shot run.")
    parser.add_argument(
        "--held-out-intents", action="store_true", help="Only the unknown-intent protocol."
    )
    parser.add_argument(
        "--scores",
        action="store_true",
        help="With --held-out-intents: also score other ways to tell unknown intents apart.",
    )
    parser.add_argument("--config", type=Path, help="A config.yml whose pipeline: to use.")
    args = parser.parse_args(argv)
    pipeline = PIPELINE
    if args.config is not None:
        pipeline = yaml.safe_load(args.config.read_text("utf-8"))["pipeline"]
    folder = data_folder()
    train_examples = read_examples(folder / "train.csv")
    test = read_examples(folder / "test.csv")
    result: dict[str, Any] = {"pipeline": pipeline, "cores": os.cpu_count()}
    if args.held_out_intents:
        result["held_out_intents"] = held_out_protocol(pipeline, train_examples, test, args.scores)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result, indent=1))
        return
    if not args.few_shot_only:
        nlu, seconds = train(pipeline, train_examples)
        p50, p95 = parse_latency(nlu, test)
        result.update(
            **score(nlu, test),
            train_seconds=seconds,
            parse_p50_ms=p50,
            parse_p95_ms=p95,
            concurrent_32_batched=concurrent_parses(nlu, test, max_batch=DEFAULT_MAX_BATCH),
            concurrent_32_one_at_a_time=concurrent_parses(nlu, test, max_batch=1),
        )
        print(json.dumps({"progress": result}, default=str), file=sys.stderr)
        del nlu
    shot_nlu, shot_seconds = train(pipeline, few_shot(train_examples, SHOTS, SEED))
    result.update({f"few_shot_10_{k}": v for k, v in score(shot_nlu, test).items()})
    result["few_shot_10_train_seconds"] = shot_seconds
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
