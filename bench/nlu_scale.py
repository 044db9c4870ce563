"""How NLU training time and peak memory grow with the data: 1k, 4k and 16k examples.

BANKING77's training set is resampled (with replacement, fixed seed) to each size and
given synthetic entity annotations found by pattern (amounts, currencies, card brands,
so the entity head has work). Each size trains in its own process, so its peak RSS is
its own; the pipeline is the reference bot's default (``config.yml`` beside this folder,
minus its project-only extractors) or ``--config``. Prints one JSON object:
per size the train seconds, peak RSS and seconds per 1k examples, and the growth
from the smallest to the largest size (1.0 is linear).

    .venv/bin/python bench/nlu_scale.py [--sizes 1000,4000,16000] [--config FILE.yml]
        [--no-entities]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from nlu import TrainingData, TrainingExample
from nlu.interfaces import Entity

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nlu_banking77 import data_folder, read_examples

REPO = Path(__file__).resolve().parents[1]
PROJECT_ONLY = {"RegexEntityExtractor", "EntitySynonymMapper", "ResponseSelector"}
PATTERNS = {
    "amount": re.compile(r"(?<![\w.])[$£€]?\d+(?:[.,]\d+)?(?![\w.])"),
    "currency": re.compile(r"\b(?:euros?|dollars?|pounds?|gbp|usd|eur|yen|francs?)\b", re.I),
    "card": re.compile(r"\b(?:visa|mastercard|amex|american express)\b", re.I),
}


def annotated(example: TrainingExample) -> TrainingExample:
    """``example`` with every pattern match as an entity of that name (no overlaps)."""
    found: list[Entity] = []
    for name, pattern in PATTERNS.items():
        for match in pattern.finditer(example.text):
            if all(match.end() <= e.start or match.start() >= e.end for e in found):  # type: ignore[operator]
                found.append(Entity(name, match.group(), match.start(), match.end()))
    entities = tuple(sorted(found, key=lambda e: e.start or 0))
    return TrainingExample(example.text, example.intent, entities, example.source)


def resampled(size: int, entities: bool, seed: int = 42) -> list[TrainingExample]:
    pool = read_examples(data_folder() / "train.csv")
    picks = np.random.default_rng(seed).choice(len(pool), size=size, replace=size > len(pool))
    chosen = [pool[int(i)] for i in picks]
    return [annotated(e) for e in chosen] if entities else chosen


def default_pipeline(config: Path) -> list[dict[str, Any]]:
    pipeline = yaml.safe_load(config.read_text("utf-8"))["pipeline"]
    return [c for c in pipeline if c["name"] not in PROJECT_ONLY]


def train_one(size: int, pipeline: Sequence[dict[str, Any]], entities: bool) -> dict[str, Any]:
    """Train on ``size`` examples in this process; its seconds and peak RSS."""
    from nlu.pipeline import NLUPipeline

    examples = resampled(size, entities)
    nlu = NLUPipeline.build(pipeline)
    started = time.perf_counter()
    nlu.train(TrainingData(examples=tuple(examples)))
    seconds = time.perf_counter() - started
    return {
        "examples": size,
        "annotated_entities": sum(len(e.entities) for e in examples),
        "train_seconds": round(seconds, 1),
        "seconds_per_1k": round(seconds / size * 1000, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def in_child(size: int, config: Path, entities: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--one", str(size), "--config", str(config)]
    command += [] if entities else ["--no-entities"]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def growth(runs: Sequence[dict[str, Any]], key: str) -> float:
    """(value at the largest size / at the smallest) / (largest size / smallest)."""
    first, last = runs[0], runs[-1]
    ratio = (float(last[key]) / float(first[key])) / (last["examples"] / first["examples"])
    return round(float(ratio), 3)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,4000,16000")
    parser.add_argument("--config", type=Path, default=REPO / "config.yml")
    parser.add_argument("--no-entities", action="store_true")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    entities = not args.no_entities
    if args.one is not None:
        print(json.dumps(train_one(args.one, default_pipeline(args.config), entities)))
        return
    runs = []
    for size in (int(s) for s in args.sizes.split(",")):
        runs.append(in_child(size, args.config, entities))
        print(json.dumps({"progress": runs[-1]}), file=sys.stderr)
    print(
        json.dumps(
            {
                "pipeline": default_pipeline(args.config),
                "entities": entities,
                "runs": runs,
                "time_growth_vs_linear": growth(runs, "train_seconds"),
                "peak_rss_growth_vs_linear": growth(runs, "peak_rss_mb"),
                "cores": os.cpu_count(),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
