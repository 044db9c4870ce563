"""The form loop: activate, ask for each required slot in turn, deactivate when all are filled.

Rasa 3.x semantics:

* On activation, the validator sees the required slots that already have values
  (as slot events ending the conversation, as Rasa sends them).
* Right after the user spoke, the form validates the turn: the project's
  ``validate_<form>`` action (when the custom action executor knows it) sees the
  slots extracted from the message and returns its verdict as events
  (``SlotSet(slot, None)`` rejects a value). If the form had asked for a slot and
  neither extraction nor validation set any slot, the form rejects its execution
  (``action_execution_rejected``) so that other actions can handle the message.
* Run again later in the same turn (after an interruption was handled), the form
  just asks its question again.
* A validator that sets ``requested_slot`` chooses the next slot to ask for
  (``None`` ends the form); a validator that deactivates the form ends it.
* Unhappy paths (``forms: <form>: recovery:``, see :mod:`actions.form_recovery`):
  a side question, an exit or a hand-off is rejected so that rules answer it; a
  value refused ``max_failed_attempts`` times gets a way out instead of the same
  question; a validator message that already asks replaces the form's question.
* A slot is asked for by the first of ``action_ask_<form>_<slot>``,
  ``utter_ask_<form>_<slot>``, ``action_ask_<slot>`` and ``utter_ask_<slot>``
  that the domain or the executor provides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from actions.builtins import utter
from actions.extract import intent_allowed
from actions.form_recovery import (
    EXIT_QUESTION,
    asks_already,
    failed_attempts,
    not_an_answer,
    offer_way_out,
)
from actions.interfaces import ActionContext, CustomActionExecutor
from dialogue.domain import REQUESTED_SLOT, Domain, Form
from dialogue.events import ActionExecutionRejected, ActiveLoop, Event, SlotSet, UserUttered
from dialogue.tracker import Tracker


def _next_empty_slot(form: Form, tracker: Tracker) -> str | None:
    return next((s for s in form.required_slots if tracker.slots.get(s) is None), None)


def _sets_a_slot(events: Sequence[Event]) -> bool:
    return any(isinstance(e, SlotSet) and e.name != REQUESTED_SLOT for e in events)


def _filled_this_turn(tracker: Tracker) -> bool:
    """Did anything since the latest user message set a slot (other than requested_slot)?"""
    for event in reversed(tracker.applied):
        if event is tracker.latest_message:
            return False
        if _sets_a_slot([event]):
            return True
    return False


def _requested_by(events: Sequence[Event]) -> SlotSet | None:
    """The validator's own choice of the next slot, if it made one."""
    return next(
        (e for e in reversed(events) if isinstance(e, SlotSet) and e.name == REQUESTED_SLOT),
        None,
    )


def _prefilled(form: Form, tracker: Tracker) -> list[SlotSet]:
    """Required slots that already have values, re-stated as the last events so that a
    ``rasa_sdk`` validator (which validates the slot events ending the tracker) sees them."""
    return [
        SlotSet(name=slot, value=tracker.slots[slot])
        for slot in form.required_slots
        if tracker.slots.get(slot) is not None
    ]


def _trigger_values(domain: Domain, form_name: str, tracker: Tracker) -> list[Event]:
    """``from_trigger_intent`` mappings for the message that activates ``form_name``."""
    intent = tracker.state.intent
    events: list[Event] = []
    for slot in domain.slots:
        for mapping in slot.mappings:
            if mapping.type != "from_trigger_intent" or not intent_allowed(mapping, intent):
                continue
            if mapping.conditions and form_name not in {c.active_loop for c in mapping.conditions}:
                continue
            events.append(SlotSet(name=slot.name, value=mapping.value))
    return events


def _rejection(form_name: str, tracker: Tracker, validated: Sequence[Event]) -> list[Event] | None:
    """The events of a rejected run, or ``None`` if the form goes on.

    A form rejects when it had asked for a slot and the user's message filled none,
    neither through the slot mappings nor through the validator; a validator may
    also reject the run itself. A message repeating the request that started the
    form (same intent) is not rejected: the form just asks its question again.
    """
    if any(isinstance(e, ActionExecutionRejected) for e in validated):
        return list(validated)
    asked = tracker.slots.get(REQUESTED_SLOT) is not None
    if asked and not (_filled_this_turn(tracker) or _sets_a_slot(validated)):
        if tracker.state.intent == _activating_intent(form_name, tracker):
            return None
        return [ActionExecutionRejected(name=form_name)]
    return None


def _activating_intent(form_name: str, tracker: Tracker) -> str | None:
    """The intent of the message after which the form last became active."""
    events = tracker.applied
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, ActiveLoop) and event.name == form_name:
            before = (e for e in reversed(events[:index]) if isinstance(e, UserUttered))
            message = next(before, None)
            return message.intent_name if message is not None else None
    return None


@dataclass(frozen=True)
class FormAction:
    name: str
    executor: CustomActionExecutor | None = None

    async def run(self, context: ActionContext) -> Sequence[Event]:
        form = context.domain.forms[self.name]
        tracker = context.tracker
        state = tracker.state
        if state.active_loop != self.name:
            events: list[Event] = [
                ActiveLoop(name=self.name),
                *_trigger_values(context.domain, self.name, tracker),
            ]
            candidates = _prefilled(form, tracker.extended(events))
            events += await self._validate(context, tracker.extended([*events, *candidates]))
        elif state.is_listening:
            if tracker.slots.get(REQUESTED_SLOT) == EXIT_QUESTION:
                return await self._exit_answer(context, form)
            refused = not_an_answer(form, context.domain, tracker, self.name)
            if refused is not None and state.intent == _activating_intent(self.name, tracker):
                undo = [e for e in refused if isinstance(e, SlotSet)]  # the request, repeated
                return undo + await self._request_next(context, form, tracker.extended(undo), [])
            if refused is not None:
                return refused
            events = await self._validate(context, tracker)
            rejection = _rejection(self.name, tracker, events)
            if rejection is not None:
                return rejection
            if self._gives_up(tracker, form, events):
                return events + await offer_way_out(context, form)
        else:  # asked again after an interruption: nothing new to validate
            events = []
        return events + await self._request_next(context, form, tracker.extended(events), events)

    async def _exit_answer(self, context: ActionContext, form: Form) -> list[Event]:
        """The user answered "shall I stop?": yes stops, no asks again, anything else goes on."""
        tracker = context.tracker
        if tracker.state.intent == "affirm":  # RulePolicy runs action_form_exit, which stops
            return [ActionExecutionRejected(name=self.name)]
        cleared: list[Event] = [SlotSet(name=REQUESTED_SLOT, value=None)]
        going_on = ActionContext(
            tracker.extended(cleared), context.domain, context.nlg, context.channel
        )
        if tracker.state.intent == "deny":
            return cleared + await self._request_next(going_on, form, going_on.tracker, [])
        return cleared + list(await self.run(going_on))

    def _gives_up(self, tracker: Tracker, form: Form, validated: Sequence[Event]) -> bool:
        """Was the requested slot's value refused for the ``max_failed_attempts``-th time?"""
        limit = form.recovery.max_failed_attempts
        slot = tracker.slots.get(REQUESTED_SLOT)
        if not limit or not isinstance(slot, str):
            return False
        refused = any(
            isinstance(e, SlotSet) and e.name == slot and e.value is None for e in validated
        )
        return refused and failed_attempts(tracker, self.name, slot) + 1 >= limit

    async def _validate(self, context: ActionContext, tracker: Tracker) -> list[Event]:
        validator = f"validate_{self.name}"
        known = validator in context.domain.actions
        if self.executor is None or not (known or self.executor.knows(validator)):
            return []
        inner = ActionContext(tracker, context.domain, context.nlg, context.channel)
        return list(await self.executor.run(validator, inner))

    async def _request_next(
        self, context: ActionContext, form: Form, tracker: Tracker, validated: Sequence[Event]
    ) -> list[Event]:
        if tracker.state.active_loop != self.name:  # the validator deactivated the form
            stale = tracker.slots.get(REQUESTED_SLOT) is not None
            return [SlotSet(name=REQUESTED_SLOT, value=None)] if stale else []
        chosen = _requested_by(validated)
        slot = chosen.value if chosen is not None else _next_empty_slot(form, tracker)
        request: list[Event] = (
            [] if chosen is not None else [SlotSet(name=REQUESTED_SLOT, value=slot)]
        )
        if slot is None:
            return [*request, ActiveLoop(name=None)]
        refused = any(isinstance(e, SlotSet) and e.name == slot for e in validated)
        if asks_already(validated) and (refused or slot == tracker.slots.get(REQUESTED_SLOT)):
            return request  # the validator's message already asked for it
        asking = ActionContext(
            tracker.extended(request), context.domain, context.nlg, context.channel
        )
        return [*request, *await self._ask(asking, slot)]

    async def _ask(self, context: ActionContext, slot: str) -> list[Event]:
        domain = context.domain
        for name in (
            f"action_ask_{self.name}_{slot}",
            f"utter_ask_{self.name}_{slot}",
            f"action_ask_{slot}",
            f"utter_ask_{slot}",
        ):
            if name in domain.responses:
                return await utter(context, name)
            if self.executor is not None and (self.executor.knows(name) or name in domain.actions):
                return list(await self.executor.run(name, context))
        return []
