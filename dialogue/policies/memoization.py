"""Memoization: replay the training stories exactly.

:class:`MemoizationPolicy` remembers, for every action of every story, the last
``max_history`` states before it, and predicts that action with confidence 1
when a conversation ends in exactly those states. Histories that stories follow
with different actions are forgotten (ambiguous). Rules are not memorised: the
rule policy owns them.

:class:`AugmentedMemoizationPolicy` also tries, when that fails, to forget the
oldest user turns one after the other (keeping the slots they set, which later
states carry) and to match what is left as if the conversation began there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import Field

from dialogue.domain import Domain
from dialogue.events import ACTION_LISTEN
from dialogue.interfaces import PolicyPrediction
from dialogue.policies.errors import PolicyLoadError
from dialogue.policies.featurize import State, states_for_prediction, training_examples
from dialogue.policies.generator import generate_conversations
from dialogue.policies.options import PolicyOptions, parse_options
from dialogue.policies.persistence import read_json, write_json
from dialogue.stories import Story
from dialogue.tracker import Tracker

log = logging.getLogger(__name__)

FILE = "memoization.json"
History = tuple[State, ...]


class MemoizationOptions(PolicyOptions):
    priority: int = 3
    max_history: int | None = Field(5, ge=1)


class MemoizationPolicy:
    """Predicts the action a story took after exactly the same recent states."""

    name: ClassVar[str] = "MemoizationPolicy"
    forgets_old_turns: ClassVar[bool] = False

    def __init__(
        self, options: MemoizationOptions, memory: Mapping[History, str] | None = None
    ) -> None:
        self.options = options
        self.priority = options.priority
        self.memory: dict[History, str] = dict(memory or {})

    @property
    def highest_vote_priority(self) -> int:
        """No vote of this policy has a higher priority, nor a confidence above 1."""
        return self.priority

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        return cls(parse_options(MemoizationOptions, cls.name, config))

    def train(self, stories: Sequence[Story], domain: Domain) -> None:
        """Memorise every action of the stories (``kind == "story"``) with its history."""
        memory: dict[History, str] = {}
        ambiguous: set[History] = set()
        for conversation in generate_conversations(s for s in stories if s.kind == "story"):
            for states, action in training_examples(conversation.events, domain):
                key = self._key(states)
                if key in ambiguous or memory.setdefault(key, action) == action:
                    continue
                log.debug("%s: stories disagree after %s; forgetting it", self.name, key)
                del memory[key]
                ambiguous.add(key)
        self.memory = memory

    def predict(self, tracker: Tracker, domain: Domain) -> PolicyPrediction:
        states = states_for_prediction(tracker, domain)
        action = self.memory.get(self._key(states))
        if action is None and self.forgets_old_turns:
            action = next(
                (a for h in _forgetting(states) if (a := self.memory.get(self._key(h)))), None
            )
        if action is None:
            return PolicyPrediction.abstain(self.name, self.priority)
        return PolicyPrediction(action, 1.0, self.name, self.priority)

    def _key(self, states: Sequence[State]) -> History:
        limit = self.options.max_history
        return tuple(states[-limit:] if limit else states)

    def persist(self, directory: Path) -> None:
        entries = [
            {"states": [s.to_json() for s in key], "action": action}
            for key, action in self.memory.items()
        ]
        write_json(directory / FILE, {"entries": entries})

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        path = directory / FILE
        data = read_json(path)
        try:
            memory = {
                tuple(State.from_json(s) for s in entry["states"]): str(entry["action"])
                for entry in data["entries"]
            }
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise PolicyLoadError(f"{path}: damaged memoization file ({e!r})") from e
        return cls(parse_options(MemoizationOptions, cls.name, config), memory)


class AugmentedMemoizationPolicy(MemoizationPolicy):
    """Memoization that retries with the oldest user turns forgotten."""

    name: ClassVar[str] = "AugmentedMemoizationPolicy"
    forgets_old_turns: ClassVar[bool] = True


def _forgetting(states: Sequence[State]) -> Iterator[History]:
    """The history restarted at each later user turn, oldest turns forgotten first."""
    user_turns = [i for i, s in enumerate(states) if s.prev_action == ACTION_LISTEN and i > 1]
    for index in user_turns:
        yield (states[0], *states[index:])
