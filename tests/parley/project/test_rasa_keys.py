"""Rasa's ``version`` is read wherever Rasa reads it; Rasa-only keys warn, others are errors."""

from __future__ import annotations

import pytest

from parley.project import Problem, Project, ProjectFileError, validate_project
from parley.project.rasa_keys import IgnoredRasaKey

from .conftest import WriteProject

CONFIG_WITH_RASA_KEYS = """\
    version: "3.1"
    recipe: default.v1
    language: en
    importers:
      - name: MultiProjectImporter
    pipeline:
    policies:
    """
ENDPOINTS_WITH_RASA_KEYS = """\
    version: "3.1"
    nlu:
      url: http://localhost:5000/parse
    action_endpoint:
      url: http://localhost:5055/webhook
    """


def test_version_is_accepted_in_every_project_file(write_project: WriteProject) -> None:
    root = write_project(
        {
            "config.yml": 'version: "3.1"\nrecipe: default.v1\npipeline:\npolicies:\n',
            "endpoints.yml": 'version: "3.1"\n',
            "tests/test_stories.yml": 'version: "3.1"\nstories:\n'
            "- story: hi\n  steps:\n  - intent: greet\n  - action: utter_greet\n",
        }
    )

    assert validate_project(root) == []
    project = Project.load(root)
    assert project.config.version == "3.1" and project.endpoints.version == "3.1"


def test_rasa_keys_without_effect_are_warnings_naming_key_and_line(
    write_project: WriteProject,
) -> None:
    root = write_project(
        {"config.yml": CONFIG_WITH_RASA_KEYS, "endpoints.yml": ENDPOINTS_WITH_RASA_KEYS}
    )

    found = [(str(p.location), p.severity, p.message.split(":")[0]) for p in validate_project(root)]

    assert found == [
        ("config.yml:4", "warning", "Rasa's 'importers' has no effect in Parley and is ignored"),
        ("endpoints.yml:2", "warning", "Rasa's 'nlu' has no effect in Parley and is ignored"),
    ]


def test_loading_warns_about_rasa_keys_and_keeps_the_rest(write_project: WriteProject) -> None:
    root = write_project({"endpoints.yml": ENDPOINTS_WITH_RASA_KEYS})

    with pytest.warns(IgnoredRasaKey, match=r"endpoints\.yml:2: Rasa's 'nlu'"):
        project = Project.load(root)

    assert project.endpoints.action_endpoint is not None
    assert project.endpoints.action_endpoint.url == "http://localhost:5055/webhook"


@pytest.mark.parametrize(
    ("file", "content", "line"),
    [
        ("config.yml", "recipe: default.v1\npipelines:\n", 2),
        ("endpoints.yml", 'version: "3.1"\ntracker_stor:\n  type: sql\n', 2),
    ],
    ids=["config", "endpoints"],
)
def test_other_unknown_keys_stay_errors(
    write_project: WriteProject, file: str, content: str, line: int
) -> None:
    root = write_project({file: content})

    problems = validate_project(root)

    assert [(str(p.location), p.severity) for p in problems] == [(f"{file}:{line}", "error")]
    assert "unknown key" in problems[0].message
    with pytest.raises(ProjectFileError):
        Project.load(root)


def test_an_unquoted_version_in_a_data_file_is_an_error(write_project: WriteProject) -> None:
    stories = "version: 3.1\nstories:\n- story: hi\n  steps:\n  - intent: greet\n"

    problems = validate_project(write_project({"data/stories.yml": stories}))

    assert [(str(p.location), p.severity) for p in problems] == [("data/stories.yml:1", "error")]


PIPELINE_CONFIG = """\
    recipe: default.v1
    language: en
    pipeline:
      - name: WhitespaceTokenizer
        intent_tokenization_flag: true
      - name: CountVectorsFeaturizer
        min_ngram: 1
      - name: CountVectorsFeaturizer
        analyzer: char_wb
        min_ngram: {min_ngram}
      - name: DIETClassifier
        epochs: 1
        {diet_option}
    policies:
    """


def pipeline_problems(
    write_project: WriteProject, min_ngram: object, diet_option: str
) -> list[Problem]:
    config = PIPELINE_CONFIG.format(min_ngram=min_ngram, diet_option=diet_option)
    return validate_project(write_project({"config.yml": config}))


def test_rasa_pipeline_options_without_effect_are_warnings_at_their_line(
    write_project: WriteProject,
) -> None:
    problems = pipeline_problems(write_project, 1, "run_eagerly: true")

    assert [str(p) for p in problems] == [
        "config.yml:5: warning: WhitespaceTokenizer: Rasa's 'intent_tokenization_flag' has no "
        "effect in Parley and is ignored",
        "config.yml:13: warning: DIETClassifier: Rasa's 'run_eagerly' has no effect in Parley "
        "and is ignored",
    ]


def test_an_unknown_pipeline_option_is_an_error_at_its_line_listing_the_valid_ones(
    write_project: WriteProject,
) -> None:
    problems = pipeline_problems(write_project, 1, "epochz: 3")

    errors = [p for p in problems if p.severity == "error"]
    assert [str(p.location) for p in errors] == ["config.yml:13"]
    assert errors[0].message.startswith("DIETClassifier: unknown option 'epochz'")
    assert "its options: " in errors[0].message and "epochs" in errors[0].message


def test_a_bad_value_is_an_error_at_the_line_of_the_entry_that_has_it(
    write_project: WriteProject,
) -> None:
    """Both CountVectorsFeaturizers set ``min_ngram``; only the second one's is wrong."""
    problems = pipeline_problems(write_project, "two", "random_seed: 7")

    errors = [p for p in problems if p.severity == "error"]
    assert [(str(p.location), p.message) for p in errors] == [
        (
            "config.yml:10",
            "CountVectorsFeaturizer: option 'min_ngram' should be a valid integer, got 'two'",
        )
    ]
