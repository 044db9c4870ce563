"""What the NLG package promises: turn a response name plus the conversation into a message.

:class:`NaturalLanguageGenerator` is the plug-in point (template now, LLM later);
backends register by name in ``nlg.registry.GENERATORS``. Generators compose:
an LLM generator wraps the template one and falls back to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, Self, runtime_checkable

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
