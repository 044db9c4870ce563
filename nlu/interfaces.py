"""What the NLU package promises the rest of Parley.

A user's text goes in, a :class:`ParseResult` comes out. Everything between is a
pipeline of :class:`Component` objects built from the ``pipeline:`` list of
``config.yml`` through the component registry (``nlu.registry``).

Contracts:

* :class:`ParseResult`, :class:`Entity` and :class:`IntentPrediction` are frozen
  and round-trip through ``to_dict``/``from_dict`` in Rasa's ``parse_data`` JSON
  shape, so they can ride inside ``user`` events and over the action-server wire.
* :class:`Interpreter` is the only thing the dialogue engine calls. ``parse`` is
  CPU-bound and synchronous; callers on an event loop run it in a worker thread.
* :class:`Component` is the plug-in point. A component reads and writes the
  mutable :class:`Message` working copy; trainable ones also implement
  :class:`TrainableComponent`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

INTENT_NLU_FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Entity:
    """One extracted entity. ``start``/``end`` are character offsets into the text."""

    entity: str
    value: Any
    start: int | None = None
    end: int | None = None
    extractor: str | None = None
    confidence: float | None = None
    role: str | None = None
    group: str | None = None
    processors: tuple[str, ...] = ()
    additional_info: Mapping[str, Any] | None = None  # Duckling's whole value object

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"entity": self.entity, "value": self.value}
        for key in ("start", "end", "extractor", "role", "group", "additional_info"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.confidence is not None:
            data["confidence_entity"] = self.confidence
        if self.processors:
            data["processors"] = list(self.processors)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            entity=str(data["entity"]),
            value=data.get("value"),
            start=data.get("start"),
            end=data.get("end"),
            extractor=data.get("extractor"),
            confidence=data.get("confidence_entity", data.get("confidence")),
            role=data.get("role"),
            group=data.get("group"),
            processors=tuple(data.get("processors") or ()),
            additional_info=data.get("additional_info"),
        )


@dataclass(frozen=True)
class IntentPrediction:
    name: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "confidence": self.confidence}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        return cls(name=str(data.get("name")), confidence=float(data.get("confidence") or 0.0))


@dataclass(frozen=True)
class ParseResult:
    """NLU output for one message, in Rasa's ``parse_data`` shape."""

    text: str
    intent: IntentPrediction | None = None
    entities: tuple[Entity, ...] = ()
    intent_ranking: tuple[IntentPrediction, ...] = ()
    response_selector: Mapping[str, Any] = field(default_factory=dict)
    message_id: str | None = None

    @property
    def intent_name(self) -> str | None:
        return self.intent.name if self.intent else None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "intent": self.intent.to_dict() if self.intent else {"name": None, "confidence": 0.0},
            "entities": [e.to_dict() for e in self.entities],
            "intent_ranking": [i.to_dict() for i in self.intent_ranking],
        }
        if self.response_selector:
            data["response_selector"] = dict(self.response_selector)
        if self.message_id is not None:
            data["message_id"] = self.message_id
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        intent = data.get("intent") or {}
        return cls(
            text=str(data.get("text") or ""),
            intent=IntentPrediction.from_dict(intent) if intent.get("name") else None,
            entities=tuple(Entity.from_dict(e) for e in data.get("entities") or ()),
            intent_ranking=tuple(
                IntentPrediction.from_dict(i) for i in data.get("intent_ranking") or ()
            ),
            response_selector=dict(data.get("response_selector") or {}),
            message_id=data.get("message_id"),
        )


@dataclass(frozen=True)
class TrainingExample:
    """One annotated example from ``nlu.yml``: plain text plus gold labels."""

    text: str
    intent: str | None
    entities: tuple[Entity, ...] = ()
    source: str | None = None  # "file:line", for error messages and reports


@dataclass(frozen=True)
class TrainingData:
    """Everything ``nlu.yml`` files declare, merged."""

    examples: tuple[TrainingExample, ...] = ()
    synonyms: Mapping[str, str] = field(default_factory=dict)  # surface text (lower) -> value
    regexes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # name -> patterns
    lookups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # name -> elements

    @property
    def intents(self) -> tuple[str, ...]:
        return tuple(sorted({e.intent for e in self.examples if e.intent}))

    @property
    def entity_types(self) -> tuple[str, ...]:
        return tuple(sorted({ent.entity for e in self.examples for ent in e.entities}))

    def merged(self, other: TrainingData) -> TrainingData:
        return TrainingData(
            examples=self.examples + other.examples,
            synonyms={**self.synonyms, **other.synonyms},
            regexes={**self.regexes, **other.regexes},
            lookups={**self.lookups, **other.lookups},
        )


@dataclass
class Message:
    """Mutable working copy of one message while it moves through the pipeline.

    Components add tokens, features and predictions; :meth:`to_parse_result`
    freezes it at the end.
    """

    text: str
    tokens: list[Token] = field(default_factory=list)
    features: dict[str, Any] = field(default_factory=dict)
    intent: IntentPrediction | None = None
    intent_ranking: list[IntentPrediction] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    response_selector: dict[str, Any] = field(default_factory=dict)

    def to_parse_result(self, message_id: str | None = None) -> ParseResult:
        return ParseResult(
            text=self.text,
            intent=self.intent,
            entities=tuple(self.entities),
            intent_ranking=tuple(self.intent_ranking),
            response_selector=dict(self.response_selector),
            message_id=message_id,
        )


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    lemma: str | None = None


@runtime_checkable
class Component(Protocol):
    """One step of the NLU pipeline, registered under its ``config.yml`` name."""

    name: ClassVar[str]

    def process(self, messages: Sequence[Message]) -> None:
        """Annotate each message in place (tokens, features, intent or entities)."""
        ...


@runtime_checkable
class TrainableComponent(Component, Protocol):
    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        """Fit on ``data``; ``messages`` are its examples, already processed by earlier steps.

        A component class that trains on ``data`` alone may say so with a class attribute
        ``reads_training_messages = False``; when no later step reads them, the pipeline
        then stops running the training messages through the steps before it."""
        ...

    def persist(self, directory: Path) -> None:
        """Write everything :meth:`load` needs into ``directory`` (which exists)."""
        ...

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        """Rebuild a trained component from ``persist``'s output. No network access."""
        ...


class Interpreter(Protocol):
    """What the dialogue engine and HTTP API call to understand a message."""

    def parse(self, text: str, message_id: str | None = None) -> ParseResult:
        """Classify intent and extract entities. Synchronous and CPU-bound."""
        ...
