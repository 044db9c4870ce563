"""Actions: what the bot does once the policies chose a name."""

from actions.errors import ActionError, ActionNotFound, ActionRejected, ActionServerError
from actions.executors import EXECUTORS, NoCustomActions
from actions.interfaces import Action, ActionContext, CustomActionExecutor
from actions.resolver import ActionResolver

__all__ = [
    "EXECUTORS",
    "Action",
    "ActionContext",
    "ActionError",
    "ActionNotFound",
    "ActionRejected",
    "ActionResolver",
    "ActionServerError",
    "CustomActionExecutor",
    "NoCustomActions",
]
