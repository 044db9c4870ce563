"""Button payloads: ``/intent``, ``/intent{"entity": "value"}``, ``/intent@0.8{...}`` skip the NLU.

Buttons send these; the intent is taken as given, with confidence 1.0 unless an
``@<confidence>`` follows the intent name (capped at 1.0). As in Rasa, an entity
whose value is a list becomes one entity per element.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import Any

from nlu.interfaces import Entity, IntentPrediction, ParseResult

_PAYLOAD = re.compile(
    r"^/(?P<intent>[^{@\s]+)(?:@(?P<confidence>[0-9]*\.?[0-9]+))?(?P<entities>\{.*\})?\s*$",
    re.DOTALL,
)


def _entities(values: Mapping[str, Any]) -> tuple[Entity, ...]:
    return tuple(
        Entity(entity=str(name), value=value, extractor="payload")
        for name, given in values.items()
        for value in (given if isinstance(given, list) else [given])
    )


def parse_payload(
    text: str, known_intents: Collection[str], message_id: str | None = None
) -> ParseResult | None:
    """A ParseResult for a payload naming a known intent, else ``None`` (use the NLU)."""
    match = _PAYLOAD.match(text.strip())
    if match is None or match["intent"] not in known_intents:
        return None
    entities: tuple[Entity, ...] = ()
    if match["entities"]:
        try:
            values = json.loads(match["entities"])
        except json.JSONDecodeError:
            return None
        if not isinstance(values, dict):
            return None
        entities = _entities(values)
    confidence = min(1.0, float(match["confidence"])) if match["confidence"] else 1.0
    intent = IntentPrediction(name=match["intent"], confidence=confidence)
    return ParseResult(
        text=text, intent=intent, entities=entities, intent_ranking=(intent,), message_id=message_id
    )
