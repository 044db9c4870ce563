"""In-process custom actions: the project's ``rasa_sdk`` package run inside the bot.

``endpoints.yml``::

    action_endpoint:
      actions_module: shop_actions

imports the package (from the project folder first), registers its ``rasa_sdk``
``Action`` classes with ``rasa_sdk``'s own :class:`~rasa_sdk.executor.ActionExecutor`
and runs them with the same call an action server would receive, so code written
for ``rasa run actions`` runs here unchanged, without a second process.

A project package named ``actions`` (Rasa's default) would clash with Parley's own
``actions`` package; it is loaded from the project folder under another module
name, so its relative imports work (absolute ``import actions.x`` cannot).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

from actions import sdk_compat
from actions.errors import ActionNotFound, ActionRejected, ActionServerError, ActionsUnavailable
from actions.interfaces import ActionContext
from actions.protocol import action_call, answer_events
from dialogue.events import Event

log = logging.getLogger(__name__)

_ALIAS_PREFIX = "parley_project_"


class InProcessActions:
    """Runs the actions that ``rasa_sdk`` registered from one package."""

    def __init__(self, executor: ActionExecutor, package: str) -> None:
        self._executor = executor
        self.package = package

    @classmethod
    def load(cls, module: str, project_root: Path) -> InProcessActions:
        """Import ``module`` and register its actions. Raises :class:`ActionsUnavailable`."""
        sdk_compat.install()
        package = _import_actions_module(module, project_root)
        executor = ActionExecutor()
        _register(executor, package)
        # rasa_sdk registers every Action subclass the process has imported; keep ours.
        prefix = package.__name__
        executor.actions = {
            name: run for name, run in executor.actions.items() if _defined_in(run, prefix)
        }
        log.info("in-process actions from %s: %s", module, sorted(executor.actions))
        return cls(executor, package.__name__)

    @property
    def action_names(self) -> list[str]:
        return sorted(self._executor.actions)

    def knows(self, action_name: str) -> bool:
        return action_name in self._executor.actions

    async def run(self, action_name: str, context: ActionContext) -> Sequence[Event]:
        if not self.knows(action_name):
            raise ActionNotFound(action_name, f"no action of that name in {self.package}")
        try:
            result = await self._executor.run(action_call(action_name, context))
        except ActionExecutionRejection as e:
            raise ActionRejected(action_name, e.message) from e
        except ActionNotFoundException as e:
            raise ActionNotFound(action_name, e.message) from e
        except Exception as e:  # the project's code may raise anything; the chat goes on
            log.exception(
                "conversation %s: action %s raised", context.tracker.conversation_id, action_name
            )
            raise ActionServerError(action_name, f"raised {type(e).__name__}: {e}") from e
        answer: Mapping[str, Any] | None = result.model_dump() if result is not None else None
        return await answer_events(action_name, answer, context)

    async def close(self) -> None:
        return None


def _register(executor: ActionExecutor, package: ModuleType) -> None:
    try:
        executor.register_package(package)
    except (Exception, SystemExit) as e:  # rasa_sdk exits on an ImportError in a submodule
        raise ActionsUnavailable(
            f"the actions package {package.__name__!r} failed to load; "
            "see the log above for the error in its modules"
        ) from e


def _defined_in(run: Any, package: str) -> bool:
    owner = getattr(run, "__self__", None)
    module = type(owner).__module__ if owner is not None else getattr(run, "__module__", "")
    return bool(module == package or module.startswith(package + "."))


def _import_actions_module(module: str, project_root: Path) -> ModuleType:
    """The actions package, from ``project_root`` first, else wherever Python finds it."""
    root = project_root.resolve()
    local = _local_source(module, root)
    try:
        if local is not None and _shadowed(module, root):
            return _load_under_alias(module, local, root)
        if local is not None and str(root) not in sys.path:
            sys.path.insert(0, str(root))
        return importlib.import_module(module)
    except Exception as e:
        raise ActionsUnavailable(
            f"endpoints.yml: action_endpoint actions_module {module!r} cannot be imported "
            f"from {root} or the installed packages: {type(e).__name__}: {e}"
        ) from e


def _local_source(module: str, root: Path) -> Path | None:
    base = root.joinpath(*module.split("."))
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def _shadowed(module: str, root: Path) -> bool:
    """Would ``import module`` find something other than the project's own package?"""
    top = module.split(".")[0]
    found = importlib.util.find_spec(top)
    origin = Path(found.origin).resolve() if found is not None and found.origin else None
    return origin is not None and root not in origin.parents


def _load_under_alias(module: str, source: Path, root: Path) -> ModuleType:
    digest = hashlib.sha1(str(root).encode()).hexdigest()[:8]
    alias = f"{_ALIAS_PREFIX}{digest}_{module.replace('.', '_')}"
    if alias in sys.modules:
        return sys.modules[alias]
    locations = [str(source.parent)] if source.name == "__init__.py" else None
    spec = importlib.util.spec_from_file_location(
        alias, source, submodule_search_locations=locations
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {source}")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[alias] = loaded
    try:
        spec.loader.exec_module(loaded)
    except BaseException:
        del sys.modules[alias]
        raise
    return loaded
