"""/health checks the stores (503 when one is down); /metrics reports turns, component
latency, errors, active conversations and LLM tokens in Prometheus' format."""

from __future__ import annotations

import time

import httpx
from fastapi import FastAPI

from dialogue.events import UserUttered
from dialogue.locks import InMemoryLockStore
from dialogue.stores import InMemoryTrackerStore, SQLTrackerStore
from dialogue.stores.sql import create_store_engine
from dialogue.tracker import ConversationId
from parley.metrics import Metrics, observe_llm_generation
from parley.operations import Operations, operations_router


def client_for(operations: Operations) -> httpx.AsyncClient:
    app = FastAPI()
    app.include_router(operations_router(operations))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_health_is_ok_while_the_stores_answer() -> None:
    store = await SQLTrackerStore.connect("sqlite+aiosqlite://")
    operations = Operations.watching(Metrics(), tracker_store=store, lock_store=InMemoryLockStore())

    async with client_for(operations) as client:
        response = await client.get("/health")
    await store.close()

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"tracker_store": "ok", "lock_store": "ok"},
    }


async def test_health_is_503_naming_the_store_that_is_down() -> None:
    unreachable = await _unreachable_store()
    operations = Operations.watching(Metrics(), tracker_store=unreachable)

    async with client_for(operations) as client:
        response = await client.get("/health")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["tracker_store"].startswith("TrackerStoreUnavailable")


async def _unreachable_store() -> SQLTrackerStore:
    """A store whose database went away after it connected."""
    return SQLTrackerStore(create_store_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none"))


async def test_metrics_report_turns_components_errors_and_llm_tokens() -> None:
    metrics, store = Metrics(), InMemoryTrackerStore()
    await store.append(ConversationId("recent"), [UserUttered(text="hi", timestamp=time.time())])
    await store.append(ConversationId("old"), [UserUttered(text="hi", timestamp=1.0)])
    with metrics.turn("rest"):
        with metrics.time("nlu"):
            pass
        observe_llm_generation("smollm2", tokens=40, seconds=0.5)
    metrics.count_error(TimeoutError())
    observe_llm_generation("outside-a-turn", tokens=5, seconds=0.1)  # ignored

    async with client_for(Operations(metrics, store=store)) as client:
        text = (await client.get("/metrics")).text

    assert 'parley_turns_total{channel="rest"} 1.0' in text
    assert 'parley_component_seconds_count{component="nlu"} 1.0' in text
    assert 'parley_errors_total{kind="TimeoutError"} 1.0' in text
    assert 'parley_llm_tokens_total{model="smollm2"} 40.0' in text
    assert "outside-a-turn" not in text
    assert "parley_active_conversations 1.0" in text
