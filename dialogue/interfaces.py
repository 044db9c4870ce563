"""What the dialogue package promises: stores, locks and policies.

* :class:`TrackerStore` keeps each conversation's events, append-only. One call
  to ``append`` is one transaction (one turn).
* :class:`LockStore` serialises turns of one conversation (in arrival order).
* :class:`Policy` predicts the next action from a tracker; the ensemble
  (``dialogue.policies.ensemble``) picks among policies by confidence, then
  priority. Policies register by their ``config.yml`` name in
  ``dialogue.policies.registry.POLICIES``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

from dialogue.domain import Domain
from dialogue.events import Event
from dialogue.stories import Story
from dialogue.tracker import ConversationId, Tracker


@runtime_checkable
class TrackerStore(Protocol):
    async def retrieve(self, conversation_id: ConversationId) -> list[Event]:
        """All events of a conversation in append order; ``[]`` for an unknown id."""
        ...

    async def append(self, conversation_id: ConversationId, events: Sequence[Event]) -> None:
        """Append ``events`` atomically after the existing ones (one transaction)."""
        ...

    async def conversation_ids(self) -> list[ConversationId]: ...

    async def close(self) -> None: ...


@runtime_checkable
class LockStore(Protocol):
    def lock(self, conversation_id: ConversationId) -> AbstractAsyncContextManager[None]:
        """Hold the conversation's lock; waiters get it in the order they asked."""
        ...

    async def close(self) -> None:
        """Release connections (a shared store's client); locks are not used afterwards."""
        ...


@dataclass(frozen=True)
class PolicyPrediction:
    """A policy's vote. ``action is None`` means the policy abstains."""

    action: str | None
    confidence: float
    policy: str
    priority: int
    events: tuple[Event, ...] = ()  # applied before the action runs (e.g. LoopInterrupted)

    @classmethod
    def abstain(cls, policy: str, priority: int) -> Self:
        return cls(action=None, confidence=0.0, policy=policy, priority=priority)


@runtime_checkable
class Policy(Protocol):
    """A dialogue policy, registered under its ``config.yml`` name."""

    name: ClassVar[str]
    priority: int

    def train(self, stories: Sequence[Story], domain: Domain) -> None:
        """Learn from stories and rules (each policy picks the kinds it uses)."""
        ...

    def predict(self, tracker: Tracker, domain: Domain) -> PolicyPrediction:
        """Vote for the next action given the conversation so far."""
        ...

    def persist(self, directory: Path) -> None: ...

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self: ...


@runtime_checkable
class NextActionPredictor(Protocol):
    """What the agent asks for the next action (the policy ensemble, or a single policy)."""

    def predict(self, tracker: Tracker, domain: Domain) -> PolicyPrediction: ...
