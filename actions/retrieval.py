"""Actions whose words come from the training data: retrieval responses and end-to-end text.

* :class:`RetrievalAction` is Rasa's ``utter_<retrieval intent>`` (``utter_faq``): it sends
  the response ``utter_faq/<key>`` whose key the ResponseSelector chose for the latest
  user message.
* :class:`EndToEndUtterance` is Rasa's ``action_text``: a story step ``- bot: hi bob!``
  becomes an action named by its text, which says that text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from actions.builtins import utter
from actions.interfaces import ActionContext
from dialogue.domain import RETRIEVAL_SEPARATOR
from dialogue.events import BotUttered, Event
from nlu.interfaces import ParseResult

log = logging.getLogger(__name__)

UTTER_PREFIX = "utter_"
DEFAULT_SELECTOR = "default"


def selected_response_key(parse: ParseResult | None, retrieval_intent: str) -> str | None:
    """``faq/ask_name``: the key the ResponseSelector chose for ``retrieval_intent`` (``faq``),
    from the selector trained on that intent or else the default one; ``None`` if none chose."""
    if parse is None:
        return None
    selector: Mapping[str, Any] = parse.response_selector
    for name in (retrieval_intent, DEFAULT_SELECTOR):
        choice = selector.get(name)
        response = choice.get("response") if isinstance(choice, Mapping) else None
        key = response.get("intent_response_key") if isinstance(response, Mapping) else None
        if isinstance(key, str) and key.split(RETRIEVAL_SEPARATOR, 1)[0] == retrieval_intent:
            return key
    return None


def selected_response(parse: ParseResult | None, retrieval_action: str) -> str | None:
    """``utter_faq/ask_name`` for the retrieval action ``utter_faq``, as chosen for ``parse``."""
    key = selected_response_key(parse, retrieval_action.removeprefix(UTTER_PREFIX))
    return None if key is None else UTTER_PREFIX + key


@dataclass(frozen=True)
class RetrievalAction:
    """``utter_faq``: send ``utter_faq/<key>`` for the key the ResponseSelector chose."""

    name: str

    async def run(self, context: ActionContext) -> Sequence[Event]:
        latest = context.tracker.latest_message
        response = selected_response(latest.parse_data if latest else None, self.name)
        if response is None or response not in context.domain.responses:
            log.warning(
                "conversation %s: %s: no response was selected for the latest message%s",
                context.tracker.conversation_id,
                self.name,
                "" if response is None else f" ({response!r} is not a response of the domain)",
            )
            return []
        return await utter(context, response)


@dataclass(frozen=True)
class EndToEndUtterance:
    """A ``- bot: <text>`` step of the training stories, run: it says ``text``."""

    text: str

    @property
    def name(self) -> str:
        return self.text

    async def run(self, context: ActionContext) -> Sequence[Event]:
        return [BotUttered(text=self.text, data={}, metadata={})]
