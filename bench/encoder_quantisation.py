"""Is an int8 encoder worth it? all-MiniLM-L6-v2 in float32 vs int8 dynamic quantisation.

Both variants of the bundled encoder (``torch.ao.quantization.quantize_dynamic`` on its
linear layers) run in one process on the same inputs: single-message latency (p50, p95),
batch throughput (messages/s in batches of 32), the cosine similarity of their sentence
vectors, and BANKING77 accuracy of a logistic regression on each variant's frozen sentence
vectors (train on ``train.csv``, score ``test.csv``), as the measure of "equal accuracy".
Prints one JSON object.

    .venv/bin/python bench/encoder_quantisation.py [--train-size 10003]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nlu.components.encoder import TextEncoder, default_model_path, use_all_cores

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nlu_banking77 import data_folder, read_examples

SINGLE_SAMPLES = 200


def quantised(encoder: TextEncoder) -> TextEncoder:
    model = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
        copy.deepcopy(encoder.model), {torch.nn.Linear}, dtype=torch.qint8
    )
    return TextEncoder(encoder.tokenizer, model, encoder.max_length)


def sentences(encoder: TextEncoder, texts: Sequence[str]) -> np.ndarray:
    features = encoder.features(list(texts), [[] for _ in texts], batch_size=32)
    return np.stack([sentence for sentence, _ in features])


def latency(encoder: TextEncoder, texts: Sequence[str]) -> dict[str, float]:
    timings = []
    for text in texts:
        started = time.perf_counter()
        encoder.features([text], [[]])
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "single_p50_ms": round(statistics.median(timings), 2),
        "single_p95_ms": round(float(np.percentile(timings, 95)), 2),
    }


def accuracy(
    train_x: np.ndarray, train_y: list[str], test_x: np.ndarray, test_y: list[str]
) -> float:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(max_iter=2000, C=10.0).fit(train_x, train_y)
    return round(float(np.mean(model.predict(test_x) == np.array(test_y))), 4)


def measure(encoder: TextEncoder, train: Sequence[Any], test: Sequence[Any]) -> dict[str, Any]:
    result: dict[str, Any] = latency(encoder, [e.text for e in test[:SINGLE_SAMPLES]])
    started = time.perf_counter()
    test_x = sentences(encoder, [e.text for e in test])
    result["batch_messages_per_s"] = round(len(test) / (time.perf_counter() - started), 1)
    train_x = sentences(encoder, [e.text for e in train])
    result["banking77_accuracy"] = accuracy(
        train_x, [e.intent for e in train], test_x, [e.intent for e in test]
    )
    result["_test_vectors"] = test_x
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--train-size", type=int, default=0, help="Train examples (0: all).")
    args = parser.parse_args(argv)
    use_all_cores()
    train = read_examples(data_folder() / "train.csv")
    if args.train_size:
        picks = np.random.default_rng(42).choice(len(train), args.train_size, replace=False)
        train = [train[int(i)] for i in sorted(picks)]
    test = read_examples(data_folder() / "test.csv")
    base = TextEncoder.load(default_model_path())
    runs = {"float32": measure(base, train, test), "int8": measure(quantised(base), train, test)}
    a, b = runs["float32"].pop("_test_vectors"), runs["int8"].pop("_test_vectors")
    cosine = np.sum(a * b, 1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    ratios = {
        k: round(runs["int8"][k] / runs["float32"][k], 3)
        for k in ("single_p50_ms", "single_p95_ms", "batch_messages_per_s")
    }
    print(
        json.dumps(
            {
                "benchmark": "encoder_quantisation",
                "cores": os.cpu_count(),
                "torch_threads": torch.get_num_threads(),
                "train_examples": len(train),
                "test_examples": len(test),
                **runs,
                "int8_over_float32": ratios,
                "sentence_cosine_mean": round(float(np.mean(cosine)), 4),
                "sentence_cosine_min": round(float(np.min(cosine)), 4),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
