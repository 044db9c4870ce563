"""What the rule policy learns: rule keys, and hints about loops' unhappy paths.

A :class:`RuleKey` is the tail of states a rule has seen before one of its actions.
Rules that may match anywhere drop their first state (the "anything" before the
rule), so their keys hold only what the rule itself describes. A key matches a
conversation when each of its states matches (:func:`state_matches`) the
conversation's state at the same distance from the end; among matching keys the
most specific wins (more states, then more features).

:class:`LoopHint` entries come from stories and rules with an active loop:

* ``interrupted``: the loop is predicted right after the user answered another
  question (returning from an unhappy path), so it must not validate that answer;
* ``no_loop``: inside the loop a story continues with something other than the loop.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from dialogue.domain import Domain
from dialogue.events import ACTION_LISTEN
from dialogue.policies.errors import RuleContradictionError
from dialogue.policies.featurize import (
    SHOULD_NOT_BE_SET,
    Example,
    State,
    state_matches,
    training_examples,
)
from dialogue.policies.generator import TrainingConversation

log = logging.getLogger(__name__)

Verdict = Literal["interrupted", "no_loop"]


@dataclass(frozen=True)
class RuleKey:
    states: tuple[State, ...]
    action: str
    source: str

    @cached_property
    def specificity(self) -> tuple[int, int]:
        return len(self.states), sum(len(state.features()) for state in self.states)

    def matches(self, states: Sequence[State]) -> bool:
        return _tail_matches(self.states, states)

    def to_json(self) -> dict[str, Any]:
        return {
            "states": [s.to_json() for s in self.states],
            "action": self.action,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleKey:
        states = tuple(State.from_json(s) for s in data["states"])
        return cls(states, str(data["action"]), str(data.get("source", "")))


@dataclass(frozen=True)
class LoopHint:
    states: tuple[State, ...]
    verdict: Verdict

    def to_json(self) -> dict[str, Any]:
        return {"states": [s.to_json() for s in self.states], "verdict": self.verdict}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LoopHint:
        verdict: Verdict = "interrupted" if data["verdict"] == "interrupted" else "no_loop"
        return cls(tuple(State.from_json(s) for s in data["states"]), verdict)


def _tail_matches(pattern: Sequence[State], states: Sequence[State]) -> bool:
    if len(pattern) > len(states):
        return False
    tail = states[len(states) - len(pattern) :]
    return all(state_matches(p, s) for p, s in zip(pattern, tail, strict=True))


@dataclass(frozen=True)
class RuleLookup:
    keys: tuple[RuleKey, ...]
    hints: tuple[LoopHint, ...]

    @classmethod
    def build(
        cls, conversations: Sequence[TrainingConversation], domain: Domain, check: bool = True
    ) -> RuleLookup:
        """Learn from rule and story conversations; with ``check``, contradicting rules raise."""
        rules = [c for c in conversations if c.kind == "rule"]
        keys = _unique_keys(key for rule in rules for key in rule_keys(rule, domain))
        if check:
            _raise_on_contradictions(keys)
        examples = [
            example
            for conversation in conversations
            for example in _hint_examples(conversation, domain)
        ]
        hints = tuple(dict.fromkeys(hint for example in examples for hint in _hints(example)))
        return cls(tuple(keys), hints)

    @cached_property
    def _by_last_action(self) -> dict[str | None, list[RuleKey]]:
        index: dict[str | None, list[RuleKey]] = {}
        for key in self.keys:
            index.setdefault(key.states[-1].prev_action, []).append(key)
        return index

    def best(self, states: Sequence[State]) -> RuleKey | None:
        """The most specific key matching the end of ``states``; ties go to the earliest key."""
        candidates = self._by_last_action.get(states[-1].prev_action, [])
        matching = [key for key in candidates if key.matches(states)]
        if not matching:
            return None
        return max(matching, key=lambda key: key.specificity)

    def verdicts(self, states: Sequence[State]) -> frozenset[Verdict]:
        return frozenset(hint.verdict for hint in self.hints if _tail_matches(hint.states, states))

    def to_json(self) -> dict[str, Any]:
        return {
            "keys": [key.to_json() for key in self.keys],
            "hints": [hint.to_json() for hint in self.hints],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleLookup:
        keys = tuple(RuleKey.from_json(k) for k in data["keys"])
        return cls(keys, tuple(LoopHint.from_json(h) for h in data["hints"]))


def rule_keys(rule: TrainingConversation, domain: Domain) -> Iterator[RuleKey]:
    """One key per action of a rule conversation (partial states, see the module docstring)."""
    for states, action in training_examples(rule.events, domain, partial=True):
        own = states if rule.conversation_start else states[1:]
        if own:
            yield RuleKey(own, action, rule.source)


def _unique_keys(keys: Iterable[RuleKey]) -> list[RuleKey]:
    seen: set[tuple[tuple[State, ...], str]] = set()
    unique: list[RuleKey] = []
    for key in keys:
        if (key.states, key.action) not in seen:
            seen.add((key.states, key.action))
            unique.append(key)
    return unique


def _raise_on_contradictions(keys: Sequence[RuleKey]) -> None:
    first_by_states: dict[tuple[State, ...], RuleKey] = {}
    problems: list[str] = []
    for key in keys:
        earlier = first_by_states.setdefault(key.states, key)
        if earlier.action != key.action:
            problems.append(
                f"- rule at {earlier.source} predicts {earlier.action!r} but rule at "
                f"{key.source} predicts {key.action!r} after {_describe(key.states)}"
            )
    if problems:
        raise RuleContradictionError(
            "contradicting rules:\n" + "\n".join(problems) + "\nMake them differ "
            "(e.g. add a condition) or use `wait_for_user_input: false` where a rule "
            "continues in another one."
        )


def _describe(states: Sequence[State]) -> str:
    turns = []
    for state in states:
        parts = [f"action {state.prev_action}" if state.prev_action else "conversation start"]
        parts += [f"intent {state.intent}"] if state.intent else []
        turns.append(" + ".join(parts))
    return " -> ".join(turns)


def _hint_examples(conversation: TrainingConversation, domain: Domain) -> Iterator[Example]:
    if conversation.kind != "rule":
        yield from training_examples(conversation.events, domain)
        return
    for key in rule_keys(conversation, domain):
        yield key.states, key.action


def _hints(example: Example) -> Iterator[LoopHint]:
    """What one decision inside an active loop says about returning to the loop."""
    states, action = example
    now = states[-1]
    loop = now.active_loop
    if loop is None or loop == SHOULD_NOT_BE_SET or now.prev_action == loop:
        return
    before = states[-2].prev_action if len(states) > 1 else None
    key = (State(prev_action=before), now) if before is not None else (now,)
    if now.prev_action == ACTION_LISTEN and action == loop and before != loop:
        yield LoopHint(key, "interrupted")
    elif now.prev_action != ACTION_LISTEN and action != loop:
        yield LoopHint(key, "no_loop")
