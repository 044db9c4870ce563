"""Check a whole project and report every problem with its file and line.

:func:`validate_project` reads each part on its own, so a broken file does not
hide problems elsewhere (a YAML syntax error stops only its own file), then
checks that stories, rules, test stories and NLU data agree with the domain.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, TypeVar

from dialogue.domain import DEFAULT_INTENTS, REQUESTED_SLOT, SESSION_START_METADATA_SLOT
from dialogue.stories import ActionStep, ActiveLoopStep, OrStep, SlotStep, Step, Story, UserStep
from nlu.interfaces import Entity, TrainingData
from parley.project.config_check import config_findings
from parley.project.domain import DomainSource
from parley.project.errors import flatten_errors
from parley.project.project import ProjectFiles, ProjectPaths, with_training_data
from parley.project.rasa_keys import IgnoredRasaKey
from parley.yamlfile import Location, ProjectFileError

Severity = Literal["error", "warning"]
T = TypeVar("T")
_BUILTIN_SLOTS = (REQUESTED_SLOT, SESSION_START_METADATA_SLOT)


@dataclass(frozen=True)
class Problem:
    """One finding. ``str()`` reads ``data/stories.yml:12: error: unknown intent 'x' ...``."""

    location: Location
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message}"


def validate_project(
    root: Path, environ: Mapping[str, str] | None = None, paths: ProjectPaths | None = None
) -> list[Problem]:
    """All problems of the project at ``root``, sorted by file and line.

    ``environ`` (default ``os.environ``) fills ``${NAME}`` in endpoints and credentials.
    Paths in the problems are relative to ``root``. The checks of stories and NLU data
    against the domain run only when the domain itself could be read.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IgnoredRasaKey)
        problems = _all_problems(ProjectFiles(root, environ=environ, paths=paths or ProjectPaths()))
    for warning in caught:
        if isinstance(warning.message, IgnoredRasaKey):
            found = warning.message
            problems.append(Problem(found.location, found.detail, "warning"))
        else:
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    return sorted((_relative(p, root) for p in problems), key=_sort_key)


def _all_problems(given: ProjectFiles) -> list[Problem]:
    problems: list[Problem] = []

    def collect(error: ProjectFileError) -> None:
        problems.extend(Problem(e.location, e.message) for e in flatten_errors(error))

    files = replace(given, on_error=collect)
    source = _attempt(files.domain, collect)
    config = _attempt(files.config, collect)
    if config is not None:
        problems.extend(
            Problem(where, message, "error" if is_error else "warning")
            for where, message, is_error in config_findings(files.config_path(), config)
        )
    for read_part in (files.endpoints, files.credentials):
        _attempt(read_part, collect)
    content = files.training_content()
    tests = files.test_stories()
    if source is not None:
        source = replace(source, domain=with_training_data(source.domain, content))
        problems.extend(_domain_problems(source))
        for story in (*content.stories, *content.rules, *tests):
            problems.extend(_story_problems(story, source))
        unread_data = any(p.severity == "error" and _is_data_file(p, files) for p in problems)
        problems.extend(_nlu_problems(content.nlu, source, complete=not unread_data))
    return problems


def _attempt(read: Callable[[], T], collect: Callable[[ProjectFileError], None]) -> T | None:
    try:
        return read()
    except ProjectFileError as e:
        collect(e)
        return None


def _domain_problems(source: DomainSource) -> Iterator[Problem]:
    domain = source.domain
    for action in domain.actions:
        if action.startswith("utter_") and action not in domain.responses:
            yield Problem(
                source.location("actions", action),
                f"action {action!r} is listed in the domain but has no response template",
            )
    for name, variations in domain.responses.items():
        where = source.location("responses", name)
        if not variations:
            yield Problem(where, f"response {name!r} has no variations")
        for number, v in enumerate(variations, start=1):
            if not (v.text or v.image or v.custom or v.buttons or v.attachment or v.quick_replies):
                yield Problem(
                    where,
                    f"response {name!r} variation {number} has no text, image, "
                    "buttons or custom payload",
                )
    for slot in domain.slots:
        if not slot.mappings:
            yield Problem(
                source.location("slots", slot.name),
                f"slot {slot.name!r} has no 'mappings' (Rasa 3 requires them; "
                "use '- type: custom' for a slot that actions set)",
            )
    for form_name, form in domain.forms.items():
        for slot_name in form.required_slots:
            if slot_name not in domain.slot_names:
                yield Problem(
                    source.location("forms", form_name, slot_name),
                    f"form {form_name!r} requires slot {slot_name!r}, which the domain "
                    "does not declare",
                )


def _story_problems(story: Story, source: DomainSource) -> Iterator[Problem]:
    path, _, story_line = story.source.rpartition(":")
    for step in _flat_steps((*story.condition, *story.steps)):
        line = step.line if step.line is not None else int(story_line)
        where = Location(Path(path), line)
        for message in _step_messages(step, source):
            yield Problem(where, f"{message} (in {story.kind} {story.name!r})")


def _flat_steps(steps: tuple[Step, ...]) -> Iterator[Step]:
    for step in steps:
        if isinstance(step, OrStep):
            yield from step.alternatives
        else:
            yield step


def _step_messages(step: Step, source: DomainSource) -> Iterator[str]:
    domain = source.domain
    if isinstance(step, UserStep):
        if step.intent is not None and _base_intent(step.intent) not in domain.intent_names:
            yield f"unknown intent {step.intent!r}: the domain does not declare it"
        yield from _entity_messages(step.entities, source)
    elif isinstance(step, ActionStep):
        if step.bot_text is None and step.name not in domain.action_names:
            yield (
                f"unknown action {step.name!r}: not a response, custom action, form "
                "or default action of the domain"
            )
    elif isinstance(step, SlotStep):
        if step.name not in (*domain.slot_names, *_BUILTIN_SLOTS):
            yield f"unknown slot {step.name!r} in slot_was_set: the domain does not declare it"
    elif (
        isinstance(step, ActiveLoopStep)
        and step.name is not None
        and step.name not in domain.action_names
    ):
        yield f"unknown active_loop {step.name!r}: not a form or action of the domain"


def _entity_messages(entities: tuple[Entity, ...], source: DomainSource) -> Iterator[str]:
    for entity in entities:
        if entity.entity not in source.domain.entity_names:
            yield f"unknown entity {entity.entity!r}: the domain does not declare it"


def _is_data_file(problem: Problem, files: ProjectFiles) -> bool:
    path = files.root / problem.location.path
    folders = files.paths.data or (files.root / "data",)
    return any(path == folder or folder in path.parents for folder in folders)


def _nlu_problems(
    nlu: TrainingData, source: DomainSource, complete: bool = True
) -> Iterator[Problem]:
    """NLU data against the domain; intents lacking examples only when all data was read."""
    domain = source.domain
    first_example: dict[str, Location] = {}
    for example in nlu.examples:
        where = _location_of(example.source)
        if example.intent is not None:
            first_example.setdefault(_base_intent(example.intent), where)
        for message in _entity_messages(example.entities, source):
            yield Problem(where, f"{message} (in NLU example {example.text!r})")
    for intent, where in first_example.items():
        if intent not in domain.intent_names:
            yield Problem(where, f"intent {intent!r} has NLU examples but is not in the domain")
    for declared in domain.intents if complete else ():
        if declared.name not in first_example and declared.name not in DEFAULT_INTENTS:
            yield Problem(
                source.location("intents", declared.name),
                f"intent {declared.name!r} has no NLU examples",
                "warning",
            )


def _base_intent(intent: str) -> str:
    """``faq`` for the retrieval intent ``faq/ask_name``."""
    return intent.split("/", 1)[0]


def _location_of(source: str | None) -> Location:
    path, _, line = (source or "").rpartition(":")
    return Location(Path(path), int(line)) if line.isdigit() else Location(Path(source or "?"))


def _relative(problem: Problem, root: Path) -> Problem:
    location = problem.location
    if not location.path.is_relative_to(root):
        return problem
    relative = Location(location.path.relative_to(root), location.line, location.column)
    return Problem(relative, problem.message, problem.severity)


def _sort_key(problem: Problem) -> tuple[str, int, int, str]:
    location = problem.location
    return (str(location.path), location.line or 0, location.column or 0, problem.message)
