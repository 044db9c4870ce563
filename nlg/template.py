"""Template responses from ``domain.yml``: choose a variation, then fill in slot values."""

from __future__ import annotations

import random
import string
from collections.abc import Mapping, Sequence
from typing import Any

from dialogue.domain import ResponseVariation
from dialogue.tracker import Tracker
from nlg.interfaces import BotMessage


class _KeepMissing(dict[str, Any]):
    """``str.format_map`` helper: unknown ``{placeholders}`` stay as they are."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, values: Mapping[str, Any]) -> str:
    """Interpolate ``{name}`` placeholders; a malformed template is returned unchanged."""
    try:
        return string.Formatter().vformat(template, (), _KeepMissing(values))
    except (ValueError, IndexError, AttributeError):
        return template


def _conditions_hold(variation: ResponseVariation, slots: Mapping[str, Any]) -> bool:
    return all(slots.get(c.name) == c.value for c in variation.condition)


def eligible_variations(
    variations: Sequence[ResponseVariation], slots: Mapping[str, Any], channel: str | None
) -> list[ResponseVariation]:
    """Variations allowed here, in Rasa's order of preference.

    A variation whose ``condition`` holds beats an unconditional one; within each,
    variations for this ``channel`` beat channel-less ones. Variations for other
    channels and those whose condition fails are never chosen.
    """
    conditional = [v for v in variations if v.condition and _conditions_hold(v, slots)]
    unconditional = [v for v in variations if not v.condition]
    for pool in (conditional, unconditional):
        for wanted in (channel, None):
            matching = [v for v in pool if v.channel == wanted]
            if matching:
                return matching
    return []


def fill_value(value: Any, values: Mapping[str, Any]) -> Any:
    """:func:`fill` every string inside ``value``, descending into mappings and lists."""
    if isinstance(value, str):
        return fill(value, values)
    if isinstance(value, Mapping):
        return {key: fill_value(item, values) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [fill_value(item, values) for item in value]
    return value


def render(variation: ResponseVariation, name: str, values: Mapping[str, Any]) -> BotMessage:
    buttons = tuple(
        {"title": fill(b.title, values), "payload": fill(b.payload, values)}
        for b in variation.buttons
    )
    quick_replies = tuple(
        {"title": fill(b.title, values), "payload": fill(b.payload, values)}
        for b in variation.quick_replies
    )
    return BotMessage(
        text=fill(variation.text, values) if variation.text is not None else None,
        buttons=buttons,
        image=fill_value(variation.image, values),
        attachment=fill_value(variation.attachment, values),
        custom=fill_value(variation.custom, values),
        quick_replies=quick_replies,
        response=name,
        metadata={**dict(variation.metadata), "utter_action": name},
    )


class TemplateNLG:
    """The default generator: responses straight from the domain, slots interpolated."""

    def __init__(
        self,
        responses: Mapping[str, Sequence[ResponseVariation]],
        rng: random.Random | None = None,
    ) -> None:
        self.responses = responses
        self._rng = rng or random.Random()

    async def generate(
        self, response: str, tracker: Tracker, channel: str | None = None, **kwargs: Any
    ) -> BotMessage | None:
        variations = self.responses.get(response)
        if not variations:
            return None
        slots = tracker.slots
        options = eligible_variations(variations, slots, channel)
        if not options:
            return None
        chosen = self._rng.choice(options)
        values = {k: v for k, v in slots.items() if v is not None} | kwargs
        return render(chosen, response, values)
