"""``action_extract_slots``: fill slots from the latest user message through their mappings.

The rules follow Rasa 3.x:

* ``from_entity`` takes entities of that type whose role and group equal the
  mapping's (a mapping without a role only takes entities without one);
* a mapping with ``conditions`` applies when any condition holds: ``active_loop:
  <form>`` (and ``requested_slot``, if given) while that form runs, or
  ``active_loop: null`` while no form runs;
* while a form runs, its ``ignored_intents`` fill none of its required slots, and
  an entity mapping that several of its required slots share fills only the slot
  the form asked for;
* the first mapping that yields a value wins.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dialogue.domain import REQUESTED_SLOT, Domain, MappingCondition, Slot, SlotMapping
from dialogue.events import SlotSet
from dialogue.state import DialogueState
from nlu.interfaces import ParseResult


def _condition_holds(condition: MappingCondition, state: DialogueState) -> bool:
    if condition.active_loop is None:
        return state.active_loop is None
    return condition.active_loop == state.active_loop and (
        condition.requested_slot is None
        or condition.requested_slot == state.slots.get(REQUESTED_SLOT)
    )


def conditions_hold(mapping: SlotMapping, state: DialogueState) -> bool:
    """Whether ``mapping`` applies in this state (no conditions: always)."""
    return not mapping.conditions or any(_condition_holds(c, state) for c in mapping.conditions)


def intent_allowed(mapping: SlotMapping, intent: str | None) -> bool:
    """The mapping's ``intent`` list (if any) contains ``intent``; ``not_intent`` does not."""
    if mapping.intent and intent not in mapping.intent:
        return False
    return intent not in mapping.not_intent


def _entity_values(mapping: SlotMapping, parse: ParseResult) -> list[Any]:
    return [
        e.value
        for e in parse.entities
        if e.entity == mapping.entity and e.role == mapping.role and e.group == mapping.group
    ]


def mapped_value(mapping: SlotMapping, slot: Slot, parse: ParseResult) -> tuple[bool, Any]:
    """``(found, value)`` for one mapping; trigger-intent mappings belong to forms."""
    if mapping.type == "from_entity":
        values = _entity_values(mapping, parse)
        if not values:
            return False, None
        return True, values if slot.type == "list" else values[-1]
    if mapping.type == "from_intent":
        return True, mapping.value
    if mapping.type == "from_text":
        return True, parse.text
    return False, None


def _held_back_by_active_form(
    slot: Slot, mapping: SlotMapping, domain: Domain, state: DialogueState
) -> bool:
    """The active form's ``ignored_intents`` and unique-entity-mapping rules."""
    form = domain.forms.get(state.active_loop or "")
    if form is None or slot.name not in form.required_slots:
        return False
    if state.intent in form.ignored_intents:
        return True
    if mapping.type != "from_entity" or state.slots.get(REQUESTED_SLOT) == slot.name:
        return False
    others = (domain.slot(name) for name in form.required_slots if name != slot.name)
    return any(other is not None and mapping in other.mappings for other in others)


def _applies(slot: Slot, mapping: SlotMapping, domain: Domain, state: DialogueState) -> bool:
    return (
        conditions_hold(mapping, state)
        and intent_allowed(mapping, state.intent)
        and not _held_back_by_active_form(slot, mapping, domain, state)
    )


def extract_slots(domain: Domain, state: DialogueState) -> Iterator[SlotSet]:
    """Slot events implied by the latest message; unchanged values are not re-set."""
    message = state.latest_message
    if message is None or message.parse_data is None:
        return
    parse = message.parse_data
    for slot in domain.slots:
        for mapping in slot.mappings:
            if not _applies(slot, mapping, domain, state):
                continue
            found, value = mapped_value(mapping, slot, parse)
            if found:
                if state.slots.get(slot.name) != value:
                    yield SlotSet(name=slot.name, value=value)
                break
