"""A worker that has not finished loading its model answers 503 ``starting``, never 500."""

from __future__ import annotations

from pathlib import Path

import httpx

from parley.serving import ServeSettings, WorkerApp


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
