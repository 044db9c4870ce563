"""The unhappy paths of a form: side questions, exits, repeated failures (``FormRecovery``).

The form itself (:mod:`actions.forms`) asks these helpers, right after the user
spoke, whether the message is an answer at all:

* an exit or hand-off intent, or (with ``side_questions``) an intent that is not
  an answer intent and filled slots only as free text, is *not* an answer (but an
  ``nlu_fallback`` message that asks nothing is: the NLU not knowing what it is
  says more about a free-text answer than about a side question): the
  free-text values are taken back and the form rejects its execution, so that
  rules and stories answer the message; ``RulePolicy`` then brings the form back
  (side questions) or runs ``action_form_exit`` (exits);
* after ``max_failed_attempts`` rejected values for one slot, the form offers a
  way out instead of asking once more.

:class:`ActionFormExit` ends the active form. When answers given in the form
would be lost and ``confirm_exit`` is on, it first asks; the answer comes back to
the form while ``requested_slot`` is :data:`EXIT_QUESTION`: "yes" is rejected
there so that ``RulePolicy`` runs ``action_form_exit`` again, which now stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from actions.builtins import bot_event, utter
from actions.interfaces import ActionContext
from dialogue.domain import ACTION_FORM_EXIT, FORM_EXIT_QUESTION, REQUESTED_SLOT, Domain, Form
from dialogue.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    BotUttered,
    Event,
    SlotSet,
    UserUttered,
)
from dialogue.tracker import Tracker
from nlg.interfaces import BotMessage
from nlu.interfaces import INTENT_NLU_FALLBACK

EXIT_QUESTION = FORM_EXIT_QUESTION

ASK_EXIT_RESPONSE = "utter_ask_form_exit"
STOPPED_RESPONSE = "utter_form_stopped"
WAY_OUT_RESPONSE = "utter_form_way_out"
ASK_EXIT_TEXT = "Shall I stop here? What you've told me for this will be discarded."
STOPPED_TEXT = "Okay, I've stopped. Nothing was changed."
WAY_OUT_TEXT = (
    "That still doesn't work, sorry. You can try once more, say stop to leave this, "
    "or ask to talk to a person."
)


def not_an_answer(form: Form, domain: Domain, tracker: Tracker, name: str) -> list[Event] | None:
    """The form's rejection (free-text values taken back) if the message is not an answer."""
    recovery = form.recovery
    intent = tracker.state.intent
    if intent is None:
        return None
    exits = intent in recovery.exit_intents or intent in recovery.handoff_intents
    free_text = _free_text_fills(tracker)
    side = (
        recovery.side_questions
        and intent not in domain.answer_intents(form)
        and not _unsure_statement(intent, tracker)
    )
    if not exits and not (side and free_text and len(free_text) == len(_fills_this_turn(tracker))):
        return None
    undo = [SlotSet(name=slot, value=previous) for slot, previous in free_text.items()]
    return [*undo, ActionExecutionRejected(name=name)]


def _unsure_statement(intent: str, tracker: Tracker) -> bool:
    """The NLU could not tell what the message is (``nlu_fallback``) and it asks nothing.

    Asked for free text ("Why are you returning it?"), that is most likely the answer:
    "stopped working" or "arrived damaged" match no intent well, and refusing them as side
    questions left the customer unable to answer. A question ("do you have a store in
    Berlin?") is still a side question."""
    message = tracker.latest_message
    return (
        intent == INTENT_NLU_FALLBACK
        and message is not None
        and not (message.text or "").rstrip().endswith("?")
    )


def _fills_this_turn(tracker: Tracker) -> list[SlotSet]:
    fills: list[SlotSet] = []
    for event in reversed(tracker.applied):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, SlotSet) and event.name != REQUESTED_SLOT:
            fills.append(event)
    return fills


def _free_text_fills(tracker: Tracker) -> dict[str, object]:
    """Slots this message filled with its whole text, and the values they had before.

    A value the NLU found as an entity is not free text, even when it is the whole
    message: "PO-10377" typed when asked for an order number is an answer, whatever
    intent the message was given.
    """
    message = tracker.latest_message
    if message is None or not message.text:
        return {}
    found = message.parse_data.entities if message.parse_data else ()
    if any(str(entity.value) == message.text for entity in found):
        return {}
    before = Tracker(tracker.conversation_id, _until_message(tracker), tracker.initial_slots)
    return {
        fill.name: before.slots.get(fill.name)
        for fill in _fills_this_turn(tracker)
        if fill.value == message.text
    }


def _until_message(tracker: Tracker) -> tuple[Event, ...]:
    events = tracker.events
    for index in range(len(events) - 1, -1, -1):
        if events[index] is tracker.latest_message:
            return events[: index + 1]
    return events


def failed_attempts(tracker: Tracker, form_name: str, slot: str) -> int:
    """How often, since the form started, a value for ``slot`` was refused (latest streak)."""
    count = 0
    requested: object = None
    in_run = False
    after_user = False
    for event in tracker.applied:
        if isinstance(event, ActiveLoop) and event.name == form_name:
            count, in_run = (0, False) if requested is None else (count, in_run)
        if isinstance(event, UserUttered):
            after_user = True
        elif isinstance(event, ActionExecuted):
            in_run = event.name == form_name and after_user
            after_user = False
        elif isinstance(event, SlotSet):
            if event.name == REQUESTED_SLOT:
                requested = event.value
            elif in_run and event.name == slot == requested:
                count = count + 1 if event.value is None else 0
    return count


def asks_already(events: Sequence[Event]) -> bool:
    """Did a message among ``events`` (e.g. the validator's) already ask the user something?"""
    said = [e for e in events if isinstance(e, BotUttered)]
    return bool(said) and (said[-1].text or "").rstrip().endswith("?")


async def offer_way_out(context: ActionContext, form: Form) -> list[Event]:
    said = await utter(context, WAY_OUT_RESPONSE)
    if said:
        return said
    choices = (form.recovery.exit_intents, form.recovery.handoff_intents)
    buttons = _buttons(context.domain, ("Stop", "Talk to a person"), choices)
    return [bot_event(BotMessage(text=WAY_OUT_TEXT, buttons=buttons, response=WAY_OUT_RESPONSE))]


def _buttons(
    domain: Domain, titles: Sequence[str], choices: Sequence[Sequence[str]]
) -> tuple[dict[str, str], ...]:
    """One button per choice whose first intent the domain knows."""
    known = set(domain.intent_names)
    found = [
        (title, next((i for i in intents if i in known), None))
        for title, intents in zip(titles, choices, strict=True)
    ]
    return tuple({"title": t, "payload": f"/{i}"} for t, i in found if i is not None)


def filled_in_form(tracker: Tracker, form: Form, form_name: str) -> list[str]:
    """Required slots the user filled since the form started (what stopping throws away)."""
    filled: list[str] = []
    for event in reversed(tracker.applied):
        if isinstance(event, ActiveLoop) and event.name == form_name:
            break
        if (
            isinstance(event, SlotSet)
            and event.name in form.required_slots
            and event.value is not None
            and tracker.slots.get(event.name) is not None
        ):
            filled.append(event.name)
    return sorted(set(filled))


async def stop_form(context: ActionContext, form: Form, form_name: str, quiet: bool) -> list[Event]:
    """End the form, forgetting what was filled in it; say so unless ``quiet``."""
    lost = filled_in_form(context.tracker, form, form_name)
    events: list[Event] = [
        ActiveLoop(name=None),
        SlotSet(name=REQUESTED_SLOT, value=None),
        *(SlotSet(name=slot, value=None) for slot in lost),
    ]
    if quiet:
        return events
    said = await utter(context, STOPPED_RESPONSE)
    if not said:
        said = [bot_event(BotMessage(text=STOPPED_TEXT, response=STOPPED_RESPONSE))]
    return [*events, *said]


async def ask_to_confirm_exit(context: ActionContext) -> list[Event]:
    said = await utter(context, ASK_EXIT_RESPONSE)
    if not said:
        buttons = _buttons(context.domain, ("Yes, stop", "No, go on"), (("affirm",), ("deny",)))
        message = BotMessage(text=ASK_EXIT_TEXT, buttons=buttons, response=ASK_EXIT_RESPONSE)
        said = [bot_event(message)]
    return [SlotSet(name=REQUESTED_SLOT, value=EXIT_QUESTION), *said]


def _answered_this_turn(tracker: Tracker) -> bool:
    for event in reversed(tracker.applied):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered):
            return True
    return False


@dataclass(frozen=True)
class ActionFormExit:
    """``action_form_exit``: leave the active form (asking first if answers would be lost).

    After a rule already answered the message this turn (e.g. "goodbye"), the form
    ends quietly; a hand-off intent ends it without asking.
    """

    name: str = ACTION_FORM_EXIT

    async def run(self, context: ActionContext) -> Sequence[Event]:
        tracker = context.tracker
        form_name = tracker.state.active_loop
        if form_name is None or form_name not in context.domain.forms:
            return []
        form = context.domain.forms[form_name]
        answered = _answered_this_turn(tracker)
        handoff = tracker.state.intent in form.recovery.handoff_intents
        confirmed = tracker.slots.get(REQUESTED_SLOT) == EXIT_QUESTION
        confirm = form.recovery.confirm_exit and not (answered or handoff or confirmed)
        if confirm and filled_in_form(tracker, form, form_name):
            return await ask_to_confirm_exit(context)
        return await stop_form(context, form, form_name, quiet=answered)
