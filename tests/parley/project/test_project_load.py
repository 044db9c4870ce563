"""Project.load gathers every part of a project folder, or names the file that stops it."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.project import MissingProjectFileError, Project, ProjectFileError

from .conftest import WriteProject


def test_loads_every_part(write_project: WriteProject) -> None:
    root = write_project(
        {
            "endpoints.yml": "action_endpoint:\n  url: http://localhost:5055/webhook\n",
            "credentials.yml": "rest:\n",
            "data/rules.yml": "rules:\n- rule: r\n  steps:\n  - intent: greet\n"
            "  - action: utter_greet\n",
            "tests/test_stories.yml": "stories:\n- story: t\n  steps:\n  - user: hi\n"
            "    intent: greet\n",
        }
    )

    project = Project.load(root)

    assert project.root == root
    assert "greet" in project.domain.intent_names
    assert project.config.uses_default_pipeline
    assert project.endpoints.action_endpoint is not None
    assert project.credentials == {"rest": {}}
    assert project.nlu_data.intents == ("greet", "inform")
    assert [s.name for s in project.stories] == ["greet"]
    assert [r.name for r in project.rules] == ["r"]
    assert [t.name for t in project.test_stories] == ["t"]


def test_optional_files_may_be_absent(write_project: WriteProject) -> None:
    project = Project.load(write_project({"endpoints.yml": None, "credentials.yml": None}))

    assert project.endpoints.tracker_store is None
    assert project.credentials == {}
    assert project.test_stories == ()


def test_domain_folder_is_used_when_there_is_no_domain_file(write_project: WriteProject) -> None:
    root = write_project(
        {
            "domain.yml": None,
            "domain/intents.yml": "intents: [greet, inform]\nentities: [city]\n",
            "domain/responses.yml": "responses:\n  utter_greet:\n  - text: hi\n",
        }
    )

    assert Project.load(root).domain.responses["utter_greet"][0].text == "hi"


@pytest.mark.parametrize("missing", ["domain.yml", "config.yml"])
def test_missing_required_file_is_named(write_project: WriteProject, missing: str) -> None:
    root = write_project({missing: None})

    with pytest.raises(MissingProjectFileError) as raised:
        Project.load(root)

    assert str(raised.value).startswith(str(root / missing))


def test_missing_project_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(MissingProjectFileError, match="nowhere"):
        Project.load(tmp_path / "nowhere")


def test_yaml_syntax_error_names_line_and_column(write_project: WriteProject) -> None:
    root = write_project(
        {"data/stories.yml": "stories:\n- story: s\n  steps:\n  - intent: greet: now\n"}
    )

    with pytest.raises(ProjectFileError) as raised:
        Project.load(root)

    location = raised.value.location
    assert location.path == root / "data/stories.yml"
    assert (location.line, location.column) == (4, 18)
    assert "YAML syntax error" in str(raised.value)
