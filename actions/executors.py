"""Custom action executors by ``endpoints.yml`` ``action_endpoint`` type.

* ``none``: :class:`NoCustomActions`, a project without custom actions;
* ``module``: :class:`~actions.inprocess.InProcessActions`, the project's
  ``rasa_sdk`` package (``actions_module``) run inside the bot process;
* ``remote`` (alias ``http``): :class:`~actions.remote.RemoteActions`, an action
  server at ``url`` speaking Rasa's protocol.

Each factory gets the ``action_endpoint`` section as a dict and the project folder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from actions.errors import ActionNotFound, ActionsUnavailable
from actions.interfaces import ActionContext, CustomActionExecutor
from actions.remote import DEFAULT_TIMEOUT, RemoteActions, RemoteSettings
from dialogue.events import Event
from plugins import Registry

ExecutorFactory = Callable[[Mapping[str, Any], Path], CustomActionExecutor]

EXECUTORS: Registry[ExecutorFactory] = Registry("action executor")


class NoCustomActions:
    """Knows no custom action; running one raises :class:`ActionNotFound`."""

    def knows(self, action_name: str) -> bool:
        return False

    async def run(self, action_name: str, context: ActionContext) -> Sequence[Event]:
        raise ActionNotFound(action_name, "no action server or in-process actions are configured")

    async def close(self) -> None:
        return None


@EXECUTORS.register("none")
def _none(options: Mapping[str, Any], project_root: Path) -> CustomActionExecutor:
    return NoCustomActions()


@EXECUTORS.register("module")
def _module(options: Mapping[str, Any], project_root: Path) -> CustomActionExecutor:
    from actions.inprocess import InProcessActions  # imports rasa_sdk only when used

    module = options.get("actions_module")
    if not module:
        raise ActionsUnavailable("endpoints.yml: action_endpoint needs 'actions_module'")
    return InProcessActions.load(str(module), project_root)


_REMOTE_TUNING = ("retries", "backoff", "breaker_failures", "breaker_reset")


@EXECUTORS.register("remote", "http")
def _remote(options: Mapping[str, Any], project_root: Path) -> CustomActionExecutor:
    url = options.get("url")
    if not url:
        raise ActionsUnavailable("endpoints.yml: action_endpoint needs 'url'")
    settings = RemoteSettings(
        url=str(url),
        timeout=float(options.get("timeout") or DEFAULT_TIMEOUT),
        token=options.get("token"),
        token_name=str(options.get("token_name") or "token"),
        headers={str(k): str(v) for k, v in (options.get("headers") or {}).items()},
        params=dict(options.get("params") or {}),
        **{key: _number(options, key) for key in _REMOTE_TUNING if key in options},
    )
    return RemoteActions(settings)


def _number(options: Mapping[str, Any], key: str) -> Any:
    value = options[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ActionsUnavailable(
            f"endpoints.yml: action_endpoint {key} must be a number >= 0, not {value!r}"
        )
    return int(value) if key in ("retries", "breaker_failures") else float(value)
