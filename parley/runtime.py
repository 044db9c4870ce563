"""Build a running agent from a trained model and ``endpoints.yml``.

Each plug-in comes from its registry by the name the project configures:
tracker store, lock store, custom action executor, NLG backend.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from actions.executors import EXECUTORS
from actions.interfaces import CustomActionExecutor
from actions.resolver import ActionResolver
from dialogue.interfaces import LockStore, TrackerStore
from dialogue.locks import LOCK_STORES
from dialogue.stores import TRACKER_STORES
from nlg.registry import GENERATORS
from parley.agent import BotAgent
from parley.model import TrainedModel, load_model, resolve_model
from parley.project import EndpointsConfig, load_endpoints, sqlalchemy_url
from parley.project.endpoints import store_kind

log = logging.getLogger(__name__)


def project_endpoints(project_root: Path) -> EndpointsConfig:
    path = project_root / "endpoints.yml"
    return load_endpoints(path) if path.is_file() else EndpointsConfig()


async def open_tracker_store(endpoints: EndpointsConfig, project_root: Path) -> TrackerStore:
    config = endpoints.tracker_store
    kind = store_kind(config.type) if config is not None else "sql"
    url = sqlalchemy_url(config, project_root) if kind == "sql" else config.url if config else None
    options = config.options if config is not None else {}
    return await TRACKER_STORES.get(kind)(url, options)


async def open_lock_store(endpoints: EndpointsConfig) -> LockStore:
    config = endpoints.lock_store
    if config is None:
        return await LOCK_STORES.get("in_memory")(None, {})
    return await LOCK_STORES.get(store_kind(config.type))(config.url, config.options)


def custom_action_executor(endpoints: EndpointsConfig, project_root: Path) -> CustomActionExecutor:
    config = endpoints.action_endpoint
    if config is None:
        return EXECUTORS.get("none")({}, project_root)
    kind = config.type or ("http" if config.url else "none")
    if kind not in EXECUTORS:
        log.warning(
            "endpoints.yml: action_endpoint %r (type %s) is not available in this Parley "
            "version; custom actions will be answered with the fallback response",
            config.url,
            kind,
        )
        kind = "none"
    return EXECUTORS.get(kind)(config.model_dump(exclude_none=True), project_root)


async def build_agent(project_root: Path, model: Path | None = None) -> BotAgent:
    """Load the model (off the event loop) and connect the configured stores."""
    endpoints = project_endpoints(project_root)
    archive = resolve_model(model, project_root / "models")
    trained: TrainedModel = await asyncio.to_thread(load_model, archive)
    nlg_config = endpoints.nlg
    nlg_type = nlg_config.type if nlg_config is not None and nlg_config.type else "template"
    nlg = GENERATORS.get(nlg_type)(trained.domain, nlg_config.options if nlg_config else {})
    executor = custom_action_executor(endpoints, project_root)
    store = await open_tracker_store(endpoints, project_root)
    return BotAgent(
        domain=trained.domain,
        interpreter=trained.interpreter,
        policy=trained.policy,
        nlg=nlg,
        actions=ActionResolver(trained.domain, executor),
        store=store,
        locks=await open_lock_store(endpoints),
        model_id=trained.model_id,
    )
