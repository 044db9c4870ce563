"""Errors raised while running actions.

ActionError
├── ActionNotFound        -- the name is no built-in, response, form or custom action
├── ActionServerError     -- a custom action's server failed (connection, timeout, bad reply)
│   └── InvalidActionReply -- the reply would not read back, sets an unknown slot, or is
│                             too long; none of it is stored
└── ActionRejected        -- the action declined to run (Rasa's ActionExecutionRejection)

ActionsUnavailable        -- the configured custom actions cannot be set up at all
                             (the actions module does not import, a bad endpoint)

The agent turns each into events (fallback response, ``action_execution_rejected``)
so a failing action never ends the conversation.
"""

from __future__ import annotations


class ActionError(Exception):
    def __init__(self, action_name: str, message: str) -> None:
        super().__init__(f"action {action_name!r}: {message}")
        self.action_name = action_name


class ActionNotFound(ActionError):
    pass


class ActionServerError(ActionError):
    pass


class InvalidActionReply(ActionServerError):
    """What an action answered cannot be stored as it is; the whole answer is refused."""


class ActionRejected(ActionError):
    pass


class ActionsUnavailable(Exception):
    """The project's custom actions cannot be loaded; raised once, when the bot starts."""
