"""``parley run --workers N``: N server processes behind one listening socket.

The parent binds the port and starts N worker processes (uvicorn's supervisor,
which also restarts a worker that dies). Each worker loads the model itself and
opens its own connections to the shared tracker store and lock store; nothing a
turn needs lives only in one worker, so any worker can serve any message.
:func:`check_shared_stores` refuses settings that would break with N > 1.

Metrics: the parent points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder (see
:mod:`parley.metrics`), so ``/metrics`` on any worker reports all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from parley.errors import ConfigError
from parley.logs import LogSettings
from parley.metrics import MULTIPROCESS_DIR_ENV
from parley.operations import Operations
from parley.project import EndpointsConfig
from parley.project.endpoints import store_kind
from parley.security import ApiSecurity

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServeSettings:
    """Everything a worker needs to build its app; picklable, sent to each worker."""

    project: Path
    model: Path | None = None
    cors: tuple[str, ...] = ()
    security: ApiSecurity = field(default_factory=ApiSecurity)
    logs: LogSettings = field(default_factory=LogSettings)
    log_level: int = logging.WARNING


def operations_for(agent: Any) -> Operations:
    """/health and /metrics for a :class:`~parley.agent.BotAgent`."""
    return Operations.watching(agent.metrics, tracker_store=agent.store, lock_store=agent.locks)


def check_shared_stores(endpoints: EndpointsConfig, workers: int) -> None:
    """Refuse ``workers > 1`` unless the lock and tracker stores are shared between processes.

    Warns for SQLite, which works across the processes of one machine but
    serialises every write.
    """
    if workers < 2:
        return
    locks = endpoints.lock_store
    if locks is None or store_kind(locks.type) == "memory":
        raise ConfigError(
            f"--workers {workers} needs a lock store the workers share; in-memory locks would "
            "let two workers run turns of one conversation at once. Set in endpoints.yml: "
            "lock_store: {type: redis, url: redis://HOST:6379/0}"
        )
    tracker = endpoints.tracker_store
    if tracker is not None and store_kind(tracker.type) == "memory":
        raise ConfigError(
            f"--workers {workers} needs a tracker store the workers share, not the in-memory "
            "one; use tracker_store: {type: sql, url: postgresql://...}"
        )
    if tracker is None or (tracker.dialect or tracker.url or "sqlite").startswith("sqlite"):
        click.secho(
            "warning: SQLite serialises writes across the workers; use PostgreSQL to scale "
            "beyond one machine or a few workers",
            fg="yellow",
            err=True,
        )


class LoadingGate:
    """An ASGI app that answers 503 ``starting`` until its real app is opened.

    The server listens at once, so ``/health`` says ``starting`` (and every other route
    asks to retry) while the models load, instead of refusing connections; then every
    request goes to the opened app, whose lifespan (its channels' clients) runs inside
    the gate's.
    """

    def __init__(self) -> None:
        self._app: FastAPI | None = None
        self._lifespans = contextlib.AsyncExitStack()

    @property
    def is_open(self) -> bool:
        return self._app is not None

    async def open(self, app: FastAPI) -> None:
        await self._lifespans.enter_async_context(app.router.lifespan_context(app))
        self._app = app

    async def close(self) -> None:
        self._app = None
        await self._lifespans.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif self._app is None:
            await _starting(scope, receive, send)
        else:
            await self._app(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


class WorkerApp:
    """The ASGI app of one worker: builds the agent at startup, closes it at shutdown.

    Unlike one process alone (:class:`LoadingGate`), a worker takes no connection until
    its agent is built: the others serve meanwhile, so a restarted worker never answers
    503 to a customer the ready ones could have served."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self._app: FastAPI | None = None
        self._agent: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if self._app is None:  # still loading its model: not ready for traffic
            await _starting(scope, receive, send)
            return
        await self._app(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                starting = asyncio.create_task(self._start())
                try:
                    with _cancelled_by_stop_signals(starting):
                        await starting
                except asyncio.CancelledError:
                    log.warning("worker %d stopped while starting", os.getpid())
                    await send({"type": "lifespan.startup.failed", "message": "stopped"})
                    return
                except Exception as e:
                    log.exception("worker %d could not start", os.getpid())
                    await send({"type": "lifespan.startup.failed", "message": str(e)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._agent is not None:
                    await self._agent.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _start(self) -> None:
        from parley.channels import channels_from_credentials
        from parley.project import load_credentials
        from parley.runtime import build_agent
        from parley.server import create_app
        from parley.sharedstate import open_shared_state

        s = self.settings
        s.logs.apply(s.log_level)
        path = s.project / "credentials.yml"
        credentials = load_credentials(path) if path.is_file() else None
        channels = channels_from_credentials(credentials or {"rest": None}, source=str(path))
        self._agent = await build_agent(s.project, s.model, wait_for_database=True)
        self._app = create_app(
            self._agent,
            channels,
            cors_origins=s.cors,
            security=s.security,
            operations=operations_for(self._agent),
            shared=open_shared_state(self._agent.locks),
        )
        log.warning("worker %d serves model %s", os.getpid(), self._agent.model_id)


@contextlib.contextmanager
def _cancelled_by_stop_signals(task: asyncio.Task[None]) -> Iterator[None]:
    """While a worker starts, SIGINT and SIGTERM (its supervisor stopping it) also cancel
    ``task``: uvicorn only acts on them once startup is over, and a start may be waiting
    for a database that is down. The handlers already installed still run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def stop(signum: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(task.cancel)
        handler = previous[signal.Signals(signum)]
        if callable(handler):
            handler(signum, frame)

    for sig in previous:
        signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


async def _starting(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    body = {"status": "starting", "detail": "the model is loading; retry shortly"}
    response = JSONResponse(body, status_code=503, headers={"Retry-After": "1"})
    await response(scope, receive, send)


async def serve_one(
    config: uvicorn.Config, build: Callable[[], Awaitable[tuple[Any, FastAPI]]]
) -> None:
    """Serve ``config.app`` (a :class:`LoadingGate`) while ``build`` makes the agent and
    its app, then open the gate; until then every request gets 503 ``starting``."""
    import uvicorn

    gate = config.app
    assert isinstance(gate, LoadingGate)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        agent, app = await build()
    except BaseException:
        server.should_exit = True
        await serving
        raise
    try:
        await gate.open(app)
        await serving
    finally:
        await gate.close()
        await agent.close()


def share_cores(workers: int) -> None:
    """Give each worker process its share of the cores for torch and ONNX Runtime (through
    ``OMP_NUM_THREADS``, which the workers inherit), unless the variable is set. Each worker
    otherwise started one compute thread per core: on 2 cores, two workers ran four
    spinning threads and served fewer turns than one worker (164 against 176 turns/s)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (cores or 1) // workers)))


def serve_workers(settings: ServeSettings, host: str, port: int, workers: int) -> None:
    """Serve with ``workers`` processes until interrupted (Ctrl-C or SIGTERM)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from parley.runtime import project_endpoints

    check_shared_stores(project_endpoints(settings.project), workers)
    share_cores(workers)
    metrics_dir = Path(tempfile.mkdtemp(prefix="parley-metrics-"))
    os.environ[MULTIPROCESS_DIR_ENV] = str(metrics_dir)
    try:
        config = uvicorn.Config(
            WorkerApp(settings),
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            lifespan="on",
            timeout_graceful_shutdown=10,
            # A worker loading its model on a busy machine may not answer the supervisor's
            # ping for a while; 5 s (uvicorn's default) restarts it again and again.
            timeout_worker_healthcheck=60,
        )
        socket = config.bind_socket()
        click.echo(f"Serving on http://{host}:{port} with {workers} workers")
        Multiprocess(config, sockets=[socket]).run()
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(metrics_dir)


def worker_settings(
    project: Path,
    model: Path | None,
    cors: Sequence[str],
    security: ApiSecurity | None,
    logs: LogSettings,
    log_level: int,
) -> ServeSettings:
    return ServeSettings(
        project=project.resolve(),
        model=model.resolve() if model else None,
        cors=tuple(cors),
        security=security or ApiSecurity(),
        logs=logs,
        log_level=log_level,
    )
