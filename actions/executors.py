"""Custom action executors by ``endpoints.yml`` ``action_endpoint`` type.

The core ships :class:`NoCustomActions` (a project without custom actions);
in-process ``rasa_sdk`` execution and the remote action-server client register
here under their own names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from actions.errors import ActionNotFound
from actions.interfaces import ActionContext, CustomActionExecutor
from dialogue.events import Event
from parley.registry import Registry

ExecutorFactory = Callable[[Mapping[str, Any], Path], CustomActionExecutor]

EXECUTORS: Registry[ExecutorFactory] = Registry("action executor")


class NoCustomActions:
    """Knows no custom action; running one raises :class:`ActionNotFound`."""

    def knows(self, action_name: str) -> bool:
        return False

    async def run(self, action_name: str, context: ActionContext) -> Sequence[Event]:
        raise ActionNotFound(action_name, "no action server or in-process actions are configured")


@EXECUTORS.register("none")
def _none(options: Mapping[str, Any], project_root: Path) -> CustomActionExecutor:
    return NoCustomActions()
