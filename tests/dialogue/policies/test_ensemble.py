"""The ensemble: building from config, choosing among votes, persisting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import pytest

from dialogue.domain import Domain
from dialogue.events import (
    ACTION_LISTEN,
    ActionExecuted,
    ActionExecutionRejected,
    FollowupAction,
    UserUttered,
)
from dialogue.interfaces import PolicyPrediction
from dialogue.policies import PolicyConfigError, PolicyEnsemble, PolicyLoadError, teacher_force
from dialogue.policies.ensemble import Member
from dialogue.policies.errors import UnsupportedPolicyWarning
from dialogue.policies.memoization import MemoizationPolicy
from dialogue.policies.rule import RulePolicy
from dialogue.policies.ted import TEDPolicy
from dialogue.stories import Story
from dialogue.tracker import Tracker

from .bots import (
    MOODBOT_DOMAIN,
    MOODBOT_RULES,
    MOODBOT_STORIES,
    MOODBOT_TEST_STORIES,
    act,
    events_of,
    tracker_of,
    user,
)


class ScriptedPolicy:
    """A policy double that always casts the same vote."""

    name: ClassVar[str] = "Scripted"

    def __init__(self, action: str | None, confidence: float, priority: int = 1) -> None:
        self.action, self.confidence, self.priority = action, confidence, priority

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        return cls(config.get("action"), float(config.get("confidence", 0.0)))

    def train(self, stories: Sequence[Story], domain: Domain) -> None: ...

    def predict(self, tracker: Tracker, domain: Domain) -> PolicyPrediction:
        return PolicyPrediction(self.action, self.confidence, self.name, self.priority)

    def persist(self, directory: Path) -> None: ...

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        return cls.from_config(config)


def scripted(*votes: tuple[str | None, float, int]) -> PolicyEnsemble:
    return PolicyEnsemble(
        [Member({"name": f"p{i}"}, ScriptedPolicy(*v)) for i, v in enumerate(votes)]
    )


GREETED = tracker_of(MOODBOT_DOMAIN, user("greet"))


@pytest.fixture(scope="module")
def moodbot() -> PolicyEnsemble:
    ensemble = PolicyEnsemble.build(None)
    ensemble.train([*MOODBOT_STORIES, *MOODBOT_RULES], MOODBOT_DOMAIN)
    return ensemble


def test_no_policies_configured_means_rasas_defaults() -> None:
    ensemble = PolicyEnsemble.build([])

    assert [type(p) for p in ensemble.policies] == [MemoizationPolicy, RulePolicy, TEDPolicy]
    assert [m.config for m in ensemble.members][2] == {"name": "TEDPolicy", "max_history": 5}


@dataclass(frozen=True)
class TypedEntry:
    """Stands in for ``parley.project.config.ComponentConfig``."""

    name: str
    options: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, **self.options}


def test_typed_config_entries_are_accepted() -> None:
    ensemble = PolicyEnsemble.build([TypedEntry("MemoizationPolicy", {"max_history": 2})])

    assert ensemble.members[0].config == {"name": "MemoizationPolicy", "max_history": 2}


def test_unsupported_rasa_policies_are_skipped_with_a_warning_naming_them() -> None:
    with pytest.warns(UnsupportedPolicyWarning, match="UnexpecTEDIntentPolicy"):
        ensemble = PolicyEnsemble.build(
            [{"name": "UnexpecTEDIntentPolicy", "epochs": 3}, {"name": "RulePolicy"}]
        )

    assert [type(p) for p in ensemble.policies] == [RulePolicy]


def test_an_unknown_policy_name_lists_the_known_ones() -> None:
    with pytest.raises(
        PolicyConfigError, match=r"RulPolicy.*AugmentedMemoizationPolicy.*TEDPolicy"
    ):
        PolicyEnsemble.build([{"name": "RulPolicy"}])
    with pytest.raises(PolicyConfigError, match="no name"):
        PolicyEnsemble.build([{"max_history": 3}])
    with (
        pytest.raises(PolicyConfigError, match="no usable"),
        pytest.warns(UnsupportedPolicyWarning),
    ):
        PolicyEnsemble.build([{"name": "UnexpecTEDIntentPolicy"}])


def test_training_reports_progress_per_policy() -> None:
    messages: list[str] = []
    PolicyEnsemble.build(None).train(MOODBOT_RULES, MOODBOT_DOMAIN, progress=messages.append)

    assert messages == [
        "training MemoizationPolicy (1/3)",
        "training RulePolicy (2/3)",
        "training TEDPolicy (3/3)",
    ]


def test_the_most_confident_vote_wins_then_the_higher_priority() -> None:
    assert scripted(("a", 0.6, 1), ("b", 0.9, 1)).predict(GREETED, MOODBOT_DOMAIN).action == "b"
    assert scripted(("a", 0.9, 1), ("b", 0.9, 3)).predict(GREETED, MOODBOT_DOMAIN).action == "b"
    assert scripted(("a", 0.9, 3), ("b", 0.9, 3)).predict(GREETED, MOODBOT_DOMAIN).action == "a"
    assert scripted((None, 0.0, 9), ("b", 0.5, 1)).predict(GREETED, MOODBOT_DOMAIN).action == "b"


def test_below_the_core_fallback_threshold_the_fallback_action_runs() -> None:
    prediction = scripted(("a", 0.2, 1)).predict(GREETED, MOODBOT_DOMAIN)
    nobody = scripted((None, 0.0, 1)).predict(GREETED, MOODBOT_DOMAIN)

    assert (prediction.action, prediction.policy) == ("action_default_fallback", "CoreFallback")
    assert nobody.action == "action_default_fallback"


def test_rule_policy_options_set_the_core_fallback() -> None:
    ensemble = PolicyEnsemble.build(
        [{"name": "RulePolicy", "core_fallback_threshold": 0.5,
          "core_fallback_action_name": "action_my_fallback"}]
    )  # fmt: skip
    ensemble.train(MOODBOT_RULES, MOODBOT_DOMAIN)

    prediction = ensemble.predict(tracker_of(MOODBOT_DOMAIN, user("mood_great")), MOODBOT_DOMAIN)

    assert (prediction.action, prediction.confidence) == ("action_my_fallback", 0.5)


def test_without_fallback_prediction_any_vote_wins_and_silence_listens() -> None:
    config = {"name": "RulePolicy", "enable_fallback_prediction": False}
    rules = Member(config, RulePolicy.from_config(config))
    unsure = PolicyEnsemble([rules, Member({"name": "p"}, ScriptedPolicy("a", 0.1))])
    silent = PolicyEnsemble([rules])

    assert unsure.predict(GREETED, MOODBOT_DOMAIN).action == "a"
    assert silent.predict(GREETED, MOODBOT_DOMAIN).action == ACTION_LISTEN


def test_a_pending_followup_action_is_predicted_directly() -> None:
    tracker = GREETED.appended(FollowupAction(name="utter_x"))

    prediction = scripted(("a", 1.0, 9)).predict(tracker, MOODBOT_DOMAIN)

    assert (prediction.action, prediction.confidence) == ("utter_x", 1.0)


def test_a_vote_for_the_action_just_rejected_is_dropped() -> None:
    tracker = GREETED.appended(ActionExecutionRejected(name="a"))

    assert scripted(("a", 1.0, 9), ("b", 0.5, 1)).predict(tracker, MOODBOT_DOMAIN).action == "b"


def test_the_loop_guard_listens_after_too_many_actions_without_the_user() -> None:
    tracker = GREETED.appended(*(ActionExecuted(name="a") for _ in range(10)))
    answered = tracker.appended(ActionExecuted(name=ACTION_LISTEN), UserUttered(text="hi"))

    assert scripted(("a", 1.0, 1)).predict(tracker, MOODBOT_DOMAIN).action == ACTION_LISTEN
    assert scripted(("a", 1.0, 1)).predict(answered, MOODBOT_DOMAIN).action == "a"


def test_persist_then_load_predicts_identically(moodbot: PolicyEnsemble, tmp_path: Path) -> None:
    moodbot.persist(tmp_path)
    loaded = PolicyEnsemble.load(tmp_path)

    for each in MOODBOT_TEST_STORIES:
        assert teacher_force(loaded, events_of(each), MOODBOT_DOMAIN) == teacher_force(
            moodbot, events_of(each), MOODBOT_DOMAIN
        )
    history = (user("deny"), act("utter_goodbye"), user("mood_unhappy"))
    assert loaded.predict(tracker_of(MOODBOT_DOMAIN, *history), MOODBOT_DOMAIN) == (
        moodbot.predict(tracker_of(MOODBOT_DOMAIN, *history), MOODBOT_DOMAIN)
    )


def test_a_missing_or_damaged_file_is_named(moodbot: PolicyEnsemble, tmp_path: Path) -> None:
    with pytest.raises(PolicyLoadError, match=r"ensemble\.json: missing"):
        PolicyEnsemble.load(tmp_path)

    moodbot.persist(tmp_path)
    memo_file = tmp_path / "0_MemoizationPolicy" / "memoization.json"
    memo_file.write_text("{not json", encoding="utf-8")
    with pytest.raises(PolicyLoadError, match=r"memoization\.json: damaged"):
        PolicyEnsemble.load(tmp_path)

    (tmp_path / "ensemble.json").write_text('{"format": 1, "policies": {}}', encoding="utf-8")
    with pytest.raises(PolicyLoadError, match=r"ensemble\.json: damaged"):
        PolicyEnsemble.load(tmp_path)


class CappedPolicy(ScriptedPolicy):
    """A scripted policy that declares its highest vote priority, and counts its calls."""

    def __init__(self, action: str | None, confidence: float, priority: int = 1) -> None:
        super().__init__(action, confidence, priority)
        self.asked = 0

    @property
    def highest_vote_priority(self) -> int:
        return self.priority

    def predict(self, tracker: Tracker, domain: Domain) -> PolicyPrediction:
        self.asked += 1
        return super().predict(tracker, domain)


def ensemble_of(*policies: ScriptedPolicy) -> PolicyEnsemble:
    return PolicyEnsemble([Member({"name": f"p{i}"}, p) for i, p in enumerate(policies)])


def test_a_full_confidence_vote_no_later_policy_can_outrank_spares_asking_it() -> None:
    later = CappedPolicy("b", 1.0, priority=1)

    prediction = ensemble_of(CappedPolicy("a", 1.0, priority=6), later).predict(
        GREETED, MOODBOT_DOMAIN
    )

    assert prediction.action == "a"
    assert later.asked == 0


@pytest.mark.parametrize(
    ("first", "later", "winner", "later_asked"),
    [
        (CappedPolicy("a", 0.99, priority=6), CappedPolicy("b", 1.0, priority=1), "b", 1),
        (CappedPolicy("a", 1.0, priority=3), CappedPolicy("b", 1.0, priority=6), "b", 1),
        (CappedPolicy("a", 1.0, priority=3), CappedPolicy("b", 1.0, priority=3), "a", 0),
        (CappedPolicy("a", 1.0, priority=6), CappedPolicy("b", 1.0, priority=9), "b", 1),
    ],
    ids=["less-than-full-confidence", "later-outranks", "tie-goes-to-the-first", "higher-later"],
)
def test_a_later_policy_is_asked_exactly_when_it_could_win(
    first: CappedPolicy, later: CappedPolicy, winner: str, later_asked: int
) -> None:
    prediction = ensemble_of(first, later).predict(GREETED, MOODBOT_DOMAIN)

    assert (prediction.action, later.asked) == (winner, later_asked)


def test_a_policy_that_declares_no_ceiling_is_always_asked() -> None:
    undeclared = ScriptedPolicy("b", 1.0, priority=9)

    prediction = ensemble_of(CappedPolicy("a", 1.0, priority=6), undeclared).predict(
        GREETED, MOODBOT_DOMAIN
    )

    assert prediction.action == "b"


def test_asking_less_picks_what_asking_every_policy_picks(moodbot: PolicyEnsemble) -> None:
    conversations = [*MOODBOT_STORIES, *MOODBOT_TEST_STORIES]
    prefixes = [
        tracker_of(MOODBOT_DOMAIN, *story.steps[:end])
        for story in conversations
        for end in range(1, len(story.steps) + 1)
        if not isinstance(story.steps[end - 1], type(act("x")))
    ]
    assert len(prefixes) > 20

    for tracker in prefixes:
        votes = [
            (m.policy.predict(tracker, MOODBOT_DOMAIN), -i) for i, m in enumerate(moodbot.members)
        ]
        asked_all = max(
            (v for v in votes if v[0].action is not None),
            key=lambda v: (v[0].confidence, v[0].priority, v[1]),
        )[0]
        chosen = moodbot.predict(tracker, MOODBOT_DOMAIN)
        expected = (asked_all.action, asked_all.policy)
        assert (chosen.action, chosen.policy) == expected, tracker.events
