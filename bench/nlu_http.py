"""BANKING77 parses over real HTTP: ``POST /model/parse`` on a served ``parley run``.

Writes a project holding BANKING77's training split (the default pipeline of
``bench/nlu_banking77.py``, 77 intents in the domain), trains its NLU with ``parley train
nlu``, starts ``parley run --enable-api`` as a separate process, and sends test messages
one at a time: the median and 95th percentile milliseconds of each request (client-side,
loopback), and the accuracy of the answers. ``--compare-torch`` serves the same model a
second time with the encoder in torch (``PARLEY_ENCODER_RUNTIME=torch``). Prints one JSON
object.

    .venv/bin/python bench/nlu_http.py [--messages 300] [--per-intent N] [--compare-torch]

``--per-intent`` trains on at most N examples per intent (a quicker, less accurate run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import yaml
from nlu_banking77 import PIPELINE, data_folder, read_examples
from served_bot import free_port, latency_summary, wait_ready

from nlu import TrainingExample
from nlu.components.encoder_runtime import RUNTIME_ENV


def write_project(folder: Path, train: Sequence[TrainingExample]) -> None:
    intents = sorted({e.intent or "" for e in train})
    config = {"language": "en", "pipeline": PIPELINE, "policies": [{"name": "RulePolicy"}]}
    (folder / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    domain = {"version": "3.1", "intents": intents, "responses": {"utter_ok": [{"text": "ok"}]}}
    (folder / "domain.yml").write_text(yaml.safe_dump(domain, sort_keys=False))
    nlu = [
        {
            "intent": intent,
            "examples": "".join(f"- {_one_line(e.text)}\n" for e in train if e.intent == intent),
        }
        for intent in intents
    ]
    (folder / "data").mkdir()
    (folder / "data" / "nlu.yml").write_text(yaml.safe_dump({"version": "3.1", "nlu": nlu}))


def _one_line(text: str) -> str:
    """A few BANKING77 texts hold line breaks, which a Rasa example list cannot."""
    return " ".join(text.split())


def limited(examples: Sequence[TrainingExample], per_intent: int | None) -> list[TrainingExample]:
    counts: dict[str, int] = {}
    kept = []
    for example in examples:
        counts[example.intent or ""] = counts.get(example.intent or "", 0) + 1
        if per_intent is None or counts[example.intent or ""] <= per_intent:
            kept.append(example)
    return kept


async def parse_all(port: int, test: Sequence[TrainingExample]) -> dict[str, float]:
    timings, right = [], 0
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        await wait_ready(client, deadline_s=120)
        for example in test[:20]:  # warm-up
            await client.post("/model/parse", json={"text": example.text})
        begun = time.perf_counter()
        for example in test:
            started = time.perf_counter()
            response = await client.post("/model/parse", json={"text": example.text})
            timings.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            ranking = [r["name"] for r in response.json()["intent_ranking"]]
            right += bool(ranking) and ranking[0] == example.intent
    summary = latency_summary(timings, time.perf_counter() - begun, digits=2)
    return {
        "messages": len(timings),
        "p50_ms": summary["p50_ms"],
        "p95_ms": summary["p95_ms"],
        "accuracy": round(right / len(timings), 4),
    }


def serve_and_parse(
    project: Path, test: Sequence[TrainingExample], runtime: str
) -> dict[str, float]:
    """Start ``parley run`` on ``project`` with the encoder in ``runtime`` and parse ``test``."""
    port = free_port()
    command = [sys.executable, "-m", "parley", "run", "-p", str(project)]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--enable-api", "--host", "127.0.0.1"],
        stdout=sys.stderr,
        env={**os.environ, RUNTIME_ENV: runtime},
    )
    try:
        return asyncio.run(parse_all(port, test))
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--per-intent", type=int, default=None)
    parser.add_argument(
        "--compare-torch", action="store_true", help="also serve with the encoder in torch"
    )
    args = parser.parse_args()
    folder = data_folder()
    train = limited(read_examples(folder / "train.csv"), args.per_intent)
    test = read_examples(folder / "test.csv")[:: max(1, 3080 // args.messages)][: args.messages]
    with tempfile.TemporaryDirectory(prefix="parley-b77-") as tmp:
        project = Path(tmp)
        write_project(project, train)
        started = time.perf_counter()
        command = [sys.executable, "-m", "parley", "train", "-p", str(project)]
        subprocess.run(command, check=True, stdout=sys.stderr)
        train_s = time.perf_counter() - started
        results = {
            runtime: serve_and_parse(project, test, runtime)
            for runtime in (["onnx", "torch"] if args.compare_torch else ["onnx"])
        }
    print(json.dumps({"cores": os.cpu_count(), "train_s": round(train_s, 1), **results}))


if __name__ == "__main__":
    main()
