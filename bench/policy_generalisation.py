"""How well the dialogue policies generalise to conversations no training story shows.

For each bot (the reference bot and the Rasa projects in ``../shared/rasa-bots``)
three policy sets are trained on its rules and stories and scored, dialogue only
(the intents written in the stories stand in for the NLU), on held-out stories:

* ``rules+memoization``: MemoizationPolicy and RulePolicy;
* ``linear``: the same plus LinearPolicy;
* ``transformer``: the same plus TEDPolicy.

Held out are the bot's own test stories (written apart from its training
stories), and for bots with at least ``--folds`` training stories also each
fold of a k-fold split of the training stories. ``policy_alone`` scores the
learned policy by itself on the same held-out stories. Prints one JSON object.

``--folds-only`` leaves the test stories out and scores the k folds alone: the
split to tune a policy on, so that the test stories stay unseen until the
final run.

    python bench/policy_generalisation.py [--folds 3] [--folds-only] [--bots reference,...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dialogue.policies import PolicyEnsemble
from dialogue.stories import Story
from nlu.errors import UnsupportedComponentWarning
from parley.core_evaluation import StoryScore, core_report, held_out_sets, score_stories
from parley.project import Project

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PARLEY_SHARED", REPO.parent / "shared"))
BOTS = {
    "reference": REPO,
    "initial-project": SHARED / "rasa-bots" / "initial-project",
    "test_moodbot": SHARED / "rasa-bots" / "test_moodbot",
    "formbot": SHARED / "rasa-bots" / "formbot",
}
BASE: tuple[Mapping[str, Any], ...] = (
    {"name": "MemoizationPolicy", "max_history": 5},
    {"name": "RulePolicy"},
)
LEARNED: Mapping[str, Mapping[str, Any] | None] = {
    "rules+memoization": None,
    "linear": {"name": "LinearPolicy", "max_history": 5},
    "transformer": {"name": "TEDPolicy", "max_history": 5, "epochs": 100},
}


def held_out(
    project: Project, folds: int, folds_only: bool = False
) -> list[tuple[list[Story], list[Story]]]:
    tests = () if folds_only else project.test_stories
    return held_out_sets(project.rules, project.stories, tests, folds)


def evaluate(
    project: Project,
    sets: Sequence[tuple[list[Story], list[Story]]],
    learned: Mapping[str, Any] | None,
) -> dict[str, Any]:
    ensemble_scores: list[StoryScore] = []
    alone_scores: list[StoryScore] = []
    seconds: list[float] = []
    for training, held_out in sets:
        members = [*BASE, learned] if learned is not None else list(BASE)
        ensemble = PolicyEnsemble.build(members)
        started = time.perf_counter()
        ensemble.train(training, project.domain)
        seconds.append(time.perf_counter() - started)
        ensemble_scores += score_stories(ensemble, held_out, project.domain)
        if learned is not None:
            alone = PolicyEnsemble([ensemble.members[-1]])
            alone_scores += score_stories(alone, held_out, project.domain)
    result = _summary(ensemble_scores)
    result["train_seconds_median"] = round(statistics.median(seconds), 2)
    if alone_scores:
        result["policy_alone"] = _summary(alone_scores)
    return result


def _summary(scores: Sequence[StoryScore]) -> dict[str, Any]:
    report = core_report(scores)
    return {
        "next_action_accuracy": round(report["next_action_accuracy"], 3),
        "story_accuracy": round(report["story_accuracy"], 3),
        "actions": report["actions"],
        "stories": report["stories"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--bots", default=",".join(BOTS))
    parser.add_argument(
        "--folds-only", action="store_true", help="score the k folds only, not the test stories"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UnsupportedComponentWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    results: dict[str, Any] = {
        "cores": os.cpu_count(),
        "folds": args.folds,
        "folds_only": args.folds_only,
        "bots": {},
    }
    for bot in args.bots.split(","):
        root = BOTS[bot]
        if not root.exists():
            print(f"skipping {bot}: {root} not found", file=sys.stderr)
            continue
        project = Project.load(root)
        sets = held_out(project, args.folds, args.folds_only)
        if not sets:
            print(f"skipping {bot}: nothing held out", file=sys.stderr)
            continue
        results["bots"][bot] = {
            name: evaluate(project, sets, learned) for name, learned in LEARNED.items()
        }
    results["mean_next_action_accuracy"] = {
        name: round(
            statistics.mean(b[name]["next_action_accuracy"] for b in results["bots"].values()), 3
        )
        for name in LEARNED
    }
    results["mean_policy_alone_next_action_accuracy"] = {
        name: round(
            statistics.mean(
                b[name]["policy_alone"]["next_action_accuracy"] for b in results["bots"].values()
            ),
            3,
        )
        for name in LEARNED
        if LEARNED[name] is not None
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
