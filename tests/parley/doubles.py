"""Test doubles for the app layer: a real rule-based :class:`Agent` and a scripted terminal.

``EchoAgent`` satisfies :class:`parley.interfaces.Agent` for real: it parses with
keyword rules, answers with scripted replies (or echoes), and stores every turn's
events in memory, so servers, channels and the shell can be tested end to end
without a trained model.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace

from dialogue.domain import Domain
from dialogue.events import ACTION_LISTEN, ActionExecuted, BotUttered, Event, UserUttered
from dialogue.tracker import ConversationId, Tracker
from nlg.interfaces import BotMessage
from nlg.streaming import MessageChunk, TurnChunk
from nlu.interfaces import Entity, IntentPrediction, ParseResult
from parley.interfaces import UserMessage

INTENT_KEYWORDS: Mapping[str, str] = {
    "hello": "greet",
    "hi": "greet",
    "bye": "goodbye",
    "yes": "affirm",
    "no": "deny",
}
FALLBACK_INTENT = IntentPrediction("nlu_fallback", 0.3)
ECHO_ACTION = "action_echo"

Rule = Sequence[BotMessage] | Exception


class EchoAgent:
    """An :class:`~parley.interfaces.Agent` that follows scripted rules, else echoes.

    ``rules`` maps an exact user text to its replies, or to an exception that the
    turn raises (to test how callers survive a failing agent). Any other text gets
    ``echo: <text>``. Every turn stores the user event (with parse data), one
    action and ``bot`` event per reply, then ``action_listen``.
    ``received`` lists every message handled, in order.
    """

    def __init__(
        self,
        rules: Mapping[str, Rule] | None = None,
        *,
        domain: Domain | None = None,
        model_id: str = "echo-model",
    ) -> None:
        self.domain = domain or Domain()
        self.model_id = model_id
        self.rules = dict(rules or {})
        self.received: list[UserMessage] = []
        self.closed = False
        self._trackers: dict[ConversationId, Tracker] = {}
        self._lock = asyncio.Lock()

    async def handle_message(self, message: UserMessage) -> list[BotMessage]:
        self.received.append(message)
        rule = self.rules.get(message.text)
        if isinstance(rule, Exception):
            raise rule
        replies = list(rule) if rule is not None else [BotMessage(text=f"echo: {message.text}")]
        parsed = await self.parse(message.text)
        user = UserUttered(
            text=message.text,
            parse_data=replace(parsed, message_id=message.message_id),
            input_channel=message.input_channel,
            message_id=message.message_id,
            metadata=message.metadata,
        )
        await self.append_events(message.sender_id, [user, *_turn_events(replies)])
        return replies

    async def stream_message(self, message: UserMessage) -> AsyncIterator[TurnChunk]:
        """The turn's replies, one ``MessageChunk`` each (an echo drafts no tokens)."""
        for index, reply in enumerate(await self.handle_message(message)):
            yield MessageChunk(index, reply)

    async def parse(self, text: str) -> ParseResult:
        """``/intent`` payloads name their intent; otherwise the first keyword decides.
        Every number in the text becomes a ``number`` entity."""
        intent = _intent_of(text)
        entities = tuple(
            Entity("number", int(m.group()), m.start(), m.end(), extractor="EchoAgent")
            for m in re.finditer(r"\d+", text)
        )
        return ParseResult(text, intent, entities, intent_ranking=(intent,))

    async def tracker(self, conversation_id: ConversationId) -> Tracker:
        known = self._trackers.get(conversation_id)
        if known is None:
            return Tracker(conversation_id, initial_slots=self.domain.initial_slots)
        return known

    async def append_events(
        self, conversation_id: ConversationId, events: Sequence[Event]
    ) -> Tracker:
        async with self._lock:
            tracker = (await self.tracker(conversation_id)).extended(events)
            self._trackers[conversation_id] = tracker
            return tracker

    async def close(self) -> None:
        self.closed = True


def _intent_of(text: str) -> IntentPrediction:
    if text.startswith("/") and len(text) > 1:
        return IntentPrediction(text[1:].split("{")[0], 1.0)
    for word in re.findall(r"\w+", text.lower()):
        if word in INTENT_KEYWORDS:
            return IntentPrediction(INTENT_KEYWORDS[word], 1.0)
    return FALLBACK_INTENT


def _turn_events(replies: Sequence[BotMessage]) -> list[Event]:
    events: list[Event] = []
    for reply in replies:
        events.append(ActionExecuted(name=reply.response or ECHO_ACTION))
        events.append(BotUttered(text=reply.text, data=reply.to_event_data()))
    events.append(ActionExecuted(name=ACTION_LISTEN))
    return events


class ScriptedTerminal:
    """Input and output for :func:`parley.shell.run_shell`.

    ``input`` replays ``lines`` in order (an exception in the script is raised
    instead, e.g. ``KeyboardInterrupt()``), then signals end of input with
    ``EOFError``. ``printed`` and ``prompts`` record what the shell wrote.
    """

    def __init__(self, *lines: str | BaseException) -> None:
        self.lines: deque[str | BaseException] = deque(lines)
        self.prompts: list[str] = []
        self.printed: list[str] = []
        self.written: list[str] = []

    async def input(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if not self.lines:
            raise EOFError
        line = self.lines.popleft()
        if isinstance(line, BaseException):
            raise line
        return line

    def print(self, line: str) -> None:
        self.printed.append(line)

    def write(self, piece: str) -> None:
        """A streamed piece of a line."""
        self.written.append(piece)
