"""config.yml becomes a typed ProjectConfig; mistakes name file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from parley.project import MissingProjectFileError, ProjectConfig, ProjectFileError, load_config


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_commented_out_pipeline_and_policies_mean_the_defaults(tmp_path: Path) -> None:
    config = load_config(
        write_config(
            tmp_path,
            """\
            recipe: default.v1
            assistant_id: placeholder_default
            pipeline:
            # - name: WhitespaceTokenizer
            policies:
            """,
        )
    )

    assert config == ProjectConfig(assistant_id="placeholder_default")
    assert config.language == "en"
    assert config.uses_default_pipeline and config.uses_default_policies


def test_components_keep_their_options_in_rasa_shape(tmp_path: Path) -> None:
    config = load_config(
        write_config(
            tmp_path,
            """\
            language: de
            pipeline:
              - name: CountVectorsFeaturizer
                analyzer: char_wb
                min_ngram: 1
            policies:
              - name: RulePolicy
            """,
        )
    )

    assert config.language == "de"
    assert config.pipeline == (
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1},
    )
    assert [p["name"] for p in config.policies] == ["RulePolicy"]
    assert not config.uses_default_pipeline


@pytest.mark.parametrize(
    ("text", "line", "complaint"),
    [
        ("language: en\npipelines: []\n", 2, "unknown key 'pipelines'"),
        ("pipeline:\n  - name: A\n  - epochs: 3\n", 3, "pipeline[1]: each entry needs 'name"),
        ("policies:\n  - RulePolicy\n", 2, "write '- name: RulePolicy'"),
        ("recipe: graph.v1\n", 1, "recipe: Input should be 'default.v1'"),
        ("pipeline: supervised_embeddings\n", 1, "pipeline: Input should be a valid tuple"),
    ],
    ids=["unknown-key", "nameless-component", "bare-name", "other-recipe", "template-name"],
)
def test_config_errors_name_file_and_line(
    tmp_path: Path, text: str, line: int, complaint: str
) -> None:
    path = write_config(tmp_path, text)

    with pytest.raises(ProjectFileError) as raised:
        load_config(path)

    assert str(raised.value).startswith(f"{path}:{line}: ")
    assert complaint in str(raised.value)


def test_missing_config_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(MissingProjectFileError, match=r"config\.yml: missing"):
        load_config(tmp_path / "config.yml")
