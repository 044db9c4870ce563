"""RulePolicy: rules anywhere or at the start, contradictions, loops and default behaviours."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from dialogue.domain import Domain
from dialogue.events import (
    ACTION_LISTEN,
    ActionExecuted,
    ActionExecutionRejected,
    LoopInterrupted,
)
from dialogue.interfaces import PolicyPrediction
from dialogue.policies import PolicyConfigError, RuleContradictionError, TrainingDataError
from dialogue.policies.rule import RulePolicy
from dialogue.stories import Step, Story
from dialogue.tracker import Tracker

from .bots import (
    FORMBOT_DOMAIN,
    FORMBOT_RULES,
    FORMBOT_STORIES,
    MOODBOT_DOMAIN,
    MOODBOT_RULES,
    MOODBOT_STORIES,
    act,
    domain_from_yaml,
    loop,
    rule,
    slot,
    tracker_of,
    user,
)


def trained(stories: Sequence[Story], domain: Domain, **config: object) -> RulePolicy:
    policy = RulePolicy.from_config({"name": "RulePolicy", **config})
    policy.train(list(stories), domain)
    return policy


def predict(policy: RulePolicy, domain: Domain, *steps: Step) -> PolicyPrediction:
    return policy.predict(tracker_of(domain, *steps), domain)


@pytest.fixture(scope="module")
def moodbot() -> RulePolicy:
    return trained([*MOODBOT_STORIES, *MOODBOT_RULES], MOODBOT_DOMAIN)


@pytest.fixture(scope="module")
def formbot() -> RulePolicy:
    return trained([*FORMBOT_STORIES, *FORMBOT_RULES], FORMBOT_DOMAIN)


def test_a_rule_fires_anywhere_in_a_conversation(moodbot: RulePolicy) -> None:
    history = (user("greet"), act("utter_greet"), user("mood_great"), act("utter_happy"))

    first = predict(moodbot, MOODBOT_DOMAIN, user("goodbye"))
    later = predict(moodbot, MOODBOT_DOMAIN, *history, user("goodbye"))
    after = predict(moodbot, MOODBOT_DOMAIN, *history, user("goodbye"), act("utter_goodbye"))

    assert (first.action, first.confidence, first.priority) == ("utter_goodbye", 1.0, 6)
    assert later.action == "utter_goodbye"
    assert after.action == ACTION_LISTEN


def test_a_conversation_start_rule_fires_only_at_the_start() -> None:
    welcome = rule("welcome", user("greet"), act("utter_welcome"), conversation_start=True)
    policy = trained([welcome], MOODBOT_DOMAIN, enable_fallback_prediction=False)

    at_start = predict(policy, MOODBOT_DOMAIN, user("greet"))
    later = predict(policy, MOODBOT_DOMAIN, user("deny"), act("utter_ok"), user("greet"))

    assert at_start.action == "utter_welcome"
    assert later.action is None


def test_contradicting_rules_name_both_sources() -> None:
    one = rule("one", user("greet"), act("utter_greet"), source="data/rules.yml:3")
    two = rule("two", user("greet"), act("utter_hello"), source="data/other.yml:9")

    with pytest.raises(RuleContradictionError) as error:
        trained([one, two], MOODBOT_DOMAIN)

    assert "data/rules.yml:3" in str(error.value)
    assert "data/other.yml:9" in str(error.value)
    assert "'utter_greet'" in str(error.value) and "'utter_hello'" in str(error.value)


def test_a_rule_continuing_without_listening_contradicts_one_that_listens() -> None:
    short = rule("short", user("greet"), act("utter_greet"), source="a.yml:1")
    longer = rule("long", user("greet"), act("utter_greet"), act("utter_ask"), source="b.yml:1")

    with pytest.raises(RuleContradictionError, match=r"a\.yml:1.*b\.yml:1"):
        trained([short, longer], MOODBOT_DOMAIN)
    trained([short, longer], MOODBOT_DOMAIN, check_for_contradictions=False)


def test_rules_have_one_user_turn_unless_unrestricted() -> None:
    two_turns = rule("two", user("greet"), act("utter_greet"), user("deny"), act("utter_goodbye"))

    with pytest.raises(TrainingDataError, match="restrict_rules"):
        trained([two_turns], MOODBOT_DOMAIN)
    policy = trained([two_turns], MOODBOT_DOMAIN, restrict_rules=False)
    history = (user("greet"), act("utter_greet"), user("deny"))
    assert predict(policy, MOODBOT_DOMAIN, *history).action == "utter_goodbye"


def test_the_most_specific_rule_wins() -> None:
    domain = domain_from_yaml(
        "intents: [greet]\nslots:\n  vip: {type: bool, mappings: [{type: custom}]}\n"
    )
    general = rule("general", user("greet"), act("utter_hi"))
    vip = rule("vip", user("greet"), act("utter_welcome_back"), condition=(slot("vip", True),))
    policy = trained([general, vip], domain)

    assert predict(policy, domain, user("greet")).action == "utter_hi"
    assert predict(policy, domain, slot("vip", True), user("greet")).action == "utter_welcome_back"
    assert predict(policy, domain, slot("vip", False), user("greet")).action == "utter_hi"


ASKED = (user("request_restaurant"), act("restaurant_form"), loop("restaurant_form"))


def test_an_active_loop_runs_after_the_user_spoke_and_then_listens(formbot: RulePolicy) -> None:
    answered = predict(formbot, FORMBOT_DOMAIN, *ASKED, user("inform", "cuisine"))
    after_loop = predict(formbot, FORMBOT_DOMAIN, *ASKED, user("inform"), act("restaurant_form"))

    assert answered.action == "restaurant_form"
    assert answered.events == ()
    assert after_loop.action == ACTION_LISTEN


def test_after_the_loop_rejects_an_interruption_rule_answers_then_the_loop_resumes(
    formbot: RulePolicy,
) -> None:
    chitchat = tracker_of(FORMBOT_DOMAIN, *ASKED, user("chitchat"))
    rejected = chitchat.appended(ActionExecutionRejected(name="restaurant_form"))

    answer = formbot.predict(rejected, FORMBOT_DOMAIN)
    resumed = formbot.predict(
        rejected.appended(ActionExecuted(name="utter_chitchat")), FORMBOT_DOMAIN
    )

    assert formbot.predict(chitchat, FORMBOT_DOMAIN).action == "restaurant_form"
    assert answer.action == "utter_chitchat"
    assert resumed.action == "restaurant_form"


def test_a_story_can_keep_the_loop_waiting_after_an_interruption(formbot: RulePolicy) -> None:
    stopped = tracker_of(FORMBOT_DOMAIN, *ASKED, user("stop"))
    stopped = stopped.appended(ActionExecutionRejected(name="restaurant_form"))
    asked = stopped.appended(ActionExecuted(name="utter_ask_continue"))

    assert formbot.predict(stopped, FORMBOT_DOMAIN).action != "restaurant_form"
    assert formbot.predict(asked, FORMBOT_DOMAIN).action != "restaurant_form"


def test_returning_to_the_loop_from_an_unhappy_path_marks_it_interrupted(
    formbot: RulePolicy,
) -> None:
    steps = (*ASKED, user("stop"), act("utter_ask_continue"), user("affirm"))

    prediction = predict(formbot, FORMBOT_DOMAIN, *steps)

    assert prediction.action == "restaurant_form"
    (event,) = prediction.events
    assert isinstance(event, LoopInterrupted) and event.is_interrupted


def test_a_loop_rejected_this_turn_is_not_predicted_again(formbot: RulePolicy) -> None:
    rejected = tracker_of(FORMBOT_DOMAIN, *ASKED, user("deny"))
    rejected = rejected.appended(ActionExecutionRejected(name="restaurant_form"))

    assert formbot.predict(rejected, FORMBOT_DOMAIN).action != "restaurant_form"


@pytest.mark.parametrize(
    ("responses", "intent", "answer"),
    [
        ({"utter_unclear_answer", "utter_out_of_scope"}, "inform", "utter_unclear_answer"),
        ({"utter_unclear_answer", "utter_out_of_scope"}, "shipping", "utter_out_of_scope"),
        ({"utter_out_of_scope"}, "inform", "utter_out_of_scope"),
    ],
    ids=["unusable-answer", "side-question", "no-unclear-response"],
)
def test_an_answer_the_form_could_not_use_is_told_as_such_then_asked_again(
    formbot: RulePolicy, responses: set[str], intent: str, answer: str
) -> None:
    """ "It stopped working" typed when a number is asked is no question to decline as out of
    scope; a bot without ``utter_unclear_answer`` (any Rasa bot) keeps the old answer."""
    extra = "\n".join(f"  {name}: [{{text: '{name}'}}]" for name in sorted(responses))
    added = f"intents: [shipping]\nresponses:\n{extra}\n"
    domain = FORMBOT_DOMAIN.merged(domain_from_yaml(added))
    rejected = tracker_of(domain, *ASKED, user(intent))
    rejected = rejected.appended(ActionExecutionRejected(name="restaurant_form"))

    told = formbot.predict(rejected, domain)
    asked_again = formbot.predict(rejected.appended(ActionExecuted(name=told.action)), domain)

    assert told.action == answer
    assert asked_again.action == "restaurant_form"


def test_a_finished_form_continues_with_the_submit_rule(formbot: RulePolicy) -> None:
    done = (*ASKED, user("inform"), act("restaurant_form"), loop(None))

    assert predict(formbot, FORMBOT_DOMAIN, *done).action == "utter_submit"


@pytest.mark.parametrize(
    ("intent", "action"),
    [
        ("restart", "action_restart"),
        ("back", "action_back"),
        ("session_start", "action_session_start"),
        ("nlu_fallback", "action_default_fallback"),
    ],
    ids=["restart", "back", "session_start", "nlu_fallback"],
)
def test_default_intents(moodbot: RulePolicy, intent: str, action: str) -> None:
    prediction = predict(moodbot, MOODBOT_DOMAIN, user("greet"), act("utter_greet"), user(intent))

    assert (prediction.action, prediction.confidence) == (action, 1.0)


def test_restart_interrupts_an_active_loop(formbot: RulePolicy) -> None:
    assert predict(formbot, FORMBOT_DOMAIN, *ASKED, user("restart")).action == "action_restart"


def test_an_nlu_fallback_rule_overrides_the_default() -> None:
    fallback = rule("fallback", user("nlu_fallback"), act("utter_please_rephrase"))
    policy = trained([fallback], MOODBOT_DOMAIN)

    assert predict(policy, MOODBOT_DOMAIN, user("nlu_fallback")).action == "utter_please_rephrase"


def test_without_a_rule_it_votes_for_the_core_fallback_at_the_threshold(
    moodbot: RulePolicy,
) -> None:
    custom = trained(MOODBOT_RULES, MOODBOT_DOMAIN, core_fallback_threshold=0.4,
                     core_fallback_action_name="action_my_fallback")  # fmt: skip
    silent = trained(MOODBOT_RULES, MOODBOT_DOMAIN, enable_fallback_prediction=False)

    default = predict(moodbot, MOODBOT_DOMAIN, user("mood_great"))
    configured = predict(custom, MOODBOT_DOMAIN, user("mood_great"))

    assert (default.action, default.confidence) == ("action_default_fallback", 0.3)
    assert (configured.action, configured.confidence) == ("action_my_fallback", 0.4)
    assert predict(silent, MOODBOT_DOMAIN, user("mood_great")).action is None


def test_a_fresh_conversation_listens(moodbot: RulePolicy) -> None:
    fresh = Tracker(tracker_of(MOODBOT_DOMAIN, user("greet")).conversation_id)

    assert moodbot.predict(fresh, MOODBOT_DOMAIN).action == ACTION_LISTEN


def test_options_are_validated_and_rasa_only_options_ignored() -> None:
    with pytest.raises(PolicyConfigError, match=r"RulePolicy.*unknown option 'threshold'"):
        RulePolicy.from_config({"name": "RulePolicy", "threshold": 0.2})
    with pytest.raises(PolicyConfigError, match="core_fallback_threshold"):
        RulePolicy.from_config({"name": "RulePolicy", "core_fallback_threshold": "high"})

    policy = RulePolicy.from_config({"name": "RulePolicy", "use_nlu_confidence_as_score": True})
    assert policy.priority == 6
