"""Dialogue states: what the policies see of a conversation before each action.

A conversation is read as one :class:`State` per decision point: the state right
before every ``ActionExecuted`` and, when predicting, the state now. Training
(:func:`training_examples`) and prediction (:func:`states_for_prediction`) walk
the events through the same generator, so they cannot disagree.

A state holds

* ``prev_action``: the latest action; ``None`` only at the start of a conversation;
* ``intent`` and ``entities``: only right after a user message (no action since);
  entities are those the domain counts for the intent, plus ``entity#role`` and
  ``entity#group`` keys;
* ``slots``: ``(name, value)`` pairs for featurised slots (``Slot.featurized``);
  text and list slots read :data:`ANY_VALUE`, bool ``"true"``/``"false"``,
  categorical the lower-cased value (or :data:`OTHER_CATEGORY`), float a bucket
  of the value normalised to ``[min_value, max_value]``;
* ``active_loop``: the active loop's name;
* ``text``: the user's words, only for a message without an intent: an end-to-end
  story's ``- user:`` step, or a conversation read ``as_text`` (the learned policies
  then see ``text:<word>`` features, as Rasa's TED sees the text of e2e stories).

Conversation states omit unset slots. *Partial* states (rules) describe only what
the rule's own events set: a slot or loop set to ``null`` there reads
:data:`SHOULD_NOT_BE_SET`, and what a rule never mentions is left open.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dialogue.domain import Domain, Slot
from dialogue.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    SlotSet,
    UserUttered,
)
from dialogue.state import DialogueState, applied_events, apply, initial_state
from dialogue.tracker import Fold, Tracker

ANY_VALUE = "set"
SHOULD_NOT_BE_SET = "<not set>"
OTHER_CATEGORY = "__other__"
FLOAT_BUCKETS = 10

Example = tuple[tuple["State", ...], str]
"""The states up to a decision point (the last one is "now") and the action taken there."""


@dataclass(frozen=True)
class State:
    """One decision point of a conversation. Hashable; equal states featurise equally."""

    prev_action: str | None = None
    intent: str | None = None
    entities: frozenset[str] = frozenset()
    slots: tuple[tuple[str, str], ...] = ()
    active_loop: str | None = None
    text: str | None = None

    @property
    def is_start(self) -> bool:
        """No action has happened yet: the very beginning of a conversation."""
        return self.prev_action is None

    def slot(self, name: str) -> str | None:
        return next((value for key, value in self.slots if key == name), None)

    def features(self) -> frozenset[str]:
        """The state as named binary features (what the learned policies see)."""
        items = [f"slot:{name}={value}" for name, value in self.slots]
        items += [f"entity:{name}" for name in self.entities]
        items += [f"text:{word}" for word in words_of(self.text)]
        for prefix, value in (
            ("prev_action", self.prev_action),
            ("intent", self.intent),
            ("active_loop", self.active_loop),
        ):
            if value is not None:
                items.append(f"{prefix}:{value}")
        return frozenset(items)

    def to_json(self) -> dict[str, Any]:
        return {
            "prev_action": self.prev_action,
            "intent": self.intent,
            "entities": sorted(self.entities),
            "slots": [list(pair) for pair in self.slots],
            "active_loop": self.active_loop,
            **({"text": self.text} if self.text is not None else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> State:
        return cls(
            prev_action=data.get("prev_action"),
            intent=data.get("intent"),
            entities=frozenset(data.get("entities") or ()),
            slots=tuple((str(name), str(value)) for name, value in data.get("slots") or ()),
            active_loop=data.get("active_loop"),
            text=data.get("text"),
        )


def words_of(text: str | None) -> list[str]:
    """The lower-cased words of a user message, as the ``text:`` features name them."""
    return re.findall(r"[^\W_]+", text.lower()) if text else []


def state_matches(pattern: State, state: State) -> bool:
    """Does a (partial) rule state hold in a conversation state?

    Start states only match start states. Every feature the pattern names must be
    present with the same value; :data:`SHOULD_NOT_BE_SET` requires absence and a
    pattern slot of :data:`ANY_VALUE` accepts any value. Entities, when the pattern
    names any, must be exactly the conversation's.
    """
    if pattern.is_start != state.is_start:
        return False
    if pattern.prev_action is not None and pattern.prev_action != state.prev_action:
        return False
    if pattern.intent is not None and pattern.intent != state.intent:
        return False
    if pattern.entities and pattern.entities != state.entities:
        return False
    if not all(_value_matches(value, state.slot(name)) for name, value in pattern.slots):
        return False
    return _value_matches(pattern.active_loop, state.active_loop, open_when_none=True)


def _value_matches(expected: str | None, actual: str | None, open_when_none: bool = False) -> bool:
    if expected is None:
        return open_when_none
    if expected == SHOULD_NOT_BE_SET:
        return actual is None
    if expected == ANY_VALUE:
        return actual is not None
    return expected == actual


def training_examples(
    events: Sequence[Event], domain: Domain, *, partial: bool = False
) -> list[Example]:
    """Every ``ActionExecuted`` of ``events`` with the states before it.

    ``partial=True`` builds rule states (see the module docstring).
    """
    states, actions = _walk(events, domain, domain.initial_slots, partial)
    return [(tuple(states[: index + 1]), action) for index, action in enumerate(actions)]


def states_for_prediction(
    tracker: Tracker, domain: Domain, *, as_text: bool = False
) -> tuple[State, ...]:
    """The tracker's states up to now; the last one is the state to predict from.

    ``as_text=True`` reads every user message by its words instead of its intent,
    as an end-to-end story's ``- user:`` steps were read in training.
    """
    walked: _Walked = tracker.fold(_prediction_walk(domain, tracker.initial_slots, as_text))
    return (*walked.states, _state_of(walked.dialogue, walked.user_turn, domain, None, as_text))


@dataclass(frozen=True)
class _Walked:
    """:func:`_walk` as a fold: the tracker keeps it and adds each new event to it, so a
    prediction does not walk the whole conversation again."""

    dialogue: DialogueState
    states: tuple[State, ...] = ()
    user_turn: bool = False


def _prediction_walk(domain: Domain, initial_slots: Mapping[str, Any], as_text: bool) -> Fold:
    def step(walked: _Walked, event: Event) -> _Walked:
        states, user_turn = walked.states, walked.user_turn
        if isinstance(event, ActionExecuted):
            states = (*states, _state_of(walked.dialogue, user_turn, domain, None, as_text))
            user_turn = False
        elif isinstance(event, UserUttered):
            user_turn = True
        return _Walked(apply(walked.dialogue, event), states, user_turn)

    # The fold keeps ``domain`` alive, so its id cannot pass to another domain meanwhile.
    key = ("policy states", id(domain), as_text)
    return Fold(key, lambda: _Walked(initial_state(initial_slots)), step)


@dataclass
class _Explicit:
    """What a rule's own events set, so partial states mention only that."""

    slots: set[str] = field(default_factory=set)
    loop: bool = False

    def note(self, event: Event) -> None:
        if isinstance(event, SlotSet):
            self.slots.add(event.name)
        elif isinstance(event, ActiveLoop):
            self.loop = True


def _walk(
    events: Sequence[Event],
    domain: Domain,
    initial_slots: Mapping[str, Any],
    partial: bool,
    as_text: bool = False,
) -> tuple[list[State], list[str]]:
    """The state before each ``ActionExecuted`` plus the state now, and the actions taken.

    ``states[i]`` is what ``actions[i]`` was chosen from; ``states[-1]`` is now.
    """
    dialogue = initial_state(initial_slots)
    explicit = _Explicit() if partial else None
    states: list[State] = []
    actions: list[str] = []
    user_turn = False
    for event in applied_events(events):
        if isinstance(event, ActionExecuted):
            states.append(_state_of(dialogue, user_turn, domain, explicit, as_text))
            actions.append(event.name)
            user_turn = False
        elif isinstance(event, UserUttered):
            user_turn = True
        if explicit is not None:
            explicit.note(event)
        dialogue = apply(dialogue, event)
    states.append(_state_of(dialogue, user_turn, domain, explicit, as_text))
    return states, actions


def _state_of(
    dialogue: DialogueState,
    user_turn: bool,
    domain: Domain,
    explicit: _Explicit | None,
    as_text: bool = False,
) -> State:
    message = dialogue.latest_message if user_turn else None
    intent = _base_intent(message.intent_name) if message is not None else None
    text = message.text if message is not None and (as_text or intent is None) else None
    if as_text:
        intent = None
    return State(
        text=text,
        prev_action=dialogue.latest_action,
        intent=intent,
        entities=_entity_keys(message, intent, domain) if message is not None else frozenset(),
        slots=_slot_features(dialogue, domain, explicit),
        active_loop=_loop_feature(dialogue, explicit),
    )


def _base_intent(intent: str | None) -> str | None:
    """Retrieval intents (``faq/ask_name``) count as their base intent (``faq``)."""
    return intent.split("/", 1)[0] if intent else intent


def _entity_keys(message: UserUttered, intent: str | None, domain: Domain) -> frozenset[str]:
    if message.parse_data is None:
        return frozenset()
    ignored = {e.name for e in domain.entities if not e.influence_conversation}
    used = domain.entities_used_by(intent) - ignored
    keys: set[str] = set()
    for entity in message.parse_data.entities:
        if entity.entity not in used:
            continue
        keys.add(entity.entity)
        keys.update(f"{entity.entity}#{extra}" for extra in (entity.role, entity.group) if extra)
    return frozenset(keys)


def _slot_features(
    dialogue: DialogueState, domain: Domain, explicit: _Explicit | None
) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for slot in domain.slots:
        if not slot.featurized:
            continue
        value = featurize_slot(slot, dialogue.slots.get(slot.name))
        if explicit is not None:
            if slot.name not in explicit.slots:
                continue
            value = SHOULD_NOT_BE_SET if value is None else value
        if value is not None:
            pairs.append((slot.name, value))
    return tuple(sorted(pairs))


def _loop_feature(dialogue: DialogueState, explicit: _Explicit | None) -> str | None:
    if explicit is None or dialogue.active_loop is not None:
        return dialogue.active_loop
    return SHOULD_NOT_BE_SET if explicit.loop else None


def featurize_slot(slot: Slot, value: Any) -> str | None:
    """A slot value as the policies see it; ``None`` when the slot counts as unset."""
    if value is None or slot.type == "any":
        return None
    if slot.type == "text":
        return ANY_VALUE
    if slot.type == "list":
        return ANY_VALUE if value else None
    if slot.type == "bool":
        return "true" if _as_bool(value) else "false"
    if slot.type == "categorical":
        return _category(slot, value)
    return _float_bucket(slot, value)


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "y", "on")
    return bool(value)


def _category(slot: Slot, value: Any) -> str:
    text = str(value).lower()
    known = {str(v).lower() for v in slot.values}
    if text in known:
        return text
    # a bare `- slot_was_set: [name]` arrives as True: "some value", not a category
    return ANY_VALUE if value is True else OTHER_CATEGORY


def _float_bucket(slot: Slot, value: Any) -> str:
    if value is True or isinstance(value, list | dict):
        return ANY_VALUE
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ANY_VALUE
    span = slot.max_value - slot.min_value
    share = (number - slot.min_value) / span if span > 0 else 0.0
    share = min(max(share, 0.0), 1.0)
    return f"{round(share * FLOAT_BUCKETS) / FLOAT_BUCKETS:.1f}"
