"""What the NLG package promises: turn a response name plus the conversation into a message.

:class:`NaturalLanguageGenerator` is the plug-in point (templates, or the LLM);
NLGs register by name in ``nlg.registry.GENERATORS``. Generators compose:
the LLM generator wraps the template one and falls back to it. Language-model
backends (:class:`TextGenerator`) register in ``nlg.registry.TEXT_GENERATORS``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, Self, runtime_checkable

from dialogue.tracker import Tracker


@dataclass(frozen=True)
class BotMessage:
    """One outgoing message, channel-neutral. ``response`` names the template it came from."""

    text: str | None = None
    buttons: tuple[Mapping[str, Any], ...] = ()
    image: str | None = None
    attachment: Any = None
    custom: Mapping[str, Any] | None = None
    quick_replies: tuple[Mapping[str, Any], ...] = ()
    response: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def to_event_data(self) -> dict[str, Any]:
        """The ``data`` field of a Rasa ``bot`` event."""
        return {
            "elements": None,
            "quick_replies": list(self.quick_replies) or None,
            "buttons": list(self.buttons) or None,
            "attachment": self.attachment,
            "image": self.image,
            "custom": dict(self.custom) if self.custom is not None else None,
        }

    @classmethod
    def from_event(
        cls, text: str | None, data: Mapping[str, Any], metadata: Mapping[str, Any]
    ) -> Self:
        return cls(
            text=text,
            buttons=tuple(data.get("buttons") or ()),
            image=data.get("image"),
            attachment=data.get("attachment"),
            custom=data.get("custom"),
            quick_replies=tuple(data.get("quick_replies") or ()),
            response=metadata.get("utter_action"),
            metadata=metadata,
        )


@runtime_checkable
class NaturalLanguageGenerator(Protocol):
    async def generate(
        self, response: str, tracker: Tracker, channel: str | None = None, **kwargs: Any
    ) -> BotMessage | None:
        """Render response ``response`` for this conversation; ``None`` if there is none."""
        ...


ChatRole = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    """One message of a chat prompt."""

    role: ChatRole
    content: str


@dataclass(frozen=True)
class GenerationRequest:
    """What to ask a language model: a chat prompt and how to decode the reply.

    ``temperature == 0`` decodes greedily; above it, tokens are sampled (top-p),
    reproducibly when ``seed`` is set. ``repetition_penalty`` applies to the tokens
    of the reply only, so copying facts from the prompt is never discouraged.
    ``stop_at`` ends the reply as soon as its text ends with one of the strings
    (a lead-in stops at its first ``.``, ``!`` or ``?``); the decision depends on
    the reply's own tokens only, so it is the same in every batch.
    ``allowed_words`` (lower-case words) constrains a local backend's decoding to
    tokens that spell those words and ``. , ! '`` (remote backends ignore it).
    """

    messages: tuple[ChatMessage, ...]
    max_new_tokens: int = 64
    temperature: float = 0.0
    top_p: float = 0.9
    seed: int | None = None
    repetition_penalty: float = 1.15
    min_new_tokens: int = 0
    stop_at: tuple[str, ...] = ()  # the reply ends once its text ends with one of these
    allowed_words: frozenset[str] | None = None  # local backends: decode only these words


@runtime_checkable
class TextGenerator(Protocol):
    """A language-model backend (``transformers``, ``openai``...), registered by name."""

    def stream(self, request: GenerationRequest) -> AsyncIterator[str]:
        """Yield the reply's text in pieces as it is decoded; joined, they are the whole reply.

        Decoding runs off the event loop. Closing the iterator early (a deadline)
        stops the decoding of this reply. Raises ``nlg.errors.GenerationError``.
        """
        ...

    async def close(self) -> None:
        """Release the model or the connection pool."""
        ...
