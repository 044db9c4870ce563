"""Project folders written into ``tmp_path``: a small valid bot, overridable file by file."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

MINIMAL_FILES = {
    "domain.yml": """\
        version: "3.1"
        intents:
          - greet
          - inform
        entities:
          - city
        slots:
          city:
            type: text
            mappings:
            - type: from_entity
              entity: city
        responses:
          utter_greet:
          - text: "Hello!"
          utter_ask_city:
          - text: "Which city?"
        forms:
          city_form:
            required_slots:
              - city
        """,
    "config.yml": """\
        recipe: default.v1
        language: en
        pipeline:
        policies:
        """,
    "data/nlu.yml": """\
        version: "3.1"
        nlu:
        - intent: greet
          examples: |
            - hi
            - hello
        - intent: inform
          examples: |
            - to [Berlin](city)
            - [Paris](city) please
        """,
    "data/stories.yml": """\
        version: "3.1"
        stories:
        - story: greet
          steps:
          - intent: greet
          - action: utter_greet
        """,
}

WriteProject = Callable[..., Path]


def write_files(root: Path, files: dict[str, str | None]) -> Path:
    """Write dedented ``files`` under ``root``; a ``None`` content deletes that file."""
    for name, content in files.items():
        path = root / name
        if content is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@pytest.fixture
def write_project(tmp_path: Path) -> WriteProject:
    """``write_project(**{"data/stories.yml": "..."})``: the minimal bot with files replaced."""

    def write(files: dict[str, str | None] | None = None) -> Path:
        root = tmp_path / "bot"
        return write_files(root, {**MINIMAL_FILES, **(files or {})})

    return write


def shared_bots() -> Path:
    """The Rasa example bots: ``$PARLEY_SHARED/rasa-bots``, else ``<repo>/../shared/rasa-bots``."""
    shared = os.environ.get("PARLEY_SHARED")
    base = Path(shared) if shared else Path(__file__).resolve().parents[3].parent / "shared"
    return base / "rasa-bots"
