"""``validate_restaurant_form`` for Rasa's formbot: plain rasa_sdk, nothing Parley-specific.

* ``cuisine`` must be one the restaurants serve (lower-cased);
* ``num_people`` must be a positive whole number. The formbot's domain fills it
  from Duckling's ``number`` entity; without a Duckling server the number is
  read from the message text (digits or a number word) while it is asked for;
* ``outdoor_seating`` becomes ``True``/``False`` from the affirm/deny intents
  (their slot mappings) or from words such as "outside" or "indoors";
* ``preferences`` and ``feedback`` are free text, kept when not blank.

A rejected value is answered with the domain's ``utter_wrong_<slot>`` and the
slot is cleared, so the form asks for it again.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

CUISINES = frozenset(
    {
        "afghan", "asian", "asian oriental", "basque", "belgian", "brazilian", "british",
        "canapes", "cantonese", "caribbean", "chinese", "corsica", "creative", "danish",
        "english", "european", "french", "gastropub", "german", "greek", "indian", "indonesian",
        "irish", "italian", "jamaican", "japanese", "korean", "kosher", "lebanese", "malaysian",
        "mediterranean", "mexican", "modern european", "moroccan", "polish", "polynesian",
        "portuguese", "romanian", "russian", "scandinavian", "scottish", "seafood", "spanish",
        "swedish", "thai", "traditional", "turkish", "tuscan", "unusual", "vegetarian",
        "vietnamese", "welsh", "world",
    }
)  # fmt: skip

NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve")
    )
}  # fmt: skip
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?|[a-z]+")

OUTSIDE = frozenset({"yes", "out", "outside", "outdoor", "outdoors", "terrace", "garden"})
INSIDE = frozenset({"no", "in", "inside", "indoor", "indoors"})


def _number_in(text: str) -> float | None:
    for token in _NUMBER.findall(text.lower()):
        if token in NUMBER_WORDS:
            return float(NUMBER_WORDS[token])
        if token[-1].isdigit():
            return float(token.replace(",", "."))
    return None


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return _number_in(str(value))


def _seating(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    words = set(re.findall(r"[a-z]+", str(value).lower()))
    if words & OUTSIDE and not words & INSIDE:
        return True
    if words & INSIDE and not words & OUTSIDE:
        return False
    return None


def _free_text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


class ValidateRestaurantForm(FormValidationAction):
    """Checks each value the restaurant form collects before the form accepts it."""

    def name(self) -> str:
        return "validate_restaurant_form"

    async def extract_num_people(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "num_people":
            return {}
        if tracker.get_slot("num_people") is not None:
            return {}
        number = _number_in(tracker.latest_message.get("text") or "")
        return {} if number is None else {"num_people": number}

    def validate_cuisine(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        cuisine = str(value).strip().lower() if value is not None else ""
        if cuisine in CUISINES:
            return {"cuisine": cuisine}
        dispatcher.utter_message(response="utter_wrong_cuisine")
        return {"cuisine": None}

    def validate_num_people(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = _as_number(value)
        if number is not None and number > 0 and number.is_integer():
            return {"num_people": number}
        dispatcher.utter_message(response="utter_wrong_num_people")
        return {"num_people": None}

    def validate_outdoor_seating(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        seating = _seating(value)
        if seating is None:
            dispatcher.utter_message(response="utter_wrong_outdoor_seating")
        return {"outdoor_seating": seating}

    def validate_preferences(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"preferences": _free_text(value)}

    def validate_feedback(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"feedback": _free_text(value)}
