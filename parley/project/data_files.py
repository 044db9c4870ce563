"""Read whole training-data and test-story files.

Any YAML file under ``data/`` may hold any of ``nlu:``, ``responses:``,
``stories:`` and ``rules:`` (plus ``version:``); what a file holds is decided by
its keys, not its name. ``responses:`` there are responses as in the domain,
usually those of retrieval intents (``utter_faq/ask_name``); they join the
domain's. A test-story file holds ``stories:`` whose stories become
``Story(kind="test")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dialogue.domain import Domain, normalise_domain
from dialogue.stories import Story
from nlu.interfaces import TrainingData
from parley.project.errors import ErrorHandler, raise_error
from parley.project.schema import check_keys, expect_list, expect_mapping, validate_located
from parley.project.stories import StoryKind, read_stories
from parley.project.training_data import read_nlu
from parley.yamlfile import LocatedDict, Location, ProjectFileError, load_yaml

TRAINING_KEYS = ("version", "nlu", "responses", "stories", "rules")
TEST_KEYS = ("version", "stories")


@dataclass(frozen=True)
class TrainingContent:
    """What the training data files declare, merged in file order."""

    nlu: TrainingData = field(default_factory=TrainingData)
    stories: tuple[Story, ...] = ()
    rules: tuple[Story, ...] = ()
    responses: Domain = field(default_factory=Domain)
    """A domain holding only the ``responses:`` of the data files."""

    def merged(self, other: TrainingContent) -> TrainingContent:
        return TrainingContent(
            nlu=self.nlu.merged(other.nlu),
            responses=self.responses.merged(other.responses),
            stories=self.stories + other.stories,
            rules=self.rules + other.rules,
        )


def read_training_file(path: Path, on_error: ErrorHandler = raise_error) -> TrainingContent:
    """One file under ``data/``. Errors in a block or story go to ``on_error``; that item is
    skipped. An unreadable file (YAML syntax) raises :class:`ProjectFileError`."""
    raw = _file_mapping(path)
    try:
        check_keys(raw, TRAINING_KEYS, path, "a training data file")
    except ProjectFileError as e:
        on_error(e)
    _check_version(raw, path, on_error)
    return TrainingContent(
        nlu=read_nlu(raw["nlu"], path, raw.line_of("nlu"), on_error)
        if "nlu" in raw
        else TrainingData(),
        stories=_section(raw, "stories", path, on_error),
        rules=_section(raw, "rules", path, on_error),
        responses=_responses(raw, path, on_error),
    )


def read_test_file(path: Path, on_error: ErrorHandler = raise_error) -> tuple[Story, ...]:
    """The test stories (``Story.kind == "test"``) of one file; ``()`` for a YAML file without
    a ``stories:`` key, which is not a test-story file."""
    raw = _file_mapping(path)
    if "stories" not in raw:
        return ()
    try:
        check_keys(raw, TEST_KEYS, path, "a test story file")
    except ProjectFileError as e:
        on_error(e)
    _check_version(raw, path, on_error)
    return read_stories(raw["stories"], path, raw.line_of("stories"), "test", on_error)


def _file_mapping(path: Path) -> LocatedDict:
    return expect_mapping(load_yaml(path), path, 1, "a data file")


def _section(raw: LocatedDict, key: str, path: Path, on_error: ErrorHandler) -> tuple[Story, ...]:
    if key not in raw:
        return ()
    kind: StoryKind = "rule" if key == "rules" else "story"
    return read_stories(raw[key], path, raw.line_of(key), kind, on_error)


def _responses(raw: LocatedDict, path: Path, on_error: ErrorHandler) -> Domain:
    section = raw.get("responses")
    try:
        responses = expect_mapping(section, path, raw.line_of("responses"), "'responses'")
        for name, variations in responses.items():
            expect_list(variations, path, responses.line_of(name), f"response {name!r}")
        data = normalise_domain({"responses": responses})
        return validate_located(Domain, data, raw, path)
    except ProjectFileError as e:
        on_error(e)
        return Domain()


def _check_version(raw: LocatedDict, path: Path, on_error: ErrorHandler) -> None:
    version = raw.get("version")
    if version is not None and not isinstance(version, str):
        on_error(
            ProjectFileError(
                Location(path, raw.line_of("version")),
                f"'version' must be a quoted string such as \"3.1\", not {version!r}",
            )
        )
