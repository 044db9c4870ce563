"""Turn latency of the reference bot over real HTTP: sequential and 32 concurrent conversations.

Both runs send the same load: `concurrency` conversations of `turns / concurrency`
messages each; the sequential run sends one message at a time, the concurrent
run keeps all conversations in flight at once.

Copies the project to a temporary folder (so its SQLite tracker store starts
empty), trains it there if needed, starts `parley run` as a separate process,
and drives the Rasa-compatible REST webhook with httpx. Prints one JSON object.

    python bench/turn_latency.py [--project .] [--turns 200] [--concurrency 32]
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
from pathlib import Path

import httpx
from served_bot import copy_trained_project, free_port, latency_summary, wait_ready

MESSAGES = [
    "hi there",
    "where is my order PO-48213?",
    "what shipping options do you have",
    "can I return something I bought",
    "when are you open",
    "are you a bot?",
    "thanks a lot",
    "bye",
]


def _start_server(project: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "parley",
            "run",
            "--project",
            str(project),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--address-rate-limit",
            "off",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _conversation(client: httpx.AsyncClient, sender: str, turns: int) -> list[float]:
    latencies = []
    for i in range(turns):
        body = {"sender": sender, "message": MESSAGES[i % len(MESSAGES)]}
        start = time.perf_counter()
        response = await client.post("/webhooks/rest/webhook", json=body)
        latencies.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return latencies


async def _measure(base_url: str, turns: int, concurrency: int) -> dict[str, object]:
    limits = httpx.Limits(max_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        await wait_ready(client, deadline_s=120)
        await _conversation(client, "warmup", len(MESSAGES))
        per_conversation = max(1, turns // concurrency)
        start = time.perf_counter()
        sequential = [
            latency
            for i in range(concurrency)
            for latency in await _conversation(client, f"s{i}", per_conversation)
        ]
        sequential_wall = time.perf_counter() - start
        start = time.perf_counter()
        batches = await asyncio.gather(
            *(_conversation(client, f"c{i}", per_conversation) for i in range(concurrency))
        )
        concurrent_wall = time.perf_counter() - start
    return {
        "sequential": latency_summary(sequential, sequential_wall, digits=2),
        f"concurrent_{concurrency}": latency_summary(
            [x for b in batches for x in b], concurrent_wall, digits=2
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--turns", type=int, default=320)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        project = Path(tmp) / "bot"
        copy_trained_project(args.project, project)
        port = free_port()
        server = _start_server(project, port)
        try:
            result = asyncio.run(_measure(f"http://127.0.0.1:{port}", args.turns, args.concurrency))
        finally:
            server.terminate()
            server.wait(timeout=30)
    result = {"benchmark": "turn_latency", "cores": os.cpu_count(), **result}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
