"""Build a running agent from a trained model and ``endpoints.yml``.

Each plug-in comes from its registry by the name the project configures:
tracker store, lock store, custom action executor, NLG backend.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

from actions.errors import ActionsUnavailable
from actions.executors import EXECUTORS
from actions.interfaces import CustomActionExecutor
from actions.resolver import ActionResolver
from dialogue.errors import TrackerStoreUnavailable
from dialogue.interfaces import LockStore, TrackerStore
from dialogue.locks import LOCK_STORES
from dialogue.stores import TRACKER_STORES
from nlg.errors import NLGConfigError
from nlg.registry import GENERATORS
from parley.agent import BotAgent
from parley.brokers import EVENT_BROKERS, EventBroker
from parley.errors import ConfigError
from parley.knowledge_routing import with_knowledge_routing
from parley.metrics import Metrics, TimedNLG
from parley.model import TrainedModel, load_model, resolve_model
from parley.nlu_batching import DEFAULT_MAX_BATCH
from parley.project import EndpointsConfig, load_endpoints, sqlalchemy_url
from parley.project.endpoints import store_kind

log = logging.getLogger(__name__)


def project_endpoints(project_root: Path, path: Path | None = None) -> EndpointsConfig:
    """``endpoints.yml`` of the project, or the file ``path`` (``parley run --endpoints``)."""
    path = path or project_root / "endpoints.yml"
    return load_endpoints(path) if path.is_file() else EndpointsConfig()


async def open_tracker_store(endpoints: EndpointsConfig, project_root: Path) -> TrackerStore:
    config = endpoints.tracker_store
    kind = store_kind(config.type) if config is not None else "sql"
    url = sqlalchemy_url(config, project_root) if kind == "sql" else config.url if config else None
    options = config.options if config is not None else {}
    return await TRACKER_STORES.get(kind)(url, options)


async def wait_for_tracker_store(
    endpoints: EndpointsConfig, project_root: Path, *, longest_pause_s: float = 15.0
) -> TrackerStore:
    """Open the tracker store, waiting for as long as its database is unreachable.

    A server (or a restarted worker) that starts during a database outage waits and
    logs, rather than exit: one worker failing to start stops ``parley run --workers``
    as a whole, and a database coming back should need no restart."""
    pause = 0.5
    while True:
        try:
            return await open_tracker_store(endpoints, project_root)
        except TrackerStoreUnavailable as e:
            log.warning("waiting for the tracker store (again in %.1f s): %s", pause, e)
        await asyncio.sleep(pause)
        pause = min(pause * 2, longest_pause_s)


async def open_lock_store(endpoints: EndpointsConfig) -> LockStore:
    config = endpoints.lock_store
    if config is None:
        return await LOCK_STORES.get("in_memory")(None, {})
    options = config.model_dump(exclude_none=True, exclude={"type", "url"})
    return await LOCK_STORES.get(store_kind(config.type))(config.url, options)


async def open_event_broker(endpoints: EndpointsConfig) -> EventBroker | None:
    """The ``event_broker`` of ``endpoints.yml``; ``None`` when there is none."""
    config = endpoints.event_broker
    if config is None:
        return None
    if not config.type:
        raise ConfigError(f"endpoints.yml: event_broker needs a type ({', '.join(EVENT_BROKERS)})")
    settings = config.model_dump(exclude_none=True, exclude_defaults=True)
    return await EVENT_BROKERS.get(config.type)(settings)


def custom_action_executor(endpoints: EndpointsConfig, project_root: Path) -> CustomActionExecutor:
    """The executor ``action_endpoint`` names: in-process module, remote server, or none.

    Raises :class:`ConfigError` when the actions cannot be set up (e.g. the module
    does not import), so the bot never starts with its actions silently missing.
    """
    config = endpoints.action_endpoint
    if config is None:
        return EXECUTORS.get("none")({}, project_root)
    try:
        return EXECUTORS.get(config.kind)(config.model_dump(exclude_none=True), project_root)
    except ActionsUnavailable as e:
        raise ConfigError(str(e)) from e


def with_finetuned_adapter(
    nlg_type: str, options: dict[str, Any], adapter: Path | None
) -> dict[str, Any]:
    """``options`` serving the archive's fine-tuned adapter, when the project fine-tunes its
    local model and has not turned serving it off (``finetune: {serve: false}``)."""
    finetune = options.get("finetune")
    if adapter is None or nlg_type not in ("llm", "LLMNaturalLanguageGenerator"):
        return options
    if finetune is None or not finetune.get("serve", True) or options.get("adapter"):
        return options
    return {**options, "adapter": str(adapter)}


NLU_MAX_BATCH_ENV = "PARLEY_NLU_MAX_BATCH"


def nlu_max_batch() -> int:
    """Messages of concurrent conversations parsed as one NLU batch at most, from
    ``PARLEY_NLU_MAX_BATCH`` (default 32; 1 parses every message alone)."""
    raw = os.environ.get(NLU_MAX_BATCH_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_BATCH
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{NLU_MAX_BATCH_ENV} must be a whole number >= 1, got {raw!r}")
    return int(raw)


async def build_agent(
    project_root: Path,
    model: Path | None = None,
    metrics: Metrics | None = None,
    endpoints_path: Path | None = None,
    *,
    wait_for_database: bool = False,
) -> BotAgent:
    """Load the model (off the event loop) and connect the configured stores; a server
    passes ``wait_for_database`` to wait out a tracker store that cannot be reached yet."""
    metrics = metrics or Metrics()
    endpoints = project_endpoints(project_root, endpoints_path)
    archive = resolve_model(model, project_root / "models")
    trained: TrainedModel = await asyncio.to_thread(load_model, archive)
    nlg_config = endpoints.nlg
    nlg_type = nlg_config.type if nlg_config is not None and nlg_config.type else "template"
    nlg_options = (
        nlg_config.model_dump(exclude_none=True, exclude_defaults=True, exclude={"type"})
        if nlg_config
        else {}
    )
    nlg_options = with_finetuned_adapter(nlg_type, nlg_options, trained.nlg_adapter)
    # An LLM NLG loads its model here: seconds of work, kept off the event loop.
    try:
        nlg = await asyncio.to_thread(
            GENERATORS.get(nlg_type), trained.domain, nlg_options, project_root
        )
    except NLGConfigError as e:
        raise ConfigError(str(e)) from e
    executor = custom_action_executor(endpoints, project_root)
    if wait_for_database:
        store = await wait_for_tracker_store(endpoints, project_root)
    else:
        store = await open_tracker_store(endpoints, project_root)
    agent = BotAgent(
        domain=trained.domain,
        interpreter=with_knowledge_routing(
            trained.interpreter, nlg, trained.domain, trained.policy
        ),
        policy=trained.policy,
        nlg=TimedNLG(nlg, metrics),
        actions=ActionResolver(trained.domain, executor),
        store=store,
        locks=await open_lock_store(endpoints),
        model_id=trained.model_id,
        metrics=metrics,
        broker=await open_event_broker(endpoints),
        nlu_max_batch=nlu_max_batch(),
    )
    await agent.warm_up()  # ready means ready: no model loads on a customer's message
    return agent
