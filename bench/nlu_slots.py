"""Entity (slot) extraction on a public slot-filling benchmark, against JointBERT's figures.

Reads a data set in the layout of the JointBERT repository (``data/atis`` or ``data/snips``
of https://github.com/monologg/JointBERT, from the SlotGated-SLU release: ``train/`` and
``test/`` folders with ``seq.in`` (whitespace-tokenised words), ``seq.out`` (one BIO tag per
word) and ``label`` (the intent)). The BIO tags become entity spans of the words joined by
single spaces, the pipeline (Parley's default pipeline, or the ``pipeline:`` of ``--config``)
trains on ``train/`` and parses ``test/``, and exact-span micro precision/recall/F1 is scored
over (type, start, end) as CoNLL's script does (``parley test nlu``'s entity report), with
intent accuracy. Prints one JSON object with JointBERT's published test figures (Chen et
al. 2019: slot F1 ATIS 96.1, Snips 97.0).

    .venv/bin/python bench/nlu_slots.py --data DIR [--config config.yml] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from nlu import NLUPipeline, TrainingData, TrainingExample
from nlu.interfaces import Entity
from parley.nlu_entities import entity_report
from parley.nlu_evaluation import Prediction

JOINTBERT_SLOT_F1 = {"atis": 96.1, "snips": 97.0}
JOINTBERT_INTENT_ACC = {"atis": 97.5, "snips": 98.6}

Span = tuple[str, int, int]


def bio_spans(words: Sequence[str], tags: Sequence[str]) -> list[Span]:
    """Entity spans (type, character start, end) of ``words`` joined by single spaces."""
    spans: list[Span] = []
    current: list[Any] | None = None
    position = 0
    for word, tag in zip(words, tags, strict=True):
        start, end = position, position + len(word)
        position = end + 1
        inside = tag.startswith("I-") and current is not None and current[0] == tag[2:]
        if inside and current is not None:
            current[2] = end
            continue
        if current is not None:
            spans.append((current[0], current[1], current[2]))
        current = [tag[2:], start, end] if tag[:2] in ("B-", "I-") else None
    if current is not None:
        spans.append((current[0], current[1], current[2]))
    return spans


def read_split(folder: Path, limit: int | None = None) -> list[TrainingExample]:
    def lines(name: str) -> list[str]:
        return (folder / name).read_text(encoding="utf-8").splitlines()[:limit]

    examples = []
    for number, (words_line, tags_line, intent) in enumerate(
        zip(lines("seq.in"), lines("seq.out"), lines("label"), strict=True), 1
    ):
        words, tags = words_line.split(), tags_line.split()
        text = " ".join(words)
        entities = tuple(
            Entity(entity=kind, value=text[start:end], start=start, end=end)
            for kind, start, end in bio_spans(words, tags)
        )
        examples.append(TrainingExample(text, intent, entities, f"{folder.name}:{number}"))
    return examples


def evaluate(nlu: NLUPipeline, test: Sequence[TrainingExample]) -> dict[str, float]:
    """``parley test nlu``'s scoring: the entity report's exact-span micro average, and the
    share of examples whose top intent before any fallback is the gold one."""
    predictions: list[Prediction] = []
    for begin in range(0, len(test), 256):  # parsed in batches, as the server parses
        chunk = test[begin : begin + 256]
        results = nlu.parse_batch([x.text for x in chunk], [None] * len(chunk))
        predictions += [Prediction(x, r) for x, r in zip(chunk, results, strict=True)]
    micro = entity_report(predictions)["micro avg"]
    right = sum(p.top_intent is not None and p.top_intent.name == p.expected for p in predictions)
    return {
        "precision": micro["precision"],
        "recall": micro["recall"],
        "f1": micro["f1-score"],
        "intent_accuracy": right / len(predictions),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="A folder with train/ and test/.")
    parser.add_argument("--config", type=Path, help="A config.yml whose pipeline: to use.")
    parser.add_argument("--limit", type=int, help="Train on the first N examples only.")
    args = parser.parse_args(argv)
    pipeline = None
    if args.config:
        pipeline = yaml.safe_load(args.config.read_text("utf-8"))["pipeline"]
    train = read_split(args.data / "train", args.limit)
    test = read_split(args.data / "test")
    nlu = NLUPipeline.build(pipeline)
    started = time.perf_counter()
    nlu.train(TrainingData(examples=tuple(train)))
    seconds = time.perf_counter() - started
    scores = evaluate(nlu, test)
    name = args.data.name.lower()
    report = {
        "data": name,
        "pipeline": "default" if pipeline is None else pipeline,
        "train_examples": len(train),
        "test_examples": len(test),
        "entity_precision": round(100 * scores["precision"], 2),
        "entity_recall": round(100 * scores["recall"], 2),
        "entity_f1": round(100 * scores["f1"], 2),
        "jointbert_entity_f1": JOINTBERT_SLOT_F1.get(name),
        "intent_accuracy": round(100 * scores["intent_accuracy"], 2),
        "jointbert_intent_accuracy": JOINTBERT_INTENT_ACC.get(name),
        "train_seconds": round(seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cores": os.cpu_count(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
