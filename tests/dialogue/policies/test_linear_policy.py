"""The linear policy (a logistic regression over recent states) learns stories deterministically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dialogue.events import ACTION_LISTEN
from dialogue.policies import POLICIES, PolicyLoadError, teacher_force
from dialogue.policies.linear import LinearPolicy

from .bots import (
    MOODBOT_DOMAIN,
    MOODBOT_RULES,
    MOODBOT_STORIES,
    act,
    events_of,
    story,
    tracker_of,
    user,
)


def linear(**config: object) -> LinearPolicy:
    policy = LinearPolicy.from_config({"name": "LinearPolicy", **config})
    policy.train([*MOODBOT_STORIES, *MOODBOT_RULES], MOODBOT_DOMAIN)
    return policy


def test_it_is_registered_under_its_own_name_and_ignores_teds_network_options() -> None:
    policy = POLICIES.get("LinearPolicy").from_config(
        {"name": "LinearPolicy", "epochs": 100, "constrain_similarities": True, "max_history": None}
    )

    assert POLICIES.get("LinearPolicy") is LinearPolicy
    assert POLICIES.get("TEDPolicy") is not LinearPolicy
    assert policy.priority == 1


def test_it_learns_the_training_stories() -> None:
    policy = linear()
    checks = [
        check
        for each in MOODBOT_STORIES
        for check in teacher_force(policy, events_of(each), MOODBOT_DOMAIN)
    ]

    assert sum(check.correct for check in checks) / len(checks) >= 0.9  # chance: 1 in 7


def test_it_votes_with_a_probability() -> None:
    prediction = linear().predict(tracker_of(MOODBOT_DOMAIN, user("greet")), MOODBOT_DOMAIN)

    assert prediction.action == "utter_greet"
    assert 0.3 < prediction.confidence < 1.0
    assert prediction.policy == "LinearPolicy"


def test_training_is_deterministic() -> None:
    first, second = linear(), linear()

    assert first.model is not None and second.model is not None
    assert np.array_equal(first.model.coef, second.model.coef)
    assert first.vectorizer.vocabulary == second.vectorizer.vocabulary


def test_persist_and_load_predict_identically(tmp_path: Path) -> None:
    policy = linear(max_history=3)
    policy.persist(tmp_path)
    loaded = LinearPolicy.load({"name": "LinearPolicy", "max_history": 3}, tmp_path)

    for steps in [(user("greet"),), (user("greet"), act("utter_greet"), user("mood_unhappy"))]:
        tracker = tracker_of(MOODBOT_DOMAIN, *steps)
        assert loaded.predict(tracker, MOODBOT_DOMAIN) == policy.predict(tracker, MOODBOT_DOMAIN)


def test_damaged_weights_name_the_file(tmp_path: Path) -> None:
    linear().persist(tmp_path)
    (tmp_path / "linear_policy.npz").write_bytes(b"not a zip")

    with pytest.raises(PolicyLoadError, match=r"linear_policy\.npz"):
        LinearPolicy.load({"name": "LinearPolicy"}, tmp_path)


def test_with_a_single_action_to_learn_it_abstains() -> None:
    policy = LinearPolicy.from_config({})
    policy.train([story("only", act(ACTION_LISTEN))], MOODBOT_DOMAIN)

    assert policy.predict(tracker_of(MOODBOT_DOMAIN, user("greet")), MOODBOT_DOMAIN).action is None
