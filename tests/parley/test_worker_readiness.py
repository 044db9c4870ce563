"""A server that has not finished loading its model answers 503 ``starting``, never 500."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import FastAPI

from parley.serving import LoadingGate, ServeSettings, WorkerApp


async def test_a_worker_still_loading_answers_503_starting_on_health_and_every_route(
    tmp_path: Path,
) -> None:
    worker = WorkerApp(ServeSettings(project=tmp_path))  # lifespan startup has not run
    transport = httpx.ASGITransport(worker)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        health = await client.get("/health")
        webhook = await client.post("/webhooks/rest/webhook", json={"message": "hi"})

    assert health.status_code == 503
    assert health.json()["status"] == "starting"
    assert health.headers["Retry-After"] == "1"
    assert webhook.status_code == 503


async def test_one_process_answers_starting_until_its_app_is_opened_and_runs_its_lifespan() -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.append("started")
        yield
        events.append("stopped")

    app = FastAPI(lifespan=lifespan)
    app.get("/health")(lambda: {"status": "ok"})
    gate = LoadingGate()
    transport = httpx.ASGITransport(gate)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        loading = await client.get("/health")
        await gate.open(app)
        ready = await client.get("/health")
        await gate.close()
        closed = await client.get("/health")

    assert (loading.status_code, loading.json()["status"]) == (503, "starting")
    assert (ready.status_code, ready.json()) == (200, {"status": "ok"})
    assert closed.status_code == 503
    assert events == ["started", "stopped"]
