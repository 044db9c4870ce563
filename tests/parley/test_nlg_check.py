"""``parley nlg check``: the fact guard's verdict on a wording, as a bot author asks for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from parley.cli import cli

ROOT = Path(__file__).resolve().parents[2]
CANCEL = "Order PO-48213 can still be cancelled."
NO_COD = "We do not offer cash on delivery."


def check(*args: str) -> Result:
    return CliRunner().invoke(cli, ["nlg", "check", *args], catch_exceptions=False)


def verdicts(result: Result) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_an_accepted_rephrasing_prints_ok_and_exits_0() -> None:
    result = check("--template", CANCEL, "--candidate", "Sure! " + CANCEL, "--slot", "PO-48213")
    assert result.exit_code == 0
    assert verdicts(result) == [{"ok": True, "reasons": [], "categories": []}]


def test_a_refused_rephrasing_prints_its_reasons_and_exits_1() -> None:
    changed = "Order PO-48213 can no longer be cancelled."
    result = check("--template", CANCEL, "--candidate", changed)
    assert result.exit_code == 1
    assert verdicts(result) == [
        {"ok": False, "reasons": ["negation added: 'no longer'"], "categories": ["polarity"]}
    ]


def test_a_slot_value_is_matched_as_a_whole_word() -> None:
    args = ["--template", "Thanks, Ana!", "--candidate", "Thanks, Anastasia!", "--slot", "Ana"]
    result = check(*args)
    assert result.exit_code == 1
    assert verdicts(result)[0]["reasons"] == [
        "slot value 'Ana' missing as a whole word",
        "new name 'Anastasia'",
    ]


def test_a_grounded_answer_is_checked_against_every_source() -> None:
    sources = ["--source", "We accept Visa and PayPal.", "--source", NO_COD]
    accepted = check(*sources, "--question", "PayPal?", "--candidate", "Yes, we accept PayPal.")
    assert accepted.exit_code == 0
    refused = check(
        *sources, "--question", "COD?", "--candidate", "Yes, we offer cash on delivery."
    )
    assert refused.exit_code == 1
    assert verdicts(refused)[0]["categories"] == ["polarity"]


def test_a_jsonl_file_gives_one_verdict_per_case_in_order(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    lines = [
        {"template": CANCEL, "candidate": CANCEL.replace("still", "no longer")},
        {"sources": [NO_COD], "question": "COD?", "candidate": "Sorry, we don't offer that."},
        {"template": "Thanks, Ana!", "candidate": "Thank you, Ana!", "slots": {"name": "Ana"}},
    ]
    cases.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n", encoding="utf-8")
    result = check("--jsonl", str(cases))
    assert result.exit_code == 1
    assert [v["ok"] for v in verdicts(result)] == [False, True, True]


def test_all_accepted_in_a_jsonl_file_exits_0(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps({"template": CANCEL, "candidate": CANCEL}) + "\n", "utf-8")
    assert check("--jsonl", str(cases)).exit_code == 0


def test_a_bad_jsonl_line_is_named_by_file_and_line(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    good = json.dumps({"template": CANCEL, "candidate": CANCEL})
    cases.write_text(f"{good}\n{json.dumps({'template': CANCEL, 'wording': 'x'})}\n", "utf-8")
    result = check("--jsonl", str(cases))
    assert result.exit_code == 2
    assert f"{cases}:2: candidate" in result.stderr
    assert result.stdout == ""  # nothing is checked from a file with a bad line

    cases.write_text("{not json\n", "utf-8")
    result = check("--jsonl", str(cases))
    assert result.exit_code == 2 and f"{cases}:1:" in result.stderr


def test_options_that_do_not_make_one_case_are_a_usage_error() -> None:
    assert check("--candidate", "x").exit_code == 2
    assert check("--template", "a", "--source", "b", "--candidate", "x").exit_code == 2
    assert check("--template", "a").exit_code == 2


def test_help_explains_both_modes_and_the_exit_codes() -> None:
    result = check("--help")
    assert result.exit_code == 0
    for words in ("--template", "--source", "--jsonl", "FILE:LINE", "Exits 0"):
        assert words in result.output


def test_the_command_gives_the_same_verdicts_in_every_process(tmp_path: Path) -> None:
    """Run as `python -m parley` with its own hash seed: verdicts do not depend on set order."""
    cases = tmp_path / "cases.jsonl"
    lines = [
        {
            "template": "Every order over $50 ships free.",
            "candidate": "Some orders under $50 ship.",
        },
        {
            "template": "Open 9am-5pm; closed on Sundays.",
            "candidate": "Open 9am-5pm; open on Sundays.",
        },
        {"sources": [NO_COD], "question": "COD?", "candidate": "Yes, cash on delivery is fine."},
    ]
    cases.write_text("\n".join(json.dumps(line) for line in lines), "utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-m", "parley", "nlg", "check", "--jsonl", str(cases)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == check("--jsonl", str(cases)).stdout  # this process: another seed
    assert [json.loads(line)["ok"] for line in done.stdout.splitlines()] == [False] * 3
