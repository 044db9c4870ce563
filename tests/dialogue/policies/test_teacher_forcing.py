"""Trained ensembles reproduce their training data and the example projects' test stories."""

from __future__ import annotations

import pytest

from dialogue.domain import Domain
from dialogue.events import ActionExecutionRejected
from dialogue.policies import PolicyEnsemble, generate_conversations, predict_next, teacher_force
from dialogue.stories import CheckpointStep, OrStep, Story

from .bots import (
    FORMBOT_DOMAIN,
    FORMBOT_POLICIES,
    FORMBOT_RULES,
    FORMBOT_STORIES,
    FORMBOT_TEST_STORIES,
    MOODBOT_DOMAIN,
    MOODBOT_RULES,
    MOODBOT_STORIES,
    MOODBOT_TEST_STORIES,
    act,
    events_of,
    loop,
    story,
    tracker_of,
    user,
)


@pytest.fixture(scope="module")
def moodbot() -> PolicyEnsemble:
    ensemble = PolicyEnsemble.build(None)
    ensemble.train([*MOODBOT_STORIES, *MOODBOT_RULES], MOODBOT_DOMAIN)
    return ensemble


@pytest.fixture(scope="module")
def formbot() -> PolicyEnsemble:
    ensemble = PolicyEnsemble.build(FORMBOT_POLICIES)
    ensemble.train([*FORMBOT_STORIES, *FORMBOT_RULES], FORMBOT_DOMAIN)
    return ensemble


def mistakes(ensemble: PolicyEnsemble, case: Story, domain: Domain) -> list[str]:
    checks = teacher_force(ensemble, events_of(case), domain)
    return [
        f"expected {c.expected}, got {c.predicted} ({c.policy})" for c in checks if not c.correct
    ]


@pytest.mark.parametrize(
    "case",
    [*MOODBOT_STORIES, *MOODBOT_RULES, *MOODBOT_TEST_STORIES],
    ids=lambda s: f"{s.kind}: {s.name}",
)
def test_moodbot(moodbot: PolicyEnsemble, case: Story) -> None:
    assert mistakes(moodbot, case, MOODBOT_DOMAIN) == []


@pytest.mark.parametrize(
    "case",
    [*FORMBOT_STORIES, *FORMBOT_RULES, *FORMBOT_TEST_STORIES],
    ids=lambda s: f"{s.kind}: {s.name}",
)
def test_formbot(formbot: PolicyEnsemble, case: Story) -> None:
    assert mistakes(formbot, case, FORMBOT_DOMAIN) == []


def test_an_unexpected_loop_prediction_counts_as_the_loop_rejecting(
    formbot: PolicyEnsemble,
) -> None:
    asked = (user("request_restaurant"), act("restaurant_form"), loop("restaurant_form"))
    tracker = tracker_of(FORMBOT_DOMAIN, *asked, user("chitchat"))

    free = predict_next(formbot, tracker, FORMBOT_DOMAIN)
    forced = predict_next(formbot, tracker, FORMBOT_DOMAIN, expected="utter_chitchat")

    assert free.prediction.action == "restaurant_form"
    assert free.tracker is tracker
    assert forced.prediction.action == "utter_chitchat"
    assert isinstance(forced.tracker.events[-1], ActionExecutionRejected)


def test_stories_linked_by_checkpoints_and_or_steps_are_learned() -> None:
    asked = story(
        "ask",
        user("greet"),
        act("utter_greet"),
        act("utter_did_that_help"),
        CheckpointStep("asked"),
    )
    yes = story(
        "yes",
        CheckpointStep("asked"),
        OrStep(alternatives=(user("affirm"), user("mood_great"))),
        act("utter_happy"),
    )
    no = story("no", CheckpointStep("asked"), user("deny"), act("utter_goodbye"))
    ensemble = PolicyEnsemble.build([{"name": "MemoizationPolicy"}, {"name": "RulePolicy"}])
    ensemble.train([asked, yes, no], MOODBOT_DOMAIN)

    conversations = generate_conversations([asked, yes, no])
    checks = [
        c for conv in conversations for c in teacher_force(ensemble, conv.events, MOODBOT_DOMAIN)
    ]

    assert len(conversations) == 3
    assert all(check.correct for check in checks)
