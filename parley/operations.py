"""Operations routes: ``GET /health`` that checks the tracker store and lock store, and
``GET /metrics`` in Prometheus' text format.

``/health`` answers 200 ``{"status": "ok", "checks": {"tracker_store": "ok", ...}}``
when every check passes within ``check_timeout`` seconds, else 503 with
``"status": "unavailable"`` and each failing check's error; a load balancer
takes the worker out of rotation until the database or Redis is back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from parley.metrics import CONTENT_TYPE, Metrics, active_conversations_metric

HealthCheck = Callable[[], Awaitable[None]]


@runtime_checkable
class Pingable(Protocol):
    async def ping(self) -> None:
        """Return when the service answers; raise when it does not."""
        ...


@dataclass(frozen=True)
class Operations:
    """What the operations routes report on."""

    metrics: Metrics
    checks: Mapping[str, HealthCheck] = field(default_factory=dict)
    store: object | None = None  # asked for parley_active_conversations
    active_window: float = 300.0
    check_timeout: float = 2.0

    @classmethod
    def watching(cls, metrics: Metrics, **services: object) -> Operations:
        """Health checks for each of ``services`` that can be pinged; the tracker store
        (``tracker_store=``) also feeds the active-conversations gauge."""
        checks = {name: s.ping for name, s in services.items() if isinstance(s, Pingable)}
        return cls(metrics, checks, store=services.get("tracker_store"))


def operations_router(operations: Operations, metrics: bool = True) -> APIRouter:
    """``/health``, and ``/metrics`` unless ``metrics`` is false (the management API is off)."""
    router = APIRouter(tags=["status"])

    @router.get("/health", summary="Health check")
    async def health() -> JSONResponse:
        """200 when the tracker store and lock store answer, 503 (with the errors) when not."""
        results = await _run_checks(operations)
        ok = all(result == "ok" for result in results.values())
        body: dict[str, Any] = {"status": "ok" if ok else "unavailable", "checks": results}
        return JSONResponse(body, status_code=200 if ok else 503)

    if metrics:
        _add_metrics_route(router, operations)
    return router


def _add_metrics_route(router: APIRouter, operations: Operations) -> None:
    @router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    async def metrics() -> Response:
        """Turns, latency per component, errors, active conversations, LLM tokens."""
        try:
            extra = await active_conversations_metric(operations.store, operations.active_window)
        except Exception as e:  # the store is down: report the rest, and count why
            operations.metrics.count_error(e)
            extra = []
        return Response(operations.metrics.exposition(extra), media_type=CONTENT_TYPE)


async def _run_checks(operations: Operations) -> dict[str, str]:
    names = list(operations.checks)
    outcomes = await asyncio.gather(
        *(_check(operations.checks[name], operations.check_timeout) for name in names)
    )
    return dict(zip(names, outcomes, strict=True))


async def _check(check: HealthCheck, timeout: float) -> str:
    try:
        async with asyncio.timeout(timeout):
            await check()
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except Exception as e:  # any failure means "down"; the body says which
        return f"{type(e).__name__}: {e}"
    return "ok"
