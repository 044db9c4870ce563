"""Forms that recover, through the real turn loop: side questions, exits, a retry limit.

A small support bot (real NLU pipeline, real rule and memoization policies, the
real form action and templates) whose ticket form asks for an email address
(free text, checked by the project's validator) and a description. It has rules
only for the happy path, a greeting and out-of-scope messages: everything else
below is the forms' default behaviour.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from actions import ActionResolver
from actions.builtins import bot_event
from actions.errors import ActionNotFound
from actions.form_recovery import not_an_answer
from actions.interfaces import ActionContext
from dialogue.events import ActiveLoop, Event, SlotSet
from dialogue.locks import InMemoryLockStore
from dialogue.stores import InMemoryTrackerStore
from dialogue.tracker import ConversationId, Tracker
from nlg import TemplateNLG
from nlg.interfaces import BotMessage
from parley.agent import BotAgent
from parley.interfaces import UserMessage
from parley.model import TrainedModel
from tests.actions.builders import conversation, domain_from, listen, ran, slot, user
from tests.parley.bots import train_bot, write_bot

ASK_EMAIL = "Which email address can we reach you at?"
ASK_PROBLEM = "What is the problem?"
BAD_EMAIL = "That doesn't look like an email address. Could you type it again?"
OUT_OF_SCOPE = "Sorry, I can only help with support tickets."
HOURS = "We are open 9 to 5."
STOPPED = "Okay, I've stopped. Nothing was changed."
ASK_EXIT = "Shall I stop here? What you've told me for this will be discarded."
GOODBYE = "Bye!"

SUPPORT_BOT = {
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
        policies:
          - name: MemoizationPolicy
          - name: RulePolicy
    """,
    "domain.yml": """
        version: "3.1"
        intents: [greet, goodbye, open_ticket, inform, affirm, deny, stop, opening_hours,
                  out_of_scope, human_handoff]
        slots:
          email:
            type: text
            mappings:
              - type: from_text
                conditions: [{active_loop: ticket_form, requested_slot: email}]
          problem:
            type: text
            mappings:
              - type: from_text
                conditions: [{active_loop: ticket_form, requested_slot: problem}]
        forms:
          ticket_form:
            required_slots: [email, problem]
        actions: [validate_ticket_form]
        responses:
          utter_greet:
            - text: "Hello!"
          utter_goodbye:
            - text: "Bye!"
          utter_ask_email:
            - text: "Which email address can we reach you at?"
          utter_ask_problem:
            - text: "What is the problem?"
          utter_opening_hours:
            - text: "We are open 9 to 5."
          utter_out_of_scope:
            - text: "Sorry, I can only help with support tickets."
          utter_ticket_opened:
            - text: "Ticket opened for {email}."
    """,
    "data/nlu.yml": """
        version: "3.1"
        nlu:
          - intent: greet
            examples: |
              - hi
              - hello
              - hey there
              - good morning
          - intent: goodbye
            examples: |
              - bye
              - goodbye
              - see you later
              - thank you, goodbye
          - intent: open_ticket
            examples: |
              - open a ticket
              - i want to report a problem
              - my order arrived broken
              - i need support
          - intent: inform
            examples: |
              - jane@example.com
              - my email is bob@example.org
              - the zipper of my tent broke
              - the boots are too small
              - it is ann@mail.com
          - intent: affirm
            examples: |
              - yes
              - yes please
              - sure
              - ok
          - intent: deny
            examples: |
              - no
              - nope
              - no thanks
          - intent: stop
            examples: |
              - stop
              - cancel
              - forget it
              - never mind
              - i changed my mind
              - quit
          - intent: human_handoff
            examples: |
              - talk to a person
              - i want a human
              - get me an agent
          - intent: opening_hours
            examples: |
              - when are you open
              - what are your opening hours
              - are you open on sunday
          - intent: out_of_scope
            examples: |
              - what is the meaning of life
              - do you sell kayaks
              - tell me a joke
              - what's the weather like
    """,
    "data/rules.yml": """
        version: "3.1"
        rules:
          - rule: greet
            steps:
              - intent: greet
              - action: utter_greet
          - rule: goodbye
            steps:
              - intent: goodbye
              - action: utter_goodbye
          - rule: out of scope
            steps:
              - intent: out_of_scope
              - action: utter_out_of_scope
          - rule: open a ticket
            steps:
              - intent: open_ticket
              - action: ticket_form
              - active_loop: ticket_form
          - rule: submit the ticket
            condition:
              - active_loop: ticket_form
            steps:
              - action: ticket_form
              - active_loop: null
              - slot_was_set:
                  - requested_slot: null
              - action: utter_ticket_opened
    """,
}


class TicketValidator:
    """The project's ``validate_ticket_form``: an email address needs an ``@``."""

    def knows(self, action_name: str) -> bool:
        return action_name == "validate_ticket_form"

    async def close(self) -> None:
        return None

    async def run(self, action_name: str, context: ActionContext) -> Sequence[Event]:
        if not self.knows(action_name):
            raise ActionNotFound(action_name, "only the ticket form is validated")
        email = context.tracker.slots.get("email")
        if email is None or "@" in str(email):
            return []
        return [bot_event(BotMessage(text=BAD_EMAIL)), SlotSet(name="email", value=None)]


@pytest.fixture(scope="module")
def support_model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    return train_bot(write_bot(tmp_path_factory.mktemp("support"), SUPPORT_BOT))[1]


@pytest.fixture
async def agent(support_model: TrainedModel) -> AsyncIterator[BotAgent]:
    bot = BotAgent(
        domain=support_model.domain,
        interpreter=support_model.interpreter,
        policy=support_model.policy,
        nlg=TemplateNLG(support_model.domain.responses),
        actions=ActionResolver(support_model.domain, TicketValidator()),
        store=InMemoryTrackerStore(),
        locks=InMemoryLockStore(),
    )
    yield bot
    await bot.close()


class Chat:
    def __init__(self, agent: BotAgent) -> None:
        self.agent, self.sender = agent, ConversationId("customer")

    async def user(self, text: str) -> list[str]:
        replies = await self.agent.handle_message(UserMessage(text=text, sender_id=self.sender))
        return [m.text or "" for m in replies]

    async def tracker(self) -> Tracker:
        return await self.agent.tracker(self.sender)


async def test_the_happy_path_still_opens_the_ticket(agent: BotAgent) -> None:
    chat = Chat(agent)
    assert await chat.user("open a ticket") == [ASK_EMAIL]
    assert await chat.user("jane@example.com") == [ASK_PROBLEM]
    assert await chat.user("the zipper of my tent broke") == ["Ticket opened for jane@example.com."]


@pytest.mark.parametrize(
    ("question", "answer"),
    [("what is the meaning of life", OUT_OF_SCOPE), ("when are you open", HOURS)],
    ids=["out-of-scope", "intent-with-its-own-response"],
)
async def test_a_side_question_is_answered_not_taken_as_the_email(
    agent: BotAgent, question: str, answer: str
) -> None:
    chat = Chat(agent)
    await chat.user("open a ticket")

    assert await chat.user(question) == [answer, ASK_EMAIL]
    assert (await chat.tracker()).slots["email"] is None
    assert await chat.user("jane@example.com") == [ASK_PROBLEM]


async def test_stop_before_anything_was_given_ends_the_form_at_once(agent: BotAgent) -> None:
    chat = Chat(agent)
    await chat.user("open a ticket")

    assert await chat.user("forget it") == [STOPPED]
    state = (await chat.tracker()).state
    assert state.active_loop is None
    assert state.slots["requested_slot"] is None
    assert await chat.user("hello") == ["Hello!"]


@pytest.mark.parametrize("phrase", ["stop", "cancel", "never mind", "i changed my mind"])
async def test_stop_after_an_answer_asks_first_and_yes_discards_it(
    agent: BotAgent, phrase: str
) -> None:
    chat = Chat(agent)
    await chat.user("open a ticket")
    await chat.user("jane@example.com")

    assert await chat.user(phrase) == [ASK_EXIT]
    assert await chat.user("yes") == [STOPPED]
    state = (await chat.tracker()).state
    assert state.active_loop is None
    assert state.slots["email"] is None


async def test_no_to_the_stop_question_goes_on_with_the_form(agent: BotAgent) -> None:
    chat = Chat(agent)
    await chat.user("open a ticket")
    await chat.user("jane@example.com")
    await chat.user("stop")

    assert await chat.user("no") == [ASK_PROBLEM]
    assert await chat.user("the boots are too small") == ["Ticket opened for jane@example.com."]


async def test_goodbye_inside_the_form_says_goodbye_and_does_not_ask_again(
    agent: BotAgent,
) -> None:
    chat = Chat(agent)
    await chat.user("open a ticket")

    assert await chat.user("thank you, goodbye") == [GOODBYE]
    assert (await chat.tracker()).state.active_loop is None


async def test_asking_for_a_person_leaves_the_form(agent: BotAgent) -> None:
    chat = Chat(agent)
    await chat.user("open a ticket")
    await chat.user("jane@example.com")

    assert await chat.user("talk to a person") == [STOPPED]
    assert (await chat.tracker()).state.active_loop is None


async def test_a_refused_value_is_asked_for_once_not_twice(agent: BotAgent) -> None:
    chat = Chat(agent)
    await chat.user("open a ticket")

    assert await chat.user("jane at example dot com") == [BAD_EMAIL]


async def test_after_two_refused_values_the_form_offers_a_way_out(agent: BotAgent) -> None:
    chat = Chat(agent)
    await chat.user("open a ticket")
    await chat.user("jane at example dot com")

    second = await chat.user("jane example com")
    assert second[0] == BAD_EMAIL
    assert "say stop" in second[1] and "talk to a person" in second[1]
    assert len(second) == 2
    tracker = await chat.tracker()
    buttons = tracker.state.latest_bot_message.data["buttons"]  # type: ignore[union-attr]
    assert [b["payload"] for b in buttons] == ["/stop", "/human_handoff"]
    assert await chat.user("stop") == [STOPPED]


async def test_a_good_value_after_a_refusal_resets_the_count(agent: BotAgent) -> None:
    chat = Chat(agent)
    await chat.user("open a ticket")
    await chat.user("jane at example dot com")
    assert await chat.user("jane@example.com") == [ASK_PROBLEM]
    assert (await chat.tracker()).slots["email"] == "jane@example.com"


async def test_repeating_the_request_asks_the_question_again(agent: BotAgent) -> None:
    chat = Chat(agent)
    await chat.user("open a ticket")

    assert await chat.user("i need support") == [ASK_EMAIL]
    assert (await chat.tracker()).state.active_loop == "ticket_form"


REASON_BOT = domain_from(
    """
    intents: [inform, opening_hours]
    slots:
      reason:
        type: text
        mappings:
        - type: from_text
          conditions:
          - active_loop: return_form
            requested_slot: reason
    forms:
      return_form:
        required_slots: [reason]
    """
)


@pytest.mark.parametrize(
    ("intent", "text", "answers"),
    [
        ("nlu_fallback", "stopped working", True),
        ("inform", "too small", True),
        ("nlu_fallback", "do you have a store in Berlin?", False),
        ("opening_hours", "when are you open", False),
    ],
    ids=["unsure-statement", "answer-intent", "unsure-question", "side-question"],
)
def test_a_message_the_nlu_cannot_place_answers_a_free_text_question_unless_it_asks(
    intent: str, text: str, answers: bool
) -> None:
    """Asked "why are you returning it?", "stopped working" (``nlu_fallback``: it matches no
    intent well) is the reason; a question is still a side question, its text taken back."""
    tracker = conversation(
        REASON_BOT,
        ran("return_form"),
        ActiveLoop(name="return_form"),
        slot("requested_slot", "reason"),
        listen(),
        user(intent, text=text),
        slot("reason", text),
    )
    rejected = not_an_answer(REASON_BOT.forms["return_form"], REASON_BOT, tracker, "return_form")

    assert (rejected is None) == answers
    if not answers:
        assert rejected is not None
        assert [(e.name, e.value) for e in rejected if isinstance(e, SlotSet)] == [("reason", None)]
