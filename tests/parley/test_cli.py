"""The ``parley`` command as a user meets it: help, init, validate, train, test, run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from parley.cli import cli
from tests.parley.bots import write_bot


def parley(*args: str, cwd: Path | None = None) -> Result:
    runner = CliRunner()
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return runner.invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def test_help_lists_every_command_and_explains_the_workflow() -> None:
    result = parley("--help")
    assert result.exit_code == 0
    for command in ("init", "train", "run", "shell", "test", "data"):
        assert command in result.output
    assert "parley train" in result.output


def test_init_copies_the_reference_bot_which_validates(tmp_path: Path) -> None:
    target = tmp_path / "my-bot"
    assert parley("init", str(target)).exit_code == 0
    for name in ("domain.yml", "config.yml", "data/nlu.yml", "tests/test_stories.yml"):
        assert (target / name).is_file()
    result = parley("data", "validate", "--project", str(target))
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_init_refuses_to_overwrite_an_existing_project(tmp_path: Path) -> None:
    parley("init", str(tmp_path))
    result = parley("init", str(tmp_path))
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_validate_names_file_and_line_of_an_unknown_intent(tmp_path: Path) -> None:
    bot = write_bot(tmp_path)
    rules = bot / "data" / "rules.yml"
    rules.write_text(rules.read_text().replace("- intent: goodbye", "- intent: farewell"))
    result = parley("data", "validate", "--project", str(bot))
    assert result.exit_code == 1
    line = next(n for n, t in enumerate(rules.read_text().splitlines(), 1) if "farewell" in t)
    assert f"rules.yml:{line}" in result.output
    assert "farewell" in result.output


def test_validate_reports_a_yaml_syntax_error_with_line_and_column(tmp_path: Path) -> None:
    bot = write_bot(tmp_path)
    (bot / "domain.yml").write_text("intents: [greet\nresponses: {}\n")
    result = parley("data", "validate", "--project", str(bot))
    assert result.exit_code == 1
    assert "domain.yml:2:" in result.output


def test_train_then_test_a_project_from_the_command_line(tmp_path: Path) -> None:
    bot = write_bot(tmp_path)
    tests = bot / "tests" / "test_stories.yml"
    tests.parent.mkdir()
    tests.write_text(
        "stories:\n"
        "- story: greet\n"
        "  steps:\n"
        "  - user: hello bot\n"
        "    intent: greet\n"
        "  - action: utter_greet\n"
        "- story: wrong on purpose\n"
        "  steps:\n"
        "  - user: bye\n"
        "    intent: goodbye\n"
        "  - action: utter_greet\n"
    )
    assert parley("train", "--project", str(bot)).exit_code == 0
    unchanged = parley("train", "--project", str(bot))
    assert "up to date" in unchanged.output
    result = parley("test", "--project", str(bot), "--out", str(tmp_path / "results"))
    assert result.exit_code == 1
    assert "1/2 passed" in result.output
    assert "test_stories.yml:11" in result.output
    assert "expected action 'utter_greet', predicted 'utter_goodbye'" in result.output
    assert (tmp_path / "results" / "story_report.json").is_file()


@pytest.mark.parametrize("command", ["run", "shell", "test"])
def test_commands_that_need_a_model_say_how_to_get_one(tmp_path: Path, command: str) -> None:
    bot = write_bot(tmp_path)
    port = ["--port", "0"] if command == "run" else []
    result = parley(command, "--project", str(bot), *port)
    assert result.exit_code == 1
    assert "parley train" in result.output


def test_a_corrupt_model_stops_run_with_a_clear_error(tmp_path: Path) -> None:
    bot = write_bot(tmp_path)
    (bot / "models").mkdir()
    (bot / "models" / "20260101-000000.tar.gz").write_bytes(b"\x1f\x8b garbage")
    result = parley("run", "--project", str(bot), "--port", "0")
    assert result.exit_code == 1
    assert "20260101-000000.tar.gz" in result.output


def test_run_refuses_a_port_that_is_taken_before_loading_anything(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = parley(
            "run", "--project", str(tmp_path), "--host", "127.0.0.1", "--port", str(port)
        )
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def test_train_stops_on_validation_errors_and_names_them(tmp_path: Path) -> None:
    bot = write_bot(tmp_path)
    config = bot / "config.yml"
    config.write_text(config.read_text().replace("RegexEntityExtractor", "RegexEntityExtracter"))
    result = parley("train", "--project", str(bot))
    assert result.exit_code == 1
    assert "config.yml:" in result.output and "RegexEntityExtracter" in result.output
    assert not (bot / "models").exists()


def test_a_broken_nlu_file_is_reported_without_follow_on_warnings(tmp_path: Path) -> None:
    bot = write_bot(tmp_path)
    (bot / "data" / "nlu.yml").write_text("nlu:\n- intent: greet\n  examples: | [oops\n")
    result = parley("data", "validate", "--project", str(bot))
    assert result.exit_code == 1
    assert "nlu.yml:3:" in result.output
    assert "has no NLU examples" not in result.output
