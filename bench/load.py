"""Throughput and latency of `parley run` with 1 and 2 workers, on SQLite and PostgreSQL.

For each (tracker store, workers) pair: copy the project to a temporary folder
(trained there if it has no model), point endpoints.yml at the store and at a
Redis lock store, start `parley run --workers N`, and drive `concurrency`
conversations of `turns` messages each over HTTP at once. PostgreSQL runs get a
fresh schema, dropped afterwards. Prints one JSON object with the machine's cores and, per
run, how many of them were busy while it was measured: the whole machine
(``machine_busy_cores``, PostgreSQL and Redis included), the server with all its workers
(``server_cores``) and this client (``client_cores``). Where one worker already keeps the
machine busy, a second one has no core to run on.

    python bench/load.py [--project .] [--concurrency 32] [--turns 20]
        [--postgres postgresql://postgres@127.0.0.1:5432/test] [--redis redis://127.0.0.1:6379/0]
        [--nlu-batching]

``--nlu-batching`` measures only SQLite with one worker, twice in the same run: every
message parsed alone (``PARLEY_NLU_MAX_BATCH=1``) and concurrent messages batched
(the default), and prints the ratios.
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
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from redis import asyncio as aioredis
from served_bot import copy_trained_project, free_port, latency_summary, wait_ready
from sqlalchemy import make_url

MESSAGES = ["hi there", "where is my order PO-48213?", "what shipping options do you have", "bye"]


async def _postgres_schema(admin_url: str) -> tuple[str, str]:
    """A fresh role and schema; returns the role's URL and its name."""
    name = f"parley_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(
        make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    await admin.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{name}'")
    await admin.execute(f"CREATE SCHEMA {name} AUTHORIZATION {name}")
    await admin.execute(f"ALTER ROLE {name} SET search_path = {name}")
    await admin.close()
    url = make_url(admin_url).set(username=name, password=name)
    return url.render_as_string(hide_password=False), name


async def _drop_schema(admin_url: str, name: str) -> None:
    admin = await asyncpg.connect(
        make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    await admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", name
    )
    await admin.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    await admin.execute(f"DROP ROLE IF EXISTS {name}")
    await admin.close()


def _write_endpoints(project: Path, database_url: str, redis_url: str, prefix: str) -> None:
    endpoints = {
        "tracker_store": {"type": "sql", "url": database_url},
        "lock_store": {"type": "redis", "url": redis_url, "key_prefix": prefix},
    }
    (project / "endpoints.yml").write_text(json.dumps(endpoints), encoding="utf-8")


async def _conversation(
    client: httpx.AsyncClient, sender: str, turns: int
) -> tuple[list[float], int]:
    latencies, errors = [], 0
    for i in range(turns):
        start = time.perf_counter()
        try:
            response = await client.post(
                "/webhooks/rest/webhook",
                json={"sender": sender, "message": MESSAGES[i % len(MESSAGES)]},
            )
            ok = response.status_code == 200
        except httpx.TransportError:
            ok = False
        latencies.append((time.perf_counter() - start) * 1000)
        errors += not ok
    return latencies, errors


_NO_RATE_LIMITS = ("--rate-limit", "off", "--address-rate-limit", "off")


_TICK = os.sysconf("SC_CLK_TCK")


def _machine_busy_seconds() -> float:
    """CPU seconds all processes have used since boot (``/proc/stat``, less idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    return (sum(fields) - fields[3] - fields[4]) / _TICK


def _tree_seconds(root: int) -> float:
    """CPU seconds used by process ``root`` and its descendants (a server's workers)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        fields = text.rsplit(")", 1)[1].split()
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / _TICK
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(used.get(pid, 0.0) for pid in tree)


def _cpu_sample(server: int) -> tuple[float, float, float]:
    return _machine_busy_seconds(), _tree_seconds(server), time.process_time()


def _cores_used(
    before: tuple[float, ...], after: tuple[float, ...], wall: float
) -> dict[str, float]:
    """How many cores the machine, the server (all workers) and this client kept busy."""
    names = ("machine_busy_cores", "server_cores", "client_cores")
    return {n: round((a - b) / wall, 2) for n, a, b in zip(names, after, before, strict=True)}


async def _drive(url: str, concurrency: int, turns: int, server: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=concurrency * 2, keepalive_expiry=2)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        await wait_ready(client, deadline_s=180, poll_s=0.3)
        await asyncio.gather(*(_conversation(client, f"warm{i}", 2) for i in range(concurrency)))
        start, before = time.perf_counter(), _cpu_sample(server)
        runs = await asyncio.gather(
            *(_conversation(client, f"c{i}", turns) for i in range(concurrency))
        )
        wall = time.perf_counter() - start
        cores = _cores_used(before, _cpu_sample(server), wall)
    summary = latency_summary([x for run, _ in runs for x in run], wall, digits=1)
    return {**summary, "errors": sum(e for _, e in runs), **cores}


async def _measure(
    project: Path, store: str, workers: int, args: argparse.Namespace, max_batch: int = 32
) -> dict[str, Any]:
    prefix = f"parley-bench:{uuid.uuid4().hex}:"
    schema = None
    if store == "postgresql":
        database_url, schema = await _postgres_schema(args.postgres)
    else:
        database_url = f"sqlite:///{project / f'bench-{uuid.uuid4().hex}.db'}"
    _write_endpoints(project, database_url, args.redis, prefix)
    port = free_port()
    command = [sys.executable, "-m", "parley", "run", "-p", str(project), "--workers", str(workers)]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), *_NO_RATE_LIMITS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PARLEY_NLU_MAX_BATCH": str(max_batch)},
    )
    try:
        result = await _drive(f"http://127.0.0.1:{port}", args.concurrency, args.turns, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
        if schema:
            await _drop_schema(args.postgres, schema)
        redis = aioredis.Redis.from_url(args.redis)
        keys = [k async for k in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
    return {"store": store, "workers": workers, "nlu_max_batch": max_batch, **result}


def _batching_ratios(alone: dict[str, Any], batched: dict[str, Any]) -> dict[str, float]:
    keys = [k for k in alone if k.endswith(("_ms", "per_s")) and k in batched]
    return {k: round(batched[k] / alone[k], 3) for k in keys if alone[k]}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--project", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--turns", type=int, default=20, help="Messages per conversation.")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--nlu-batching", action="store_true", help="Batched vs alone only.")
    args = parser.parse_args()
    results = []
    extra: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="parley-load-") as tmp:
        project = Path(tmp) / "bot"
        copy_trained_project(args.project, project)
        if args.nlu_batching:
            for max_batch in (1, 32):
                results.append(asyncio.run(_measure(project, "sqlite", 1, args, max_batch)))
            extra["batched_over_alone"] = _batching_ratios(results[0], results[1])
        else:
            for store in ("sqlite", "postgresql"):
                for workers in (1, 2):
                    results.append(asyncio.run(_measure(project, store, workers, args)))
    report = {
        "benchmark": "load",
        "cores": os.cpu_count(),
        "concurrency": args.concurrency,
        "turns_per_conversation": args.turns,
        "lock_store": "redis",
        "results": results,
        **extra,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
