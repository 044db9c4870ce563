"""Memoization replays stories exactly; the augmented variant forgets old turns."""

from __future__ import annotations

from pathlib import Path

from dialogue.events import ACTION_LISTEN
from dialogue.policies.memoization import AugmentedMemoizationPolicy, MemoizationPolicy
from dialogue.stories import Step

from .bots import MOODBOT_DOMAIN, MOODBOT_RULES, MOODBOT_STORIES, act, story, tracker_of, user


def memo(max_history: int | None = 5, augmented: bool = False) -> MemoizationPolicy:
    cls = AugmentedMemoizationPolicy if augmented else MemoizationPolicy
    policy = cls.from_config({"name": cls.name, "max_history": max_history})
    policy.train([*MOODBOT_STORIES, *MOODBOT_RULES], MOODBOT_DOMAIN)
    return policy


def predicted(policy: MemoizationPolicy, *steps: Step) -> str | None:
    return policy.predict(tracker_of(MOODBOT_DOMAIN, *steps), MOODBOT_DOMAIN).action


SAD = (user("greet"), act("utter_greet"), user("mood_unhappy"), act("utter_cheer_up"))


def test_it_predicts_what_a_story_did_after_the_same_states() -> None:
    policy = memo()
    prediction = policy.predict(tracker_of(MOODBOT_DOMAIN, *SAD), MOODBOT_DOMAIN)

    assert (prediction.action, prediction.confidence, prediction.priority) == (
        "utter_did_that_help",
        1.0,
        3,
    )
    assert predicted(policy, *SAD, act("utter_did_that_help")) == ACTION_LISTEN


def test_it_abstains_on_unknown_histories_and_ignores_rules() -> None:
    policy = memo()

    assert predicted(policy, user("mood_great")) is None
    assert predicted(policy, user("goodbye")) is None


def test_max_history_limits_what_it_remembers() -> None:
    # the two stories differ only in their first user turn, five states back
    a = story("a", user("affirm"), act("utter_a"), act("utter_x"), act("utter_y"), user("deny"),
              act("utter_yes"))  # fmt: skip
    b = story("b", user("deny"), act("utter_a"), act("utter_x"), act("utter_y"), user("deny"),
              act("utter_no"))  # fmt: skip
    short, long = (MemoizationPolicy.from_config({"max_history": n}) for n in (2, 6))
    for policy in (short, long):
        policy.train([a, b], MOODBOT_DOMAIN)
    turn = (act("utter_a"), act("utter_x"), act("utter_y"), user("deny"))

    assert predicted(long, user("affirm"), *turn) == "utter_yes"
    assert predicted(long, user("deny"), *turn) == "utter_no"
    assert predicted(short, user("affirm"), *turn) is None  # ambiguous within two states


def test_without_max_history_the_whole_conversation_counts() -> None:
    policy = memo(max_history=None)

    assert predicted(policy, *SAD) == "utter_did_that_help"
    assert predicted(policy, user("bot_challenge"), act("utter_iamabot"), *SAD) is None


def test_augmented_memoization_generalises_after_forgetting_old_turns() -> None:
    earlier = (user("bot_challenge"), act("utter_iamabot"))
    plain, augmented = memo(), memo(augmented=True)

    assert predicted(plain, *earlier, user("greet")) is None
    assert predicted(augmented, *earlier, user("greet")) == "utter_greet"
    assert predicted(augmented, *earlier, *SAD) == "utter_did_that_help"
    assert predicted(augmented, *earlier, user("mood_great")) is None


def test_persist_and_load_remember_the_same(tmp_path: Path) -> None:
    policy = memo(max_history=3, augmented=True)
    policy.persist(tmp_path)

    loaded = AugmentedMemoizationPolicy.load({"max_history": 3}, tmp_path)

    assert loaded.memory == policy.memory
    assert predicted(loaded, user("bot_challenge"), act("utter_iamabot"), *SAD) == (
        "utter_did_that_help"
    )
