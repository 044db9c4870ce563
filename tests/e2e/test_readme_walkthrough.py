"""The README's "Your first bot" walkthrough, followed word for word, ends with every story
passing: its YAML blocks are taken from the README itself and put where it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO, parley

pytestmark = pytest.mark.slow


def walkthrough_blocks() -> list[str]:
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme.split("## Your first bot", 1)[1].split("\n## ", 1)[0]
    return [
        "\n".join(line[3:] for line in block.splitlines())
        for block in re.findall(r"   ```yaml\n(.*?)\n   ```", section, flags=re.S)
    ]


def test_the_walkthrough_ends_with_every_story_passing(tmp_path: Path) -> None:
    nlu, response, rule, story = walkthrough_blocks()
    assert "intent: ask_gift_wrap" in nlu and "utter_gift_wrap:" in response

    created = parley("init", "my-bot", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    bot = tmp_path / "my-bot"
    _append(bot / "data" / "nlu.yml", nlu)
    domain = (bot / "domain.yml").read_text("utf-8")
    domain = domain.replace("intents:\n", "intents:\n  - ask_gift_wrap\n", 1)
    indented = "\n".join(f"  {line}" for line in response.splitlines())
    domain = domain.replace("responses:\n", f"responses:\n{indented}\n\n", 1)
    (bot / "domain.yml").write_text(domain, "utf-8")
    _append(bot / "data" / "rules.yml", rule)
    _append(bot / "tests" / "test_stories.yml", story)

    validated = parley("data", "validate", cwd=bot)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    trained = parley("train", cwd=bot)
    assert trained.returncode == 0, trained.stderr
    tested = parley("test", cwd=bot)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "passed (100.0%)" in tested.stdout


def _append(path: Path, block: str) -> None:
    text = path.read_text("utf-8").rstrip("\n")
    path.write_text(f"{text}\n\n{block}\n", "utf-8")
