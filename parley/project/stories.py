"""Read ``stories:`` and ``rules:`` sections (training data and test stories) into :class:`Story`.

Step representation (``dialogue.stories``):

* ``- intent: x`` / ``- user: text`` (with optional ``intent``) → :class:`UserStep`. ``user``
  text has its entity markup removed (``text``) and parsed into ``entities``; the
  trailing newline of a ``|`` block is stripped.
* ``entities:`` items → :class:`Entity`: ``- city: Berlin`` is ``Entity("city", "Berlin")``;
  a bare ``- city`` is ``Entity("city", None)`` (present, value unknown);
  ``- {entity: city, value: Berlin, role: to, group: g}`` keeps role and group.
* ``- action: x`` → :class:`ActionStep`; ``- bot: text`` → ``ActionStep(name=text, bot_text=text)``.
* ``- slot_was_set:`` → one :class:`SlotStep` per slot; ``- name: value`` keeps the value,
  a bare ``- name`` means "set to some value" and gets :data:`ANY_SLOT_VALUE`.
* ``- active_loop: x|null``, ``- checkpoint: x``, ``- or: [...]`` (each alternative
  one user step or one slot).

Every step records its line; ``Story.source`` is ``"file:line"`` of the story.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from dialogue.stories import (
    ANY_SLOT_VALUE,
    ActionStep,
    ActiveLoopStep,
    CheckpointStep,
    OrStep,
    SlotStep,
    Step,
    Story,
    UserStep,
)
from nlu.interfaces import Entity
from parley.project.errors import ErrorHandler, raise_error
from parley.project.schema import check_keys, expect_list, expect_mapping, expect_str
from parley.project.training_data import annotated
from parley.yamlfile import LocatedDict, Location, ProjectFileError

StoryKind = Literal["story", "rule", "test"]

_STORY_KEYS = ("story", "steps", "metadata")
_RULE_KEYS = ("rule", "steps", "condition", "conversation_start", "wait_for_user_input", "metadata")
_STEP_KEYS = {
    "user": ("user", "intent", "entities", "metadata"),
    "intent": ("intent", "entities", "metadata"),
    "action": ("action", "metadata"),
    "bot": ("bot", "metadata"),
    "slot_was_set": ("slot_was_set",),
    "active_loop": ("active_loop",),
    "checkpoint": ("checkpoint",),
    "or": ("or",),
}
_ENTITY_KEYS = ("entity", "value", "role", "group")


def read_stories(
    section: Any,
    path: Path,
    line: int | None,
    kind: StoryKind,
    on_error: ErrorHandler = raise_error,
) -> tuple[Story, ...]:
    """Read the value of a ``stories:``/``rules:`` key. A faulty story goes to ``on_error``."""
    items = expect_list(section, path, line, "'rules'" if kind == "rule" else "'stories'")
    stories: list[Story] = []
    for index, item in enumerate(items):
        try:
            stories.append(_read_story(item, path, items.line_of(index), kind))
        except ProjectFileError as e:
            on_error(e)
    return tuple(stories)


def _read_story(item: Any, path: Path, line: int, kind: StoryKind) -> Story:
    name_key = "rule" if kind == "rule" else "story"
    story = expect_mapping(item, path, line, f"a {name_key}")
    if name_key not in story:
        raise ProjectFileError(Location(path, line), f"a {name_key} needs '{name_key}: <name>'")
    check_keys(story, _RULE_KEYS if kind == "rule" else _STORY_KEYS, path, f"a {name_key}")
    if "steps" not in story:
        raise ProjectFileError(Location(path, line), f"{name_key} {story[name_key]!r} has no steps")
    name, source = str(story[name_key]), str(Location(path, line))
    steps = _read_steps(story["steps"], path, story.line_of("steps"))
    if kind != "rule":
        return Story(name, kind, steps, source=source)
    return Story(
        name,
        kind,
        steps,
        source=source,
        condition=_read_condition(story.get("condition"), path, story.line_of("condition")),
        conversation_start=_flag(story, "conversation_start", False, path),
        wait_for_user_input=_flag(story, "wait_for_user_input", True, path),
    )


def _read_steps(value: Any, path: Path, line: int) -> tuple[Step, ...]:
    items = expect_list(value, path, line, "'steps'")
    if not items:
        raise ProjectFileError(Location(path, line), "'steps' is empty")
    steps: list[Step] = []
    for index, item in enumerate(items):
        steps.extend(_read_step(item, path, items.line_of(index)))
    return tuple(steps)


def _read_step(item: Any, path: Path, line: int) -> list[Step]:
    step = expect_mapping(item, path, line, "a step")
    kind = next((k for k in _STEP_KEYS if k in step), None)
    if kind is None:
        raise ProjectFileError(
            Location(path, line),
            f"unknown step {sorted(step)}; expected one of: {', '.join(_STEP_KEYS)}",
        )
    check_keys(step, _STEP_KEYS[kind], path, f"a step with {kind!r}")
    return _STEP_READERS[kind](step, path, line)


def _user_step(step: LocatedDict, path: Path, line: int) -> list[Step]:
    intent = step.get("intent")
    if intent is not None:
        intent = expect_str(intent, path, step.line_of("intent"), "'intent'")
    entities = _read_entities(step.get("entities"), path, step.line_of("entities"))
    text = None
    if "user" in step:
        raw_text = expect_str(step["user"], path, step.line_of("user"), "'user'").strip()
        text, marked = annotated(raw_text, Location(path, step.line_of("user")))
        entities = marked + entities
    return [UserStep(intent=intent, entities=entities, text=text, line=line)]


def _read_entities(value: Any, path: Path, line: int) -> tuple[Entity, ...]:
    items = expect_list(value, path, line, "'entities'")
    entities: list[Entity] = []
    for index, item in enumerate(items):
        item_line = items.line_of(index)
        if isinstance(item, str):
            entities.append(Entity(entity=item, value=None))
        elif isinstance(item, LocatedDict) and "entity" in item:
            check_keys(item, _ENTITY_KEYS, path, "an entity")
            entities.append(
                Entity(
                    entity=expect_str(item["entity"], path, item_line, "'entity'"),
                    value=item.get("value"),
                    role=item.get("role"),
                    group=item.get("group"),
                )
            )
        elif isinstance(item, LocatedDict) and len(item) == 1:
            ((name, entity_value),) = item.items()
            entities.append(Entity(entity=str(name), value=entity_value))
        else:
            raise ProjectFileError(
                Location(path, item_line),
                "an entity must be 'name', 'name: value' or {entity: ..., value: ...}",
            )
    return tuple(entities)


def _action_step(step: LocatedDict, path: Path, line: int) -> list[Step]:
    return [ActionStep(name=expect_str(step["action"], path, line, "'action'"), line=line)]


def _bot_step(step: LocatedDict, path: Path, line: int) -> list[Step]:
    text = expect_str(step["bot"], path, line, "'bot'").strip()
    return [ActionStep(name=text, line=line, bot_text=text)]


def _slot_steps(step: LocatedDict, path: Path, line: int) -> list[Step]:
    items = expect_list(step["slot_was_set"], path, line, "'slot_was_set'")
    if not items:
        raise ProjectFileError(Location(path, line), "'slot_was_set' is empty")
    slots: list[Step] = []
    for index, item in enumerate(items):
        item_line = items.line_of(index)
        if isinstance(item, str):
            slots.append(SlotStep(name=item, value=ANY_SLOT_VALUE, line=item_line))
        elif isinstance(item, LocatedDict) and item:
            slots.extend(SlotStep(str(k), v, item.line_of(k)) for k, v in item.items())
        else:
            raise ProjectFileError(
                Location(path, item_line), "a slot must be 'name: value' or a bare 'name'"
            )
    return slots


def _active_loop_step(step: LocatedDict, path: Path, line: int) -> list[Step]:
    name = step["active_loop"]
    if name is not None:
        name = expect_str(name, path, line, "'active_loop'")
    return [ActiveLoopStep(name=name, line=line)]


def _checkpoint_step(step: LocatedDict, path: Path, line: int) -> list[Step]:
    return [
        CheckpointStep(name=expect_str(step["checkpoint"], path, line, "'checkpoint'"), line=line)
    ]


def _or_step(step: LocatedDict, path: Path, line: int) -> list[Step]:
    items = expect_list(step["or"], path, line, "'or'")
    alternatives: list[UserStep | SlotStep] = []
    for index, item in enumerate(items):
        item_line = items.line_of(index)
        parsed = _read_step(item, path, item_line)
        if len(parsed) != 1 or not isinstance(parsed[0], (UserStep, SlotStep)):
            raise ProjectFileError(
                Location(path, item_line),
                "each 'or' alternative must be one intent/user step or one slot_was_set slot",
            )
        alternatives.append(parsed[0])
    if len(alternatives) < 2:
        raise ProjectFileError(Location(path, line), "'or' needs at least two alternatives")
    return [OrStep(alternatives=tuple(alternatives), line=line)]


_STEP_READERS: dict[str, Callable[[LocatedDict, Path, int], list[Step]]] = {
    "user": _user_step,
    "intent": _user_step,
    "action": _action_step,
    "bot": _bot_step,
    "slot_was_set": _slot_steps,
    "active_loop": _active_loop_step,
    "checkpoint": _checkpoint_step,
    "or": _or_step,
}


def _read_condition(value: Any, path: Path, line: int) -> tuple[SlotStep | ActiveLoopStep, ...]:
    items = expect_list(value, path, line, "'condition'")
    condition: list[SlotStep | ActiveLoopStep] = []
    for index, item in enumerate(items):
        item_line = items.line_of(index)
        entry = expect_mapping(item, path, item_line, "a condition")
        if "active_loop" not in entry and "slot_was_set" not in entry:
            raise ProjectFileError(
                Location(path, item_line),
                "a condition is 'active_loop: x' or 'slot_was_set: [...]'",
            )
        for step in _read_step(entry, path, item_line):
            assert isinstance(step, (SlotStep, ActiveLoopStep))
            condition.append(step)
    return tuple(condition)


def _flag(story: LocatedDict, key: str, default: bool, path: Path) -> bool:
    value = story.get(key, default)
    if not isinstance(value, bool):
        raise ProjectFileError(
            Location(path, story.line_of(key)), f"{key!r} must be true or false, not {value!r}"
        )
    return value
