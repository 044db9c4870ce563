"""Two Rasa example projects as Python objects: the moodbot and the formbot.

Stories, rules and test stories are written out step by step, as the story
reader would produce them (``/work/shared/rasa-bots``: ``initial-project`` and
``formbot``); domains come from the projects' ``domain.yml`` (trimmed).
"""

from __future__ import annotations

from typing import Any

import yaml

from dialogue.domain import Domain, normalise_domain
from dialogue.events import ACTION_LISTEN, ActionExecuted, Event
from dialogue.policies import generate_conversations
from dialogue.stories import ActionStep, ActiveLoopStep, SlotStep, Step, Story, UserStep
from dialogue.tracker import ConversationId, Tracker
from nlu.interfaces import Entity


def user(intent: str, *entities: str, text: str | None = None) -> UserStep:
    return UserStep(intent=intent, entities=tuple(Entity(e, "x") for e in entities), text=text)


def act(name: str) -> ActionStep:
    return ActionStep(name=name)


def loop(name: str | None) -> ActiveLoopStep:
    return ActiveLoopStep(name=name)


def slot(name: str, value: Any) -> SlotStep:
    return SlotStep(name=name, value=value)


def story(name: str, *steps: Step, source: str = "data/stories.yml:1") -> Story:
    return Story(name=name, kind="story", steps=steps, source=source)


def rule(name: str, *steps: Step, source: str = "data/rules.yml:1", **options: Any) -> Story:
    return Story(name=name, kind="rule", steps=steps, source=source, **options)


def tested(name: str, *steps: Step) -> Story:
    return Story(name=name, kind="test", steps=steps, source="tests/test_stories.yml:1")


def events_of(story_or_rule: Story) -> tuple[Event, ...]:
    (conversation,) = generate_conversations([story_or_rule])
    return conversation.events


def domain_from_yaml(text: str) -> Domain:
    return Domain.model_validate(normalise_domain(yaml.safe_load(text)))


MOODBOT_DOMAIN = domain_from_yaml(
    """
intents: [greet, goodbye, affirm, deny, mood_great, mood_unhappy, bot_challenge]
responses:
  utter_greet: [{text: "Hey! How are you?"}]
  utter_cheer_up: [{text: "Here is something to cheer you up:"}]
  utter_did_that_help: [{text: "Did that help you?"}]
  utter_happy: [{text: "Great, carry on!"}]
  utter_goodbye: [{text: "Bye"}]
  utter_iamabot: [{text: "I am a bot, powered by Rasa."}]
"""
)

MOODBOT_STORIES = (
    story(
        "happy path",
        user("greet"), act("utter_greet"), user("mood_great"), act("utter_happy"),
        source="data/stories.yml:5",
    ),
    story(
        "sad path 1",
        user("greet"), act("utter_greet"), user("mood_unhappy"), act("utter_cheer_up"),
        act("utter_did_that_help"), user("affirm"), act("utter_happy"),
        source="data/stories.yml:12",
    ),
    story(
        "sad path 2",
        user("greet"), act("utter_greet"), user("mood_unhappy"), act("utter_cheer_up"),
        act("utter_did_that_help"), user("deny"), act("utter_goodbye"),
        source="data/stories.yml:22",
    ),
)  # fmt: skip

MOODBOT_RULES = (
    rule(
        "Say goodbye anytime the user says goodbye",
        user("goodbye"), act("utter_goodbye"),
        source="data/rules.yml:5",
    ),
    rule(
        "Say 'I am a bot' anytime the user challenges",
        user("bot_challenge"), act("utter_iamabot"),
        source="data/rules.yml:10",
    ),
)  # fmt: skip

MOODBOT_TEST_STORIES = (
    tested(
        "happy path 1",
        user("greet"), act("utter_greet"), user("mood_great"), act("utter_happy"),
    ),
    tested(
        "happy path 2",
        user("greet"), act("utter_greet"), user("mood_great"), act("utter_happy"),
        user("goodbye"), act("utter_goodbye"),
    ),
    tested(
        "sad path 1",
        user("greet"), act("utter_greet"), user("mood_unhappy"), act("utter_cheer_up"),
        act("utter_did_that_help"), user("affirm"), act("utter_happy"),
    ),
    tested(
        "sad path 2",
        user("greet"), act("utter_greet"), user("mood_unhappy"), act("utter_cheer_up"),
        act("utter_did_that_help"), user("deny"), act("utter_goodbye"),
    ),
    tested(
        "sad path 3",
        user("greet"), act("utter_greet"), user("mood_unhappy"), act("utter_cheer_up"),
        act("utter_did_that_help"), user("deny"), act("utter_goodbye"),
    ),
    tested("say goodbye", user("goodbye"), act("utter_goodbye")),
    tested("bot challenge", user("bot_challenge"), act("utter_iamabot")),
)  # fmt: skip

FORMBOT_DOMAIN = domain_from_yaml(
    """
intents:
  - request_restaurant: {use_entities: []}
  - chitchat: {use_entities: []}
  - inform
  - affirm
  - deny
  - stop
  - thankyou
  - greet
  - bot_challenge
entities: [cuisine, number, feedback, seating]
slots:
  cuisine:
    type: text
    influence_conversation: false
    mappings: [{type: from_entity, entity: cuisine}]
  num_people:
    type: float
    influence_conversation: false
    mappings: [{type: from_entity, entity: number}]
responses:
  utter_ask_cuisine: [{text: "What cuisine?"}]
  utter_ask_num_people: [{text: "How many people?"}]
  utter_submit: [{text: "All done!"}]
  utter_slots_values: [{text: "Parameters"}]
  utter_noworries: [{text: "You are welcome :)"}]
  utter_chitchat: [{text: "chitchat"}]
  utter_ask_continue: [{text: "Do you want to continue?"}]
  utter_greet: [{text: "Hello!"}]
  utter_iamabot: [{text: "I am a bot."}]
actions: [validate_restaurant_form]
forms:
  restaurant_form:
    ignored_intents: [chitchat]
    required_slots: [cuisine, num_people]
"""
)

FORMBOT_POLICIES = (
    {"name": "TEDPolicy", "epochs": 1},
    {"name": "AugmentedMemoizationPolicy"},
    {"name": "RulePolicy"},
)

FORMBOT_STORIES = (
    story(
        "stop form + continue",
        user("request_restaurant"), act("restaurant_form"), loop("restaurant_form"),
        user("stop"), act("utter_ask_continue"), user("affirm"), act("restaurant_form"),
        loop(None), act("utter_submit"), act("utter_slots_values"),
        source="data/stories.yml:3",
    ),
    story(
        "stop form + stop",
        user("request_restaurant"), act("restaurant_form"), loop("restaurant_form"),
        user("stop"), act("utter_ask_continue"), user("deny"), act("action_deactivate_loop"),
        loop(None),
        source="data/stories.yml:17",
    ),
)  # fmt: skip

FORMBOT_RULES = (
    rule("Greet user", user("greet"), act("utter_greet"), source="data/rules.yml:3"),
    rule("Thank you", user("thankyou"), act("utter_noworries"), source="data/rules.yml:8"),
    rule("Bot challenge", user("bot_challenge"), act("utter_iamabot"), source="data/rules.yml:13"),
    rule("Chitchat", user("chitchat"), act("utter_chitchat"), source="data/rules.yml:18"),
    rule(
        "activate restaurant form",
        user("request_restaurant"), act("restaurant_form"), loop("restaurant_form"),
        source="data/rules.yml:23",
    ),
    rule(
        "submit form",
        act("restaurant_form"), loop(None), act("utter_submit"), act("utter_slots_values"),
        condition=(loop("restaurant_form"),),
        source="data/rules.yml:30",
    ),
)  # fmt: skip

FORMBOT_TEST_STORIES = (
    tested(
        "Happy path",
        user("greet"), act("utter_greet"), user("request_restaurant"), act("restaurant_form"),
        loop("restaurant_form"), loop(None), act("utter_submit"), act("utter_slots_values"),
        user("thankyou"), act("utter_noworries"),
    ),
    tested(
        "Happy path with message providing requested value",
        user("greet"), act("utter_greet"), user("request_restaurant"), act("restaurant_form"),
        loop("restaurant_form"), user("inform", "cuisine"), act("restaurant_form"), loop(None),
        act("utter_submit"), act("utter_slots_values"), user("thankyou"), act("utter_noworries"),
    ),
    tested(
        "unhappy path",
        user("greet"), act("utter_greet"), user("request_restaurant"), act("restaurant_form"),
        loop("restaurant_form"), user("chitchat"), act("utter_chitchat"), act("restaurant_form"),
        loop(None), act("utter_submit"), act("utter_slots_values"), user("thankyou"),
        act("utter_noworries"),
    ),
)  # fmt: skip


def tracker_of(domain: Domain, *steps: Step) -> Tracker:
    """The conversation ``steps`` describe, waiting for the next prediction."""
    events = list(events_of(Story(name="now", kind="test", steps=steps)))
    added_listen = not (isinstance(steps[-1], ActionStep) and steps[-1].name == ACTION_LISTEN)
    if added_listen and isinstance(events[-1], ActionExecuted) and events[-1].name == ACTION_LISTEN:
        events.pop()
    return Tracker(ConversationId("test"), tuple(events), domain.initial_slots)
