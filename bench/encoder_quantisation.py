"""Is an int8 or ONNX Runtime encoder worth it? all-MiniLM-L6-v2 in four runtimes.

The bundled encoder in torch float32, torch int8 dynamic quantisation
(``torch.ao.quantization.quantize_dynamic`` on its linear layers), and, when
``onnxruntime`` can be imported (it is not a dependency of Parley), exported to ONNX and
run by ONNX Runtime in float32 and with its int8 dynamic quantisation. All run in one
process on the same inputs: single-message latency (p50, p95),
batch throughput (messages/s in batches of 32), the cosine similarity of their sentence
vectors, and BANKING77 accuracy of a logistic regression on each variant's frozen sentence
vectors (train on ``train.csv``, score ``test.csv``), as the measure of "equal accuracy".
Prints one JSON object.

    .venv/bin/python bench/encoder_quantisation.py [--train-size 10003]

The "x_float32" ratios compare each variant with torch float32 from the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
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


class OnnxModel:
    """An ONNX Runtime session behind the call ``TextEncoder`` makes of a transformers model."""

    def __init__(self, path: Path) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = [i.name for i in self.session.get_inputs()]

    def __call__(self, **batch: torch.Tensor) -> SimpleNamespace:
        feeds = {name: batch[name].numpy() for name in self.inputs}
        (hidden,) = self.session.run(["last_hidden_state"], feeds)
        return SimpleNamespace(last_hidden_state=torch.from_numpy(hidden))


class _HiddenStates(torch.nn.Module):
    """The encoder with positional inputs and one tensor out, as the ONNX tracer wants it."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        out = self.model(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        )
        return out.last_hidden_state  # type: ignore[no-any-return]


def onnx_variants(encoder: TextEncoder, folder: Path) -> dict[str, TextEncoder]:
    """ONNX Runtime float32 and int8 encoders, or none when onnxruntime is not installed."""
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        return {}
    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = encoder.tokenizer(["a sample sentence"], return_tensors="pt")
    exported = folder / "encoder.onnx"
    batch, tokens = torch.export.Dim("batch"), torch.export.Dim("tokens")
    with contextlib.redirect_stdout(sys.stderr):  # the exporter reports its steps on stdout
        program = torch.onnx.export(
            _HiddenStates(encoder.model),
            tuple(sample[name] for name in names),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_shapes=tuple({0: batch, 1: tokens} for _ in names),
            dynamo=True,
        )
    assert program is not None
    program.save(str(exported))
    quantised_path = folder / "encoder_int8.onnx"
    quantize_dynamic(str(exported), str(quantised_path), weight_type=QuantType.QInt8)
    return {
        f"onnx_{name}": TextEncoder(encoder.tokenizer, OnnxModel(path), encoder.max_length)
        for name, path in (("float32", exported), ("int8", quantised_path))
    }


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
    with tempfile.TemporaryDirectory() as tmp:
        variants = {"float32": base, "int8": quantised(base), **onnx_variants(base, Path(tmp))}
        runs = {name: measure(encoder, train, test) for name, encoder in variants.items()}
    vectors = {name: run.pop("_test_vectors") for name, run in runs.items()}
    reference = runs["float32"]
    for name, run in runs.items():
        if name == "float32":
            continue
        run["x_float32"] = {
            k: round(run[k] / reference[k], 3)
            for k in ("single_p50_ms", "single_p95_ms", "batch_messages_per_s")
        }
        run["sentence_cosine_to_float32"] = _cosine(vectors["float32"], vectors[name])
    print(
        json.dumps(
            {
                "benchmark": "encoder_quantisation",
                "cores": os.cpu_count(),
                "torch_threads": torch.get_num_threads(),
                "train_examples": len(train),
                "test_examples": len(test),
                "onnxruntime": "onnx_float32" in runs or "not installed: skipped",
                **runs,
            },
            indent=1,
        )
    )


def _cosine(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    cosine = np.sum(a * b, 1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return {"mean": round(float(np.mean(cosine)), 4), "min": round(float(np.min(cosine)), 4)}


if __name__ == "__main__":
    main()
