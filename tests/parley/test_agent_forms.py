"""A form conversation through the real turn loop: activate, ask, get interrupted, resume, submit.

The bot is trained with the real NLU pipeline and policies from the rules Rasa's
documentation gives for forms: an activation rule, a submit rule conditioned on
the active form, and an "unhappy path" rule that answers chitchat inside the form
and then returns to it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from actions import ActionResolver, NoCustomActions
from dialogue.events import ActionExecuted, ActiveLoop, BotUttered
from dialogue.locks import InMemoryLockStore
from dialogue.stores import InMemoryTrackerStore
from dialogue.tracker import ConversationId, Tracker
from nlg import TemplateNLG
from parley.agent import BotAgent
from parley.interfaces import UserMessage
from parley.model import TrainedModel
from tests.parley.bots import train_bot, write_bot

ASK_CITY = "Which city?"
ASK_PEOPLE = "For how many people?"
CHITCHAT = "I'm a booking bot, happy to chat."
FALLBACK = "Sorry, I didn't get that. Could you rephrase?"

BOOKING_BOT = {
    "config.yml": """
        recipe: default.v1
        language: en
        pipeline:
          - name: WhitespaceTokenizer
          - name: CountVectorsFeaturizer
          - name: CountVectorsFeaturizer
            analyzer: char_wb
            min_ngram: 1
            max_ngram: 4
          - name: LogisticRegressionClassifier
          - name: RegexEntityExtractor
        policies:
          - name: MemoizationPolicy
          - name: RulePolicy
    """,
    "domain.yml": """
        version: "3.1"
        intents: [greet, book, inform, chitchat]
        entities: [city, number]
        slots:
          city:
            type: text
            mappings:
              - type: from_entity
                entity: city
          people:
            type: text
            mappings:
              - type: from_entity
                entity: number
        forms:
          booking_form:
            required_slots:
              - city
              - people
        responses:
          utter_greet:
            - text: "Hello! I can book a table."
          utter_ask_city:
            - text: "Which city?"
          utter_ask_people:
            - text: "For how many people?"
          utter_booked:
            - text: "Booked a table in {city} for {people}."
          utter_chitchat:
            - text: "I'm a booking bot, happy to chat."
    """,
    "data/nlu.yml": """
        version: "3.1"
        nlu:
          - intent: greet
            examples: |
              - hi
              - hello
              - hey
              - hey there
              - good morning
              - good evening
              - hello bot
              - hi there
              - howdy
              - greetings
          - intent: book
            examples: |
              - book a table
              - i want to book a table
              - can you book a table for me
              - reserve a table
              - make a reservation
              - i need a reservation
              - book me a table please
              - i would like to reserve a table
              - table reservation
              - get me a table
              - book a table in [London](city)
              - reserve a table for [2](number)
          - intent: inform
            examples: |
              - in [Paris](city)
              - [London](city)
              - [Berlin](city) please
              - in [Rome](city)
              - [Madrid](city)
              - we are [4](number)
              - [2](number)
              - [6](number) people
              - for [3](number)
              - [10](number) of us
              - [Paris](city) for [2](number)
              - i am not sure yet
              - whatever you like
          - intent: chitchat
            examples: |
              - how are you
              - what is the weather like
              - tell me a joke
              - are you a bot
              - what is your name
              - how old are you
              - do you like music
              - who made you
              - what's up
              - are you human
          - lookup: city
            examples: |
              - Paris
              - London
              - Berlin
              - Rome
              - Madrid
              - Lisbon
          - regex: number
            examples: |
              - \\b\\d+\\b
    """,
    "data/rules.yml": """
        version: "3.1"
        rules:
          - rule: greet
            steps:
              - intent: greet
              - action: utter_greet
          - rule: activate the booking form
            steps:
              - intent: book
              - action: booking_form
              - active_loop: booking_form
          - rule: submit the booking form
            condition:
              - active_loop: booking_form
            steps:
              - action: booking_form
              - active_loop: null
              - slot_was_set:
                  - requested_slot: null
              - action: utter_booked
          - rule: chitchat inside the booking form
            condition:
              - active_loop: booking_form
            steps:
              - intent: chitchat
              - action: utter_chitchat
              - action: booking_form
              - active_loop: booking_form
    """,
}


@pytest.fixture(scope="module")
def booking_model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    return train_bot(write_bot(tmp_path_factory.mktemp("booking"), BOOKING_BOT))[1]


@pytest.fixture
async def agent(booking_model: TrainedModel) -> AsyncIterator[BotAgent]:
    bot = BotAgent(
        domain=booking_model.domain,
        interpreter=booking_model.interpreter,
        policy=booking_model.policy,
        nlg=TemplateNLG(booking_model.domain.responses),
        actions=ActionResolver(booking_model.domain, NoCustomActions()),
        store=InMemoryTrackerStore(),
        locks=InMemoryLockStore(),
        model_id=booking_model.model_id,
    )
    yield bot
    await bot.close()


class Chat:
    """One user talking to the booking bot; reads like the conversation it tests."""

    def __init__(self, agent: BotAgent, sender: str = "guest") -> None:
        self.agent, self.sender = agent, ConversationId(sender)

    async def user(self, text: str) -> list[str]:
        replies = await self.agent.handle_message(UserMessage(text=text, sender_id=self.sender))
        return [m.text or "" for m in replies]

    async def tracker(self) -> Tracker:
        return await self.agent.tracker(self.sender)


async def test_the_form_asks_for_each_slot_in_turn_and_then_submits(agent: BotAgent) -> None:
    chat = Chat(agent)
    assert await chat.user("book a table") == [ASK_CITY]
    assert (await chat.tracker()).state.active_loop == "booking_form"
    assert await chat.user("in Paris") == [ASK_PEOPLE]
    assert await chat.user("4") == ["Booked a table in Paris for 4."]

    state = (await chat.tracker()).state
    assert state.slots["city"] == "Paris"
    assert state.slots["people"] == "4"
    assert state.slots["requested_slot"] is None
    assert state.active_loop is None
    assert state.latest_action == "action_listen"


async def test_the_form_records_activation_and_deactivation_as_events(agent: BotAgent) -> None:
    chat = Chat(agent)
    for text in ("book a table", "in Paris", "4"):
        await chat.user(text)
    events = (await chat.tracker()).events
    loops = [e.name for e in events if isinstance(e, ActiveLoop)]
    assert loops == ["booking_form", None]
    actions = [e.name for e in events if isinstance(e, ActionExecuted)]
    assert actions[-3:] == ["booking_form", "utter_booked", "action_listen"]


async def test_a_slot_given_with_the_request_is_not_asked_for(agent: BotAgent) -> None:
    chat = Chat(agent)
    assert await chat.user("book a table in London") == [ASK_PEOPLE]
    assert await chat.user("2") == ["Booked a table in London for 2."]


async def test_chitchat_inside_the_form_is_answered_and_the_same_question_asked_again(
    agent: BotAgent,
) -> None:
    chat = Chat(agent)
    assert await chat.user("book a table") == [ASK_CITY]
    assert await chat.user("in Paris") == [ASK_PEOPLE]
    assert await chat.user("tell me a joke") == [CHITCHAT, ASK_PEOPLE]
    assert (await chat.tracker()).state.active_loop == "booking_form"
    assert await chat.user("6") == ["Booked a table in Paris for 6."]
    assert (await chat.tracker()).state.active_loop is None


async def test_chitchat_before_the_first_answer_re_asks_the_first_question(
    agent: BotAgent,
) -> None:
    chat = Chat(agent)
    assert await chat.user("book a table") == [ASK_CITY]
    assert await chat.user("are you a bot") == [CHITCHAT, ASK_CITY]
    assert await chat.user("in Berlin") == [ASK_PEOPLE]
    assert await chat.user("3") == ["Booked a table in Berlin for 3."]


async def test_an_answer_that_fills_nothing_gets_a_reply_and_the_form_goes_on(
    agent: BotAgent,
) -> None:
    chat = Chat(agent)
    assert await chat.user("book a table") == [ASK_CITY]

    replies = await chat.user("i am not sure yet")

    assert replies != [] and all(replies)
    assert await chat.user("in Rome") == [ASK_PEOPLE]
    assert await chat.user("2") == ["Booked a table in Rome for 2."]


async def test_a_misunderstood_answer_leaves_no_trace_in_the_history_the_policies_see(
    agent: BotAgent,
) -> None:
    def actions(tracker: Tracker) -> list[str]:
        return [e.name for e in tracker.applied if isinstance(e, ActionExecuted)]

    confused, clear = Chat(agent, "confused"), Chat(agent, "clear")
    for text in ("book a table", "i am not sure yet", "in Rome", "2"):
        await confused.user(text)
    for text in ("book a table", "in Rome", "2"):
        await clear.user(text)
    assert actions(await confused.tracker()) == actions(await clear.tracker())


async def test_after_the_form_the_conversation_goes_on_normally(agent: BotAgent) -> None:
    chat = Chat(agent)
    for text in ("book a table", "in Paris", "4"):
        await chat.user(text)
    assert await chat.user("hello") == ["Hello! I can book a table."]
    bot_texts = [e.text for e in (await chat.tracker()).events if isinstance(e, BotUttered)]
    assert bot_texts == [
        ASK_CITY,
        ASK_PEOPLE,
        "Booked a table in Paris for 4.",
        "Hello! I can book a table.",
    ]
