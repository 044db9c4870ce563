"""TEDPolicy: a transformer over the dialogue history that generalises beyond its stories."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.policies import POLICIES, PolicyConfigError, PolicyEnsemble, PolicyLoadError
from dialogue.policies.linear import LinearPolicy
from dialogue.policies.ted import TEDPolicy
from dialogue.stories import Step, UserStep
from parley.core_evaluation import held_out_sets, score_stories
from parley.project import Project
from tests.conftest import require_shared
from tests.e2e.conftest import SHARED

from .bots import (
    MOODBOT_DOMAIN,
    MOODBOT_RULES,
    MOODBOT_STORIES,
    act,
    domain_from_yaml,
    loop,
    rule,
    story,
    tracker_of,
    user,
)

RASA_BOTS = SHARED / "rasa-bots"


def ted(**config: object) -> TEDPolicy:
    policy = TEDPolicy.from_config({"name": "TEDPolicy", "epochs": 60, **config})
    policy.train([*MOODBOT_STORIES, *MOODBOT_RULES], MOODBOT_DOMAIN)
    return policy


@pytest.fixture(scope="module")
def moodbot_ted() -> TEDPolicy:
    return ted()


def test_it_is_registered_as_ted_and_reads_teds_options() -> None:
    policy = POLICIES.get("TEDPolicy").from_config(
        {
            "name": "TEDPolicy",
            "epochs": 7,
            "max_history": 3,
            "transformer_size": {"text": 128, "dialogue": 32},
            "constrain_similarities": True,
        }
    )

    assert isinstance(policy, TEDPolicy)
    assert policy.options.epochs == 7
    assert policy.options.window == 3
    with pytest.raises(PolicyConfigError, match="unknown option 'epoch'"):
        TEDPolicy.from_config({"name": "TEDPolicy", "epoch": 3})


def test_a_conversation_opening_with_a_mood_is_not_greeted(moodbot_ted: TEDPolicy) -> None:
    opening = tracker_of(MOODBOT_DOMAIN, user("mood_great"))
    unhappy = tracker_of(MOODBOT_DOMAIN, user("mood_unhappy"))

    assert moodbot_ted.predict(opening, MOODBOT_DOMAIN).action == "utter_happy"
    assert moodbot_ted.predict(unhappy, MOODBOT_DOMAIN).action == "utter_cheer_up"


def test_a_conversation_that_opens_with_an_answer_is_answered_as_the_story_answers(
    moodbot_ted: TEDPolicy,
) -> None:
    """It starts mid-story: "no" to a question asked before it began."""
    opening = tracker_of(MOODBOT_DOMAIN, user("deny"))

    assert moodbot_ted.predict(opening, MOODBOT_DOMAIN).action == "utter_goodbye"


def test_the_linear_policy_greets_the_same_opening() -> None:
    linear = LinearPolicy.from_config({"name": "LinearPolicy"})
    linear.train([*MOODBOT_STORIES, *MOODBOT_RULES], MOODBOT_DOMAIN)

    opening = tracker_of(MOODBOT_DOMAIN, user("mood_great"))
    assert linear.predict(opening, MOODBOT_DOMAIN).action == "utter_greet"


def test_it_learns_its_training_stories(moodbot_ted: TEDPolicy) -> None:
    conversation = tracker_of(
        MOODBOT_DOMAIN,
        user("greet"), act("utter_greet"), user("mood_unhappy"), act("utter_cheer_up"),
    )  # fmt: skip
    prediction = moodbot_ted.predict(conversation, MOODBOT_DOMAIN)
    assert prediction.action == "utter_did_that_help"
    assert 0.5 < prediction.confidence <= 1.0
    assert prediction.policy == "TEDPolicy"


def test_training_is_deterministic_and_survives_persist_and_load(
    moodbot_ted: TEDPolicy, tmp_path: Path
) -> None:
    again = ted()
    moodbot_ted.persist(tmp_path)
    loaded = TEDPolicy.load({"name": "TEDPolicy", "epochs": 60}, tmp_path)

    for steps in [(user("greet"),), (user("greet"), act("utter_greet"), user("mood_unhappy"))]:
        tracker = tracker_of(MOODBOT_DOMAIN, *steps)
        expected = moodbot_ted.predict(tracker, MOODBOT_DOMAIN)
        assert again.predict(tracker, MOODBOT_DOMAIN) == expected
        assert loaded.predict(tracker, MOODBOT_DOMAIN).action == expected.action
        assert loaded.predict(tracker, MOODBOT_DOMAIN).confidence == pytest.approx(
            expected.confidence, abs=1e-5
        )


def test_damaged_weights_name_the_file(moodbot_ted: TEDPolicy, tmp_path: Path) -> None:
    moodbot_ted.persist(tmp_path)
    (tmp_path / "ted_policy.npz").write_bytes(b"not a zip")

    with pytest.raises(PolicyLoadError, match=r"ted_policy\.npz"):
        TEDPolicy.load({"name": "TEDPolicy"}, tmp_path)


def _held_out_accuracy(policy_config: dict[str, object], project: Project) -> float:
    """The policy alone on held-out stories: the bot's test stories and 3 folds of its stories."""
    sets = held_out_sets(project.rules, project.stories, project.test_stories, folds=3)
    checks = []
    for training, held_out in sets:
        policy = PolicyEnsemble.build([policy_config])
        policy.train(training, project.domain)
        checks += [c for s in score_stories(policy, held_out, project.domain) for c in s.checks]
    return sum(c.correct for c in checks) / len(checks)


@pytest.mark.slow
@pytest.mark.parametrize("bot", ["initial-project", "formbot"], ids=["moodbot", "formbot"])
def test_on_held_out_stories_the_transformer_beats_the_linear_policy(bot: str) -> None:
    project = Project.load(require_shared(RASA_BOTS / bot))

    transformer = _held_out_accuracy({"name": "TEDPolicy", "epochs": 100}, project)
    linear = _held_out_accuracy({"name": "LinearPolicy"}, project)

    assert transformer > linear


NAMES_DOMAIN = domain_from_yaml("intents: [tell_name, tell_mood]").model_copy(
    update={"e2e_actions": ("hi joe!", "hi bob!", "I'm glad", "oh dear...")}
)


def names_story(name: str, mood: str, greeting: str, answer: str, *, written: bool) -> object:
    """An end-to-end story, as written (text only) or with its texts' intents understood."""
    name_intent, mood_intent = (None, None) if written else ("tell_name", "tell_mood")
    return story(
        f"{name} {'as written' if written else 'understood'}",
        UserStep(name_intent, text=f"my name is {name}"),
        act(greeting),
        UserStep(mood_intent, text=f"I am feeling {mood}"),
        act(answer),
    )


@pytest.fixture(scope="module")
def e2e_ted() -> TEDPolicy:
    """Trained as a Rasa end-to-end bot configures it: 5 epochs on two stories."""
    policy = TEDPolicy.from_config({"name": "TEDPolicy", "epochs": 5})
    told = (("joe", "happy", "hi joe!", "I'm glad"), ("bob", "sad", "hi bob!", "oh dear..."))
    stories = [names_story(*parts, written=written) for parts in told for written in (True, False)]
    policy.train(stories, NAMES_DOMAIN)  # type: ignore[arg-type]
    return policy


@pytest.mark.parametrize(
    ("name", "greeting"), [("bob", "hi bob!"), ("joe", "hi joe!")], ids=["bob", "joe"]
)
def test_end_to_end_stories_are_told_apart_by_their_words_where_the_intent_is_the_same(
    e2e_ted: TEDPolicy, name: str, greeting: str
) -> None:
    said = tracker_of(NAMES_DOMAIN, user("tell_name", text=f"my name is {name}"))

    assert e2e_ted.predict(said, NAMES_DOMAIN).action == greeting


def test_the_second_turn_of_an_end_to_end_story_gets_its_own_bot_text(
    e2e_ted: TEDPolicy,
) -> None:
    said = tracker_of(
        NAMES_DOMAIN,
        user("tell_name", text="my name is joe"),
        act("hi joe!"),
        user("tell_mood", text="I am feeling happy"),
    )

    assert e2e_ted.predict(said, NAMES_DOMAIN).action == "I'm glad"


def test_only_a_policy_trained_on_end_to_end_text_reads_words(moodbot_ted: TEDPolicy) -> None:
    written = TEDPolicy.from_config({"name": "TEDPolicy", "epochs": 1})
    written.train(
        [names_story("ann", "happy", "hi joe!", "I'm glad", written=True)],  # type: ignore[list-item]
        NAMES_DOMAIN,
    )

    assert written.encoder is not None and written.encoder.reads_text
    assert moodbot_ted.encoder is not None and not moodbot_ted.encoder.reads_text


SHOP_DOMAIN = domain_from_yaml(
    """
intents: [greet, order_status, open_ticket, request_return, inform, deny, opening_hours]
entities: [order_number]
slots:
  order_number:
    type: text
    mappings: [{type: from_entity, entity: order_number}]
responses:
  utter_greet: [{text: "Hello!"}]
  utter_ask_order_number: [{text: "Which order?"}]
  utter_anything_else: [{text: "Anything else?"}]
  utter_no_problem: [{text: "No problem."}]
  utter_opening_hours: [{text: "9 to 5."}]
actions: [action_order_status, action_open_ticket, action_submit_return]
forms:
  order_status_form: {required_slots: [order_number]}
  ticket_form: {required_slots: [order_number]}
  return_form: {required_slots: [order_number]}
"""
)
SHOP_STORIES = (
    story(
        "status after a greeting",
        user("greet"), act("utter_greet"), user("order_status"), act("order_status_form"),
        loop("order_status_form"), user("inform", "order_number"), act("order_status_form"),
        loop(None), act("action_order_status"), act("utter_anything_else"), user("deny"),
        act("utter_no_problem"),
    ),
    story(
        "status straight away",
        user("order_status"), act("order_status_form"), loop("order_status_form"),
        user("inform", "order_number"), act("order_status_form"), loop(None),
        act("action_order_status"), act("utter_anything_else"),
    ),
    story(
        "ticket",
        user("open_ticket"), act("ticket_form"), loop("ticket_form"),
        user("inform", "order_number"), act("ticket_form"), loop(None),
        act("action_open_ticket"), act("utter_anything_else"),
    ),
)  # fmt: skip
SHOP_RULES = (
    rule("return", user("request_return"), act("return_form"), loop("return_form")),
    rule("hours", user("opening_hours"), act("utter_opening_hours")),
)


@pytest.fixture(scope="module")
def shop_ted() -> TEDPolicy:
    """Learns from the stories only: the return form and the opening hours are rules'."""
    policy = TEDPolicy.from_config({"name": "TEDPolicy", "epochs": 60})
    policy.train([*SHOP_STORIES, *SHOP_RULES], SHOP_DOMAIN)
    return policy


def test_a_form_no_story_shows_goes_on_while_it_is_active(shop_ted: TEDPolicy) -> None:
    asked = tracker_of(SHOP_DOMAIN, user("request_return"), act("return_form"), loop("return_form"))
    answered = tracker_of(
        SHOP_DOMAIN,
        user("request_return"), act("return_form"), loop("return_form"),
        user("inform", "order_number"),
    )  # fmt: skip

    assert shop_ted.predict(asked, SHOP_DOMAIN).action == "action_listen"
    assert shop_ted.predict(answered, SHOP_DOMAIN).action == "return_form"


@pytest.mark.parametrize(
    "steps",
    [(user("opening_hours"),), (user("greet"), act("utter_greet"), user("opening_hours"))],
    ids=["opening", "after a greeting"],
)
def test_an_intent_no_story_shows_gets_the_response_named_after_it(
    shop_ted: TEDPolicy, steps: tuple[Step, ...]
) -> None:
    said = tracker_of(SHOP_DOMAIN, *steps)

    assert shop_ted.predict(said, SHOP_DOMAIN).action == "utter_opening_hours"
