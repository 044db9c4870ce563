"""``parley test core``: score the dialogue policies alone, on stories with written intents.

Every story is replayed with teacher forcing: the intents and entities written in
it stand in for the NLU, and before every action of the story the policies
predict the next action from the story so far (the story's own events are what
the conversation continues with). A story passes when every action is predicted.

``--cross-validation --folds K`` trains the configured policies K times, each
time on the rules and all training stories but one fold, and scores the held-out
fold: how well the policies generalise to conversations no story shows.

Writes into the results folder:

* ``core_report.json`` — ``next_action_accuracy``, ``story_accuracy``, counts, and
  per action ``precision``, ``recall``, ``f1-score``, ``support``;
* ``core_failures.json`` — every story that failed, with its first wrong action;
* ``action_confusion_matrix.png``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from dialogue.domain import Domain
from dialogue.interfaces import NextActionPredictor
from dialogue.policies import ActionCheck, PolicyEnsemble, generate_conversations, teacher_force
from dialogue.stories import Story, UserStep

CORE_REPORT = "core_report.json"
CORE_FAILURES = "core_failures.json"
CONFUSION_MATRIX = "action_confusion_matrix.png"


@dataclass(frozen=True)
class StoryScore:
    name: str
    source: str
    checks: tuple[ActionCheck, ...]

    @property
    def passed(self) -> bool:
        return all(check.correct for check in self.checks)

    @property
    def first_failure(self) -> ActionCheck | None:
        return next((check for check in self.checks if not check.correct), None)


def scorable(story: Story) -> bool:
    """A story can be scored without NLU when every user step names its intent."""
    steps = [s for s in story.steps if isinstance(s, UserStep)]
    return all(step.intent is not None for step in steps)


def score_stories(
    predictor: NextActionPredictor, stories: Sequence[Story], domain: Domain
) -> list[StoryScore]:
    """Teacher-force every story (each linear conversation its or-steps expand to)."""
    scores = []
    for story in stories:
        conversations = generate_conversations([replace(story, kind="test")])
        checks = [
            check
            for conversation in conversations
            for check in teacher_force(predictor, conversation.events, domain)
        ]
        scores.append(StoryScore(story.name, story.source, tuple(checks)))
    return scores


def folds_of(stories: Sequence[Story], folds: int, seed: int = 42) -> list[list[Story]]:
    """The stories shuffled with ``seed`` and dealt into ``folds`` groups."""
    order = list(stories)
    random.Random(seed).shuffle(order)
    return [order[index::folds] for index in range(folds)]


def held_out_sets(
    rules: Sequence[Story], stories: Sequence[Story], tests: Sequence[Story], folds: int
) -> list[tuple[list[Story], list[Story]]]:
    """(training, held-out) pairs: the scorable test stories against all training data,
    then each of ``folds`` folds of the stories (when there are that many stories)."""
    scored = [s for s in tests if scorable(s)]
    sets = [([*rules, *stories], scored)] if scored else []
    if len(stories) >= folds:
        for fold in folds_of(stories, folds):
            kept = [s for s in stories if all(s is not f for f in fold)]
            sets.append(([*rules, *kept], fold))
    return sets


def cross_validate(
    policies: Sequence[Mapping[str, Any]] | None,
    training: Sequence[Story],
    domain: Domain,
    folds: int,
    seed: int = 42,
) -> list[StoryScore]:
    """Train on the rules and all stories but one fold; score the held-out fold, K times."""
    rules = [s for s in training if s.is_rule]
    stories = [s for s in training if s.kind == "story"]
    if len(stories) < folds:
        raise ValueError(f"{len(stories)} stories cannot be split into {folds} folds")
    scores: list[StoryScore] = []
    groups = folds_of(stories, folds, seed)
    for held_out in groups:
        kept = [s for s in stories if all(s is not h for h in held_out)]
        ensemble = PolicyEnsemble.build(policies)
        ensemble.train([*rules, *kept], domain)
        scores += score_stories(ensemble, held_out, domain)
    return scores


def core_report(scores: Sequence[StoryScore]) -> dict[str, Any]:
    from sklearn.metrics import classification_report

    checks = [check for score in scores for check in score.checks]
    expected = [check.expected for check in checks]
    predicted = [check.predicted or "None" for check in checks]
    per_action = classification_report(expected, predicted, output_dict=True, zero_division=0)
    return {
        "stories": len(scores),
        "stories_passed": sum(score.passed for score in scores),
        "story_accuracy": _share(sum(score.passed for score in scores), len(scores)),
        "actions": len(checks),
        "next_action_accuracy": _share(sum(check.correct for check in checks), len(checks)),
        "actions_report": {
            name: values for name, values in per_action.items() if isinstance(values, dict)
        },
    }


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def failures(scores: Sequence[StoryScore]) -> list[dict[str, Any]]:
    result = []
    for score in scores:
        check = score.first_failure
        if check is not None:
            result.append(
                {
                    "story": score.name,
                    "source": score.source,
                    "expected": check.expected,
                    "predicted": check.predicted,
                    "policy": check.policy,
                    "confidence": round(check.confidence, 3),
                }
            )
    return result


def write_reports(scores: Sequence[StoryScore], out: Path) -> dict[str, Any]:
    """Write the report, the failures and the confusion matrix into ``out``; return the report."""
    out.mkdir(parents=True, exist_ok=True)
    report = core_report(scores)
    (out / CORE_REPORT).write_text(json.dumps(report, indent=2), "utf-8")
    (out / CORE_FAILURES).write_text(json.dumps(failures(scores), indent=2), "utf-8")
    checks = [check for score in scores for check in score.checks]
    confusion_plot(
        [c.expected for c in checks],
        [c.predicted or "None" for c in checks],
        out / CONFUSION_MATRIX,
    )
    return report


def confusion_plot(expected: Sequence[str], predicted: Sequence[str], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    labels = sorted(set(expected) | set(predicted))
    matrix = confusion_matrix(list(expected), list(predicted), labels=labels)
    size = max(6.0, 0.35 * len(labels) + 3)
    figure, axes = plt.subplots(figsize=(size, size))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    axes.set_yticks(range(len(labels)), labels, fontsize=7)
    axes.set_xlabel("predicted action")
    axes.set_ylabel("expected action")
    axes.set_title("Next-action confusion matrix")
    for (row, column), count in np.ndenumerate(matrix):
        if count:
            axes.text(column, row, str(count), ha="center", va="center", fontsize=6)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def summary_lines(report: Mapping[str, Any], scores: Sequence[StoryScore]) -> list[str]:
    lines = [
        f"{item['source']}: story {item['story']!r}: expected {item['expected']}, "
        f"predicted {item['predicted']} ({item['policy']}, {item['confidence']})"
        for item in failures(scores)
    ]
    lines.append(
        f"Stories: {report['stories_passed']}/{report['stories']} passed "
        f"({report['story_accuracy']:.1%}); next-action accuracy on {report['actions']} "
        f"actions: {report['next_action_accuracy']:.1%}"
    )
    return lines


def test_core_command(
    root: Path, model: Path | None, stories_path: Path | None, folds: int, out: Path
) -> bool:
    """``parley test core``: score the trained policies (or, with ``folds``, the configured
    ones by cross-validation) and write the reports into ``out``. True if all passed."""
    import click

    from parley.errors import ParleyError

    if folds:
        project = _project(root)
        policies = [dict(entry) for entry in project.config.policies] or None
        try:
            training = [*project.stories, *project.rules]
            scores = cross_validate(policies, training, project.domain, folds)
        except ValueError as e:
            raise ParleyError(str(e)) from e
    else:
        from parley.model import load_model, resolve_model

        trained = load_model(resolve_model(model, root / "models"))
        stories = _test_stories(root, stories_path)
        skipped = [s for s in stories if not scorable(s)]
        for story in skipped:
            click.secho(
                f"{story.source}: story {story.name!r} skipped: a user step has no intent",
                fg="yellow",
            )
        kept = [s for s in stories if scorable(s)]
        scores = score_stories(trained.policy, kept, trained.domain)
    if not scores:
        raise ParleyError("there are no stories with written intents to score")
    report = write_reports(scores, out)
    for line in summary_lines(report, scores):
        click.echo(line)
    click.echo(f"Reports written to {out}")
    return bool(report["stories_passed"] == report["stories"])


def _project(root: Path) -> Any:
    import warnings

    from nlu.errors import UnsupportedComponentWarning
    from parley.project import Project

    warnings.filterwarnings("ignore", category=UnsupportedComponentWarning)
    return Project.load(root)


def _test_stories(root: Path, stories_path: Path | None) -> list[Story]:
    from parley.project.data_files import read_test_file

    if stories_path is None:
        return list(_project(root).test_stories)
    files = sorted(stories_path.rglob("*.yml")) if stories_path.is_dir() else [stories_path]
    return [story for f in files for story in read_test_file(f)]
