"""The domain: what the assistant knows about (``domain.yml``), as validated pydantic models.

``Domain.model_validate(raw)`` accepts the Rasa 3.x layout after
:func:`normalise_domain` has flattened its list-or-mapping shorthands.
Reading files and turning validation errors into ``file:line`` messages is the
project loader's job (``parley.project``); this module never touches disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

ACTION_FORM_EXIT = "action_form_exit"
FORM_EXIT_QUESTION = "__form_exit__"
"""``requested_slot`` while a form waits for the answer to "shall I stop?"."""
DEFAULT_ACTIONS: tuple[str, ...] = (
    "action_listen",
    "action_restart",
    "action_session_start",
    "action_default_fallback",
    "action_deactivate_loop",
    "action_revert_fallback_events",
    "action_default_ask_affirmation",
    "action_default_ask_rephrase",
    "action_two_stage_fallback",
    "action_unlikely_intent",
    "action_back",
    "action_extract_slots",
    ACTION_FORM_EXIT,
)
DEFAULT_INTENTS: tuple[str, ...] = (
    "restart",
    "back",
    "out_of_scope",
    "session_start",
    "nlu_fallback",
)
REQUESTED_SLOT = "requested_slot"
SESSION_START_METADATA_SLOT = "session_started_metadata"
RETRIEVAL_SEPARATOR = "/"  # ``faq/ask_name``: a retrieval intent and one of its responses

SlotType = Literal["text", "bool", "categorical", "float", "list", "any"]
MappingType = Literal["from_entity", "from_text", "from_intent", "from_trigger_intent", "custom"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class MappingCondition(_Strict):
    active_loop: str | None = None
    requested_slot: str | None = None


class SlotMapping(_Strict):
    type: MappingType
    entity: str | None = None
    role: str | None = None
    group: str | None = None
    intent: tuple[str, ...] = ()
    not_intent: tuple[str, ...] = ()
    value: Any = None
    action: str | None = None
    conditions: tuple[MappingCondition, ...] = ()

    @field_validator("intent", "not_intent", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        if v is None:
            return ()
        return (v,) if isinstance(v, str) else v


class Slot(_Strict):
    name: str
    type: SlotType
    influence_conversation: bool = True
    values: tuple[Any, ...] = ()
    min_value: float = 0.0
    max_value: float = 1.0
    initial_value: Any = None
    mappings: tuple[SlotMapping, ...] = ()

    @property
    def featurized(self) -> bool:
        return self.influence_conversation and self.type != "any"


class Button(_Strict):
    title: str
    payload: str


class ResponseCondition(_Strict):
    type: Literal["slot"] = "slot"
    name: str
    value: Any = None


class ResponseVariation(BaseModel):
    """One variation of a response. Unknown keys are kept (Rasa allows custom keys)."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    text: str | None = None
    image: str | None = None
    buttons: tuple[Button, ...] = ()
    quick_replies: tuple[Button, ...] = ()
    attachment: Any = None
    custom: Mapping[str, Any] | None = None
    condition: tuple[ResponseCondition, ...] = ()
    channel: str | None = None
    metadata: Mapping[str, Any] = Field(default_factory=dict)


class FormRecovery(_Strict):
    """How a form copes with messages that are not answers (a Parley key, ``recovery:``).

    * ``side_questions``: a message whose intent is not an answer intent (the
      form's slot mappings' intents, plus ``answer_intents``) is not taken as a
      free-text answer; the form lets the rules answer it, then asks again;
    * ``exit_intents`` end the form (after ``confirm_exit`` asked, when answers
      given in the form would be lost); ``handoff_intents`` end it without asking;
    * ``max_failed_attempts``: after that many rejected values for one slot the
      form offers a way out (0: never);
    * a validator message that already asks (ends in ``?``) is not followed by
      the form's own question for the same slot;
    * ``unclear_answer_response``: said (when the domain has it) for a message with an
      answer intent that the form could not use ("it stopped working" when the order
      number was asked), instead of ``side_question_response``; then the form asks again.
    """

    side_questions: bool = True
    answer_intents: tuple[str, ...] = ("inform", "affirm", "deny")
    exit_intents: tuple[str, ...] = ("stop", "goodbye")
    handoff_intents: tuple[str, ...] = ("human_handoff",)
    confirm_exit: bool = True
    max_failed_attempts: int = Field(default=2, ge=0)
    side_question_response: str = "utter_out_of_scope"
    unclear_answer_response: str = "utter_unclear_answer"


class Form(_Strict):
    required_slots: tuple[str, ...] = ()
    ignored_intents: tuple[str, ...] = ()
    recovery: FormRecovery = Field(default_factory=FormRecovery)

    @field_validator("ignored_intents", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return (v,) if isinstance(v, str) else (v or ())


class IntentProperties(_Strict):
    name: str
    use_entities: tuple[str, ...] | bool = True
    ignore_entities: tuple[str, ...] = ()
    is_retrieval_intent: bool = False


class EntityProperties(_Strict):
    name: str
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    influence_conversation: bool = True


class SessionConfig(_Strict):
    session_expiration_time: float = 60.0  # minutes; 0 means sessions never expire
    carry_over_slots_to_new_session: bool = True

    @property
    def expires(self) -> bool:
        return self.session_expiration_time > 0


class Domain(_Strict):
    version: str | None = None
    intents: tuple[IntentProperties, ...] = ()
    entities: tuple[EntityProperties, ...] = ()
    slots: tuple[Slot, ...] = ()
    responses: Mapping[str, tuple[ResponseVariation, ...]] = Field(default_factory=dict)
    actions: tuple[str, ...] = ()
    forms: Mapping[str, Form] = Field(default_factory=dict)
    session_config: SessionConfig = Field(default_factory=SessionConfig)
    config: Mapping[str, Any] = Field(default_factory=dict)
    e2e_actions: tuple[str, ...] = ()

    @property
    def intent_names(self) -> tuple[str, ...]:
        declared = [i.name for i in self.intents]
        return tuple(dict.fromkeys([*declared, *DEFAULT_INTENTS]))

    @property
    def entity_names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.entities)

    @property
    def slot_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.slots)

    @property
    def action_names(self) -> tuple[str, ...]:
        """Every action the policies may predict: defaults, responses, custom actions, forms,
        and the ``bot:`` texts of end-to-end stories."""
        names = [
            *DEFAULT_ACTIONS,
            *self.responses,
            *self.retrieval_actions,
            *self.actions,
            *self.forms,
            *self.e2e_actions,
        ]
        return tuple(dict.fromkeys(names))

    @property
    def retrieval_actions(self) -> tuple[str, ...]:
        """``utter_faq`` for responses ``utter_faq/<key>``: Rasa's retrieval actions, which
        send the response that the ResponseSelector chose for the latest message."""
        names = (
            name.split(RETRIEVAL_SEPARATOR, 1)[0]
            for name in self.responses
            if name.startswith("utter_") and RETRIEVAL_SEPARATOR in name
        )
        return tuple(dict.fromkeys(names))

    @property
    def initial_slots(self) -> dict[str, Any]:
        """Slot values of a fresh conversation, including the built-in ``requested_slot``."""
        values: dict[str, Any] = {REQUESTED_SLOT: None, SESSION_START_METADATA_SLOT: None}
        values.update({s.name: s.initial_value for s in self.slots})
        return values

    def slot(self, name: str) -> Slot | None:
        return next((s for s in self.slots if s.name == name), None)

    def intent(self, name: str) -> IntentProperties | None:
        return next((i for i in self.intents if i.name == name), None)

    def answer_intents(self, form: Form) -> frozenset[str]:
        """Intents that answer ``form``: its ``answer_intents`` and every intent named by
        the mappings of its required slots."""
        named = {
            intent
            for slot in self.slots
            if slot.name in form.required_slots
            for mapping in slot.mappings
            for intent in mapping.intent
        }
        return frozenset(named) | frozenset(form.recovery.answer_intents)

    def entities_used_by(self, intent: str | None) -> frozenset[str]:
        """Entities that count for an intent's turn (``use_entities``/``ignore_entities``)."""
        props = self.intent(intent) if intent else None
        all_entities = frozenset(self.entity_names)
        if props is None:
            return all_entities
        if props.use_entities is True:
            used = all_entities
        elif props.use_entities is False:
            used = frozenset()
        else:
            used = frozenset(props.use_entities)
        return used - frozenset(props.ignore_entities)

    def merged(self, other: Domain) -> Domain:
        """Combine two domain files; ``other`` wins on conflicting keys."""
        return Domain(
            version=other.version or self.version,
            intents=_unique_by_name(self.intents + other.intents),
            entities=_unique_by_name(self.entities + other.entities),
            slots=_unique_by_name(self.slots + other.slots),
            responses={**self.responses, **other.responses},
            actions=tuple(dict.fromkeys(self.actions + other.actions)),
            forms={**self.forms, **other.forms},
            session_config=other.session_config
            if "session_config" in other.model_fields_set
            else self.session_config,
            config={**self.config, **other.config},
            e2e_actions=tuple(dict.fromkeys(self.e2e_actions + other.e2e_actions)),
        )


_Named = TypeVar("_Named", IntentProperties, EntityProperties, Slot)


def _unique_by_name(items: Iterable[_Named]) -> tuple[_Named, ...]:
    by_name: dict[str, _Named] = {}
    for item in items:
        by_name[item.name] = item
    return tuple(by_name.values())


def _named_list(raw: Any) -> list[dict[str, Any]]:
    """Rasa lets intents/entities be ``- name`` or ``- name: {props}``."""
    result: list[dict[str, Any]] = []
    for item in raw or ():
        if isinstance(item, str):
            result.append({"name": item})
        elif isinstance(item, Mapping) and len(item) == 1:
            (name, props) = next(iter(item.items()))
            result.append({"name": name, **dict(props or {})})
        else:
            result.append(dict(item) if isinstance(item, Mapping) else {"name": item})
    return result


def normalise_domain(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten Rasa's shorthand forms into the shape :class:`Domain` validates."""
    data = dict(raw)
    data["intents"] = _named_list(raw.get("intents"))
    data["entities"] = _named_list(raw.get("entities"))
    data["slots"] = [
        {"name": name, **dict(props or {})} for name, props in (raw.get("slots") or {}).items()
    ]
    data["responses"] = {
        name: [v if isinstance(v, Mapping) else {"text": v} for v in (variations or ())]
        for name, variations in (raw.get("responses") or {}).items()
    }
    data["actions"] = [
        next(iter(a)) if isinstance(a, Mapping) else a for a in raw.get("actions") or ()
    ]
    data["forms"] = {name: dict(f or {}) for name, f in (raw.get("forms") or {}).items()}
    for key in ("intents", "entities", "slots", "responses", "actions", "forms"):
        if not data[key]:
            data.pop(key)
    if raw.get("session_config") is None:
        data.pop("session_config", None)
    return data
