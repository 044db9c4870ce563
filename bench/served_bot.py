"""What the HTTP benchmarks share: a trained project copy, a free port, readiness, latency."""

from __future__ import annotations

import asyncio
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

_NOT_COPIED = (".venv", ".git", "results", "*.db*", "__pycache__", "bench")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def copy_trained_project(source: Path, target: Path) -> None:
    """Copy the project at ``source`` to ``target``, training it there if it has no model."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*_NOT_COPIED), dirs_exist_ok=True)
    if not any((target / "models").glob("*.tar.gz")):
        command = [sys.executable, "-m", "parley", "train", "-p", str(target)]
        subprocess.run(command, check=True, stdout=sys.stderr)  # stdout carries only the JSON


async def wait_ready(client: httpx.AsyncClient, deadline_s: float, poll_s: float = 0.2) -> None:
    """Poll ``/health`` until the server answers 200."""
    stop = time.monotonic() + deadline_s
    while time.monotonic() < stop:
        try:
            if (await client.get("/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(poll_s)
    raise TimeoutError("server did not become ready")


def latency_summary(latencies_ms: list[float], wall_s: float, digits: int) -> dict[str, float]:
    """Turn count, median and 95th percentile latency, and turns per second."""
    ordered = sorted(latencies_ms)
    return {
        "turns": len(ordered),
        "p50_ms": round(statistics.median(ordered), digits),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], digits),
        "turns_per_s": round(len(ordered) / wall_s, 1),
    }
