"""Stories and rules → linear training conversations (event lists).

* ``UserStep`` → ``UserUttered`` (intent with confidence 1, entities), preceded by
  ``ActionExecuted(action_listen)`` unless the bot is already listening;
* ``ActionStep`` → ``ActionExecuted``; ``SlotStep`` → ``SlotSet``;
  ``ActiveLoopStep`` → ``ActiveLoop``;
* ``OrStep`` → one conversation per alternative;
* checkpoints: a story (part) ending in ``checkpoint: x`` continues into every part
  starting with ``checkpoint: x``; a checkpoint in the middle of a story splits it.
  A part never repeats within one conversation (cycles are cut, with a warning) and
  expansion stops at :data:`MAX_CONVERSATIONS`;
* stories end with ``action_listen``; rules too, unless ``wait_for_user_input: false``;
* a rule's ``condition`` becomes ``SlotSet``/``ActiveLoop`` events at its start.
  Rules without ``conversation_start: true`` may match anywhere: their conversation
  starts with "anything", which :attr:`TrainingConversation.conversation_start`
  records for the rule policy.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from dialogue.events import ACTION_LISTEN, ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from dialogue.policies.errors import TrainingDataError
from dialogue.stories import (
    ActionStep,
    ActiveLoopStep,
    CheckpointStep,
    OrStep,
    SlotStep,
    Step,
    Story,
    UserStep,
)
from nlu.interfaces import IntentPrediction, ParseResult

log = logging.getLogger(__name__)

MAX_CONVERSATIONS = 20_000
LinearStep = UserStep | ActionStep | SlotStep | ActiveLoopStep


@dataclass(frozen=True)
class TrainingConversation:
    """One linear conversation generated from one or more (checkpoint-linked) stories."""

    events: tuple[Event, ...]
    kind: Literal["story", "rule", "test"]
    sources: tuple[str, ...]  # Story.source of every story it was built from
    conversation_start: bool = True  # False: a rule that may match mid-conversation

    @property
    def source(self) -> str:
        return " + ".join(self.sources)


@dataclass(frozen=True, eq=False)  # parts compare by identity: a cycle revisits the same part
class _Part:
    """A checkpoint-free stretch of one story."""

    story: Story
    starts: frozenset[str]  # checkpoints it continues; empty: starts a conversation
    ends: tuple[str, ...]  # checkpoints it hands over to
    steps: tuple[Step, ...]


def generate_conversations(stories: Iterable[Story]) -> list[TrainingConversation]:
    """All linear conversations of ``stories`` (any mix of stories, rules and test stories)."""
    stories = list(stories)
    result = [
        _rule_conversation(rule, steps)
        for rule in stories
        if rule.is_rule
        for steps in _alternatives(_checked_rule_steps(rule))
    ]
    result += _story_conversations([s for s in stories if not s.is_rule])
    return result


def _checked_rule_steps(rule: Story) -> tuple[Step, ...]:
    if any(isinstance(step, CheckpointStep) for step in rule.steps):
        raise TrainingDataError(f"{rule.source}: rule {rule.name!r} contains a checkpoint")
    return rule.steps


def _rule_conversation(rule: Story, steps: Sequence[LinearStep]) -> TrainingConversation:
    events = [_condition_event(step) for step in rule.condition]
    events += _events_for(steps)
    if rule.wait_for_user_input:
        _end_listening(events)
    return TrainingConversation(tuple(events), "rule", (rule.source,), rule.conversation_start)


def _condition_event(step: SlotStep | ActiveLoopStep) -> Event:
    if isinstance(step, SlotStep):
        return SlotSet(name=step.name, value=step.value, timestamp=0.0)
    return ActiveLoop(name=step.name, timestamp=0.0)


def _story_conversations(stories: Sequence[Story]) -> list[TrainingConversation]:
    parts = [part for story in stories for part in _split(story)]
    continuing: dict[str, list[_Part]] = {}
    for part in parts:
        for name in part.starts:
            continuing.setdefault(name, []).append(part)
    _warn_unreached(parts, continuing)
    conversations = (
        _story_conversation(chain, steps)
        for part in parts
        if not part.starts
        for chain in _chains(part, continuing, ())
        for steps in _alternatives(step for member in chain for step in member.steps)
        if steps
    )
    result = list(itertools.islice(conversations, MAX_CONVERSATIONS + 1))
    if len(result) > MAX_CONVERSATIONS:
        log.warning(
            "checkpoints and or-steps expand to over %d conversations; training on the first %d",
            MAX_CONVERSATIONS,
            MAX_CONVERSATIONS,
        )
        del result[MAX_CONVERSATIONS:]
    return result


def _story_conversation(
    chain: Sequence[_Part], steps: Sequence[LinearStep]
) -> TrainingConversation:
    events = _events_for(steps)
    if events and not isinstance(events[-1], UserUttered):
        _end_listening(events)
    sources = tuple(dict.fromkeys(part.story.source for part in chain))
    return TrainingConversation(tuple(events), chain[0].story.kind, sources)


def _split(story: Story) -> list[_Part]:
    """Cut a story at its checkpoints into parts linked by checkpoint names.

    A run of checkpoints between two stretches of steps ends the first and starts
    the second; leading ones start the first part, trailing ones end the last.
    """
    runs = [
        (is_checkpoint, list(steps))
        for is_checkpoint, steps in itertools.groupby(
            story.steps, key=lambda step: isinstance(step, CheckpointStep)
        )
    ]
    parts: list[_Part] = []
    before: frozenset[str] = frozenset()
    for index, (is_checkpoint, steps) in enumerate(runs):
        if is_checkpoint:
            before = frozenset(_checkpoint_names(steps))
            continue
        following = runs[index + 1][1] if index + 1 < len(runs) else []
        parts.append(_Part(story, before, _checkpoint_names(following), tuple(steps)))
        before = frozenset()
    if not parts:
        parts.append(_Part(story, before, (), ()))
    return parts


def _checkpoint_names(steps: Sequence[Step]) -> tuple[str, ...]:
    names = (step.name for step in steps if isinstance(step, CheckpointStep))
    return tuple(dict.fromkeys(names))


def _chains(
    part: _Part, continuing: dict[str, list[_Part]], path: tuple[_Part, ...]
) -> Iterator[tuple[_Part, ...]]:
    """Every sequence of parts from ``part`` to a part that hands over to nothing."""
    path = (*path, part)
    nexts = [nxt for name in part.ends for nxt in continuing.get(name, ())]
    if not nexts:
        yield path
        return
    for nxt in nexts:
        if nxt in path:
            log.warning(
                "%s: checkpoints of story %r form a cycle; cut after one round",
                nxt.story.source,
                nxt.story.name,
            )
            yield path
        else:
            yield from _chains(nxt, continuing, path)


def _warn_unreached(parts: Sequence[_Part], continuing: dict[str, list[_Part]]) -> None:
    handed_over = {name for part in parts for name in part.ends}
    for name in sorted(set(continuing) - handed_over):
        for part in continuing[name]:
            log.warning(
                "%s: story %r starts at checkpoint %r, which no story ends with",
                part.story.source,
                part.story.name,
                name,
            )
    for name in sorted(handed_over - set(continuing)):
        log.warning("checkpoint %r is never continued by another story", name)


def _alternatives(steps: Iterable[Step]) -> Iterator[list[LinearStep]]:
    """Expand or-steps: one step list per combination of alternatives."""
    options: list[Sequence[LinearStep]] = []
    for step in steps:
        if isinstance(step, OrStep):
            options.append(step.alternatives)
        elif not isinstance(step, CheckpointStep):
            options.append((step,))
    for combination in itertools.product(*options):
        yield list(combination)


def _events_for(steps: Sequence[LinearStep]) -> list[Event]:
    events: list[Event] = []
    for step in steps:
        if isinstance(step, UserStep):
            if not _listening(events):
                events.append(ActionExecuted(name=ACTION_LISTEN, timestamp=0.0))
            events.append(_user_event(step))
        elif isinstance(step, ActionStep):
            events.append(ActionExecuted(name=step.name, action_text=step.bot_text, timestamp=0.0))
        elif isinstance(step, SlotStep):
            events.append(SlotSet(name=step.name, value=step.value, timestamp=0.0))
        else:
            events.append(ActiveLoop(name=step.name, timestamp=0.0))
    return events


def _listening(events: Sequence[Event]) -> bool:
    """Is the bot waiting for the user: ``action_listen`` ran and no message came since?"""
    latest = next(
        (e for e in reversed(events) if isinstance(e, ActionExecuted | UserUttered)), None
    )
    return isinstance(latest, ActionExecuted) and latest.name == ACTION_LISTEN


def _user_event(step: UserStep) -> UserUttered:
    intent = IntentPrediction(step.intent, 1.0) if step.intent else None
    parse = ParseResult(text=step.text or "", intent=intent, entities=step.entities)
    return UserUttered(text=step.text, parse_data=parse, timestamp=0.0)


def _end_listening(events: list[Event]) -> None:
    if not _listening(events):
        events.append(ActionExecuted(name=ACTION_LISTEN, timestamp=0.0))
