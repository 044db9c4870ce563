"""What the actions package promises: something that runs an action and returns events.

* :class:`Action` is one runnable action (built-ins, ``utter_*``, forms).
* :class:`CustomActionExecutor` runs the project's own actions, in process or on a
  remote action server speaking Rasa's protocol; registered by ``endpoints.yml``
  ``action_endpoint`` type in ``actions.executors.EXECUTORS``.

Actions never mutate the tracker: they return the events to append. Bot replies
are ``BotUttered`` events, so a reply is stored before any channel sends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from dialogue.domain import Domain
from dialogue.events import Event
from dialogue.tracker import Tracker
from nlg.interfaces import NaturalLanguageGenerator


@dataclass(frozen=True)
class ActionContext:
    tracker: Tracker
    domain: Domain
    nlg: NaturalLanguageGenerator
    channel: str | None = None


@runtime_checkable
class Action(Protocol):
    @property
    def name(self) -> str:
        """The action's name as the domain and policies know it."""
        ...

    async def run(self, context: ActionContext) -> Sequence[Event]:
        """Run against the conversation so far; return the events to append."""
        ...


@runtime_checkable
class CustomActionExecutor(Protocol):
    def knows(self, action_name: str) -> bool:
        """Whether this executor can run ``action_name``."""
        ...

    async def run(self, action_name: str, context: ActionContext) -> Sequence[Event]:
        """Run a custom action. Raises ``actions.errors.ActionError`` subclasses on failure."""
        ...

    async def close(self) -> None:
        """Release connections; the executor is not used afterwards."""
        ...
