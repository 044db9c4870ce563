"""credentials.yml: channel name → settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.project import ProjectFileError, UndefinedVariableError, load_credentials


def test_channels_without_settings_and_with_settings(tmp_path: Path) -> None:
    path = tmp_path / "credentials.yml"
    path.write_text("rest:\n#  nothing needed\nrasa:\n  url: ${RASA_URL}/api\n")

    assert load_credentials(path, environ={"RASA_URL": "http://x"}) == {
        "rest": {},
        "rasa": {"url": "http://x/api"},
    }


def test_comments_only_or_absent_file_configures_no_channel(tmp_path: Path) -> None:
    path = tmp_path / "credentials.yml"
    path.write_text("# rest:\n#   nothing\n")

    assert load_credentials(path) == {}
    assert load_credentials(tmp_path / "absent.yml") == {}


def test_channel_settings_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "credentials.yml"
    path.write_text("rest:\nslack: my-token\n")

    with pytest.raises(ProjectFileError, match=r"credentials\.yml:2: 'slack' must be a mapping"):
        load_credentials(path)


def test_unset_variable_is_located(tmp_path: Path) -> None:
    path = tmp_path / "credentials.yml"
    path.write_text("slack:\n  slack_token: ${SLACK_TOKEN}\n")

    with pytest.raises(UndefinedVariableError, match=r"credentials\.yml:2: .*'SLACK_TOKEN'"):
        load_credentials(path, environ={})
