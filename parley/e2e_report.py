"""``parley test`` results in the shape ``rasa test --e2e`` gives them.

* :func:`rasa_summary` — the "Evaluation Results on CONVERSATION level" (stories) and
  "on ACTION level" (every action of every story, the final ``action_listen`` included)
  blocks of Rasa 3.6, with its counts and weighted precision and F1.
* :func:`failed_stories_yaml` — ``failed_test_stories.yml``: each failed story as written,
  its wrong steps marked ``# predicted: ...``, ready to fix and paste back.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sklearn.metrics import precision_recall_fscore_support

from dialogue.stories import ActionStep, SlotStep, Step, Story, UserStep
from nlu.interfaces import TrainingExample
from parley.nlu_data_tools import annotate
from parley.testing import StoryResult, TurnFailure


def rasa_summary(results: Sequence[StoryResult]) -> list[str]:
    """The two result blocks ``rasa test`` prints, line by line."""
    passed = sum(r.passed for r in results)
    story_level = [
        "Evaluation Results on CONVERSATION level:",
        f"\tCorrect:          {passed} / {len(results)}",
        f"\tAccuracy:         {passed / len(results) if results else 1.0:.3f}",
    ]
    pairs = [pair for r in results for pair in r.actions]
    return story_level + _block("ACTION", [e for e, _ in pairs], [p for _, p in pairs])


def _block(level: str, expected: list[str], predicted: list[str]) -> list[str]:
    correct = sum(e == p for e, p in zip(expected, predicted, strict=True))
    total = len(expected)
    if total:
        precision, _, f1, _ = precision_recall_fscore_support(
            expected, predicted, average="weighted", zero_division=0
        )
    else:
        precision = f1 = 1.0
    return [
        f"Evaluation Results on {level} level:",
        f"\tCorrect:          {correct} / {total}",
        f"\tF1-Score:         {float(f1):.3f}",
        f"\tPrecision:        {float(precision):.3f}",
        f"\tAccuracy:         {correct / total if total else 1.0:.3f}",
    ]


def failed_stories_yaml(results: Sequence[StoryResult], stories: Sequence[Story]) -> str:
    """The failed stories in Rasa's test-story YAML, wrong steps marked with the prediction."""
    lines = ['version: "3.1"', "stories:"]
    for result, story in zip(results, stories, strict=True):
        if result.passed:
            continue
        path = story.source.rsplit(":", 1)[0]
        lines += [f"- story: {_quoted(f'{story.name} ({path})')}", "  steps:"]
        by_line: dict[int | None, TurnFailure] = {m.line: m for m in result.mistakes if m.line}
        for step in story.steps:
            lines += _step_lines(step, by_line)
    return "\n".join(lines) + "\n"


def _step_lines(step: Step, mistakes: dict[int | None, TurnFailure]) -> list[str]:
    mistake = mistakes.get(getattr(step, "line", None))
    mark = f"  # predicted: {mistake.predicted}" if mistake else ""
    match step:
        case UserStep(intent=intent, text=text, entities=entities):
            if text is None:
                return [f"  - intent: {intent}{mark}"]
            written = annotate(TrainingExample(text, intent, entities))
            lines = [f"  - user: {_quoted(written)}"]
            if intent is not None:
                lines.append(f"    intent: {intent}")
            lines[-1] += mark
            return lines
        case ActionStep(name=name, bot_text=text):
            return [f"  - bot: {_quoted(text)}{mark}" if text else f"  - action: {name}{mark}"]
        case SlotStep(name=name, value=value):
            return ["  - slot_was_set:", f"    - {name}: {_quoted(value)}"]
    return []


def _quoted(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool | int | float):
        return str(value).lower() if isinstance(value, bool) else str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_failed_stories(
    results: Sequence[StoryResult], stories: Sequence[Story], out: Path
) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "failed_test_stories.yml"
    path.write_text(failed_stories_yaml(results, stories), encoding="utf-8")
    return path


def print_rasa_report(results: Sequence[StoryResult], stories: Sequence[Story], out: Path) -> None:
    """What ``rasa test --e2e`` prints and writes, after Parley's own lines."""
    import click

    for line in rasa_summary(results):
        click.echo(line)
    click.echo(f"Failed stories written to {write_failed_stories(results, stories, out)}")
