"""A whole Rasa 3.x project folder, read into typed parts.

Layout (as Rasa's)::

    domain.yml | domain/      the domain (required)
    config.yml                pipeline and policies (required)
    endpoints.yml             stores, action server (optional)
    credentials.yml           channels (optional)
    data/**/*.yml             nlu:, stories:, rules: in any file
    tests/**/*.yml            test stories: files with a stories: key
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.domain import Domain
from dialogue.stories import ActionStep, Story
from nlu.interfaces import TrainingData
from parley.e2e_training import story_examples
from parley.project.config import ProjectConfig, load_config
from parley.project.credentials import Credentials, load_credentials
from parley.project.data_files import TrainingContent, read_test_file, read_training_file
from parley.project.domain import DomainSource, read_domain, yaml_files
from parley.project.endpoints import EndpointsConfig, load_endpoints
from parley.project.errors import ErrorHandler, MissingProjectFileError, raise_error
from parley.project.fingerprint import project_fingerprints
from parley.yamlfile import ProjectFileError


@dataclass(frozen=True)
class ProjectPaths:
    """Files given in place of the project folder's own (``--domain``, ``--config``,
    ``--data``); ``None``/empty means the folder's."""

    domain: Path | None = None
    config: Path | None = None
    data: tuple[Path, ...] = ()


@dataclass(frozen=True)
class ProjectFiles:
    """Where a project's files lie and how to read each; reads only when a method is called.

    ``on_error`` receives errors in single items (a story, an NLU block, a whole data
    file); errors that leave a part unusable (domain, config) are raised.
    """

    root: Path
    on_error: ErrorHandler = raise_error
    environ: Mapping[str, str] | None = None
    paths: ProjectPaths = ProjectPaths()

    def domain_path(self) -> Path:
        if self.paths.domain is not None:
            return self.paths.domain
        for candidate in ("domain.yml", "domain.yaml", "domain"):
            if (self.root / candidate).exists():
                return self.root / candidate
        raise MissingProjectFileError(
            self.root / "domain.yml", "domain file (domain.yml or a domain/ folder)"
        )

    def domain(self) -> DomainSource:
        return read_domain(self.domain_path())

    def config(self) -> ProjectConfig:
        return load_config(self.config_path())

    def config_path(self) -> Path:
        return self.paths.config or self.root / "config.yml"

    def endpoints(self) -> EndpointsConfig:
        return load_endpoints(self.root / "endpoints.yml", self.environ)

    def credentials(self) -> Credentials:
        return load_credentials(self.root / "credentials.yml", self.environ)

    def training_content(self) -> TrainingContent:
        """Everything under ``data/``; a file with a YAML syntax error goes to ``on_error``."""
        content = TrainingContent()
        for path in self._data_files():
            try:
                content = content.merged(read_training_file(path, self.on_error))
            except ProjectFileError as e:
                self.on_error(e)
        return content

    def test_stories(self) -> tuple[Story, ...]:
        stories: tuple[Story, ...] = ()
        for path in self._yaml_under("tests"):
            try:
                stories += read_test_file(path, self.on_error)
            except ProjectFileError as e:
                self.on_error(e)
        return stories

    def _data_files(self) -> list[Path]:
        if not self.paths.data:
            return self._yaml_under("data")
        files: list[Path] = []
        for given in self.paths.data:
            files += yaml_files(given) if given.is_dir() else [given]
        return files

    def _yaml_under(self, folder: str) -> list[Path]:
        directory = self.root / folder
        return yaml_files(directory) if directory.is_dir() else []


def with_training_data(domain: Domain, content: TrainingContent) -> Domain:
    """``domain`` plus what the training data adds to it, as in Rasa: the ``responses:`` of
    data files, and the ``bot:`` texts of stories and rules as end-to-end actions."""
    texts = [
        step.bot_text
        for story in (*content.stories, *content.rules)
        for step in story.steps
        if isinstance(step, ActionStep) and step.bot_text
    ]
    additions = Domain(e2e_actions=tuple(dict.fromkeys(texts)))
    return domain.merged(content.responses).merged(additions)


@dataclass(frozen=True)
class Project:
    """Everything a project declares. Build it with :meth:`load`."""

    root: Path
    domain: Domain
    config: ProjectConfig
    endpoints: EndpointsConfig
    credentials: Mapping[str, Mapping[str, Any]]
    nlu_data: TrainingData
    stories: tuple[Story, ...]
    rules: tuple[Story, ...]
    test_stories: tuple[Story, ...]

    @classmethod
    def load(
        cls,
        root: Path,
        environ: Mapping[str, str] | None = None,
        paths: ProjectPaths | None = None,
    ) -> Project:
        """Read the project at ``root``; the first problem raises :class:`ProjectFileError`.

        ``environ`` (default ``os.environ``) fills ``${NAME}`` in endpoints and credentials;
        ``paths`` replaces the folder's domain, config or data.
        """
        if not root.is_dir():
            raise MissingProjectFileError(root, "project folder")
        files = ProjectFiles(root, raise_error, environ, paths or ProjectPaths())
        domain = files.domain().domain
        config = files.config()
        content = files.training_content()
        return cls(
            root=root,
            domain=with_training_data(domain, content),
            config=config,
            endpoints=files.endpoints(),
            credentials=files.credentials(),
            nlu_data=content.nlu.merged(story_examples(content.stories + content.rules)),
            stories=content.stories,
            rules=content.rules,
            test_stories=files.test_stories(),
        )

    def fingerprints(self) -> dict[str, str]:
        """Content hashes of ``config_nlu``, ``config_policies``, ``domain``, ``nlu`` and
        ``stories`` (stories and rules). They ignore key order, comments, line numbers
        and file times, so an unchanged hash means that part needs no retraining."""
        return project_fingerprints(
            self.config, self.domain, self.nlu_data, self.stories + self.rules
        )
