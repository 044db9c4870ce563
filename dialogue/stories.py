"""Dialogue training data: stories, rules and test stories, as read from Rasa 3.x YAML.

Parsing files into these is ``parley.project``'s job; the policies consume them.
A story is a flat list of steps; ``CheckpointStep`` and ``OrStep`` are expanded
by the policies' training-data generator into linear conversations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

from nlu.interfaces import Entity

ANY_SLOT_VALUE: Final = True
"""``SlotStep.value`` for a bare ``- slot_was_set: [name]``: the slot holds some value.

``True`` featurises as "set" for text, bool, list and float slots alike.
"""


@dataclass(frozen=True)
class UserStep:
    """``- intent: x`` (optionally ``entities:``) or ``- user: text`` (test stories)."""

    intent: str | None
    entities: tuple[Entity, ...] = ()
    text: str | None = None  # plain text with annotations removed (test stories)
    line: int | None = None


@dataclass(frozen=True)
class ActionStep:
    name: str
    line: int | None = None
    bot_text: str | None = None  # ``- bot: text`` end-to-end step


@dataclass(frozen=True)
class SlotStep:
    """``- slot_was_set: [...]``, one step per slot."""

    name: str
    value: Any = None
    line: int | None = None


@dataclass(frozen=True)
class ActiveLoopStep:
    name: str | None
    line: int | None = None


@dataclass(frozen=True)
class CheckpointStep:
    name: str
    line: int | None = None


@dataclass(frozen=True)
class OrStep:
    """Alternative user messages (or slot events) any one of which continues the story."""

    alternatives: tuple[UserStep | SlotStep, ...]
    line: int | None = None


Step = UserStep | ActionStep | SlotStep | ActiveLoopStep | CheckpointStep | OrStep


@dataclass(frozen=True)
class Story:
    """A story, rule or test story. ``condition`` holds a rule's ``condition:`` steps."""

    name: str
    kind: Literal["story", "rule", "test"]
    steps: tuple[Step, ...]
    source: str = ""  # "file:line"
    conversation_start: bool = False
    wait_for_user_input: bool = True
    condition: tuple[SlotStep | ActiveLoopStep, ...] = field(default_factory=tuple)

    @property
    def is_rule(self) -> bool:
        return self.kind == "rule"
