"""What the app layer promises its channels: an :class:`Agent` that handles one user message.

Channels (REST, shell, later Slack and web chat) only ever talk to an ``Agent``;
they never reach into NLU, policies or stores. ``parley.agent.BotAgent`` is the
real implementation; tests may use any object that satisfies the protocol.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from dialogue.domain import Domain
from dialogue.events import Event
from dialogue.tracker import ConversationId, Tracker
from nlg.interfaces import BotMessage
from nlg.streaming import TurnChunk
from nlu.interfaces import ParseResult

DEFAULT_CHANNEL = "rest"


@dataclass(frozen=True)
class UserMessage:
    """One incoming message, already translated out of the channel's format."""

    text: str
    sender_id: ConversationId
    input_channel: str = DEFAULT_CHANNEL
    metadata: Mapping[str, Any] = field(default_factory=dict)
    message_id: str | None = None


@runtime_checkable
class Agent(Protocol):
    domain: Domain
    model_id: str

    async def handle_message(self, message: UserMessage) -> list[BotMessage]:
        """Run one full turn (NLU, policies, actions, NLG, store) and return the replies."""
        ...

    def stream_message(self, message: UserMessage) -> AsyncIterator[TurnChunk]:
        """Run one full turn like :meth:`handle_message`, yielding its output as it is made.

        LLM text comes as ``TokenChunk`` pieces of the bot message they draft; every
        bot message, once final, as a ``MessageChunk``, in order. An error of the
        turn is raised by the iterator after the chunks produced before it.
        """
        ...

    async def parse(self, text: str) -> ParseResult:
        """NLU only; nothing is stored."""
        ...

    async def tracker(self, conversation_id: ConversationId) -> Tracker:
        """The stored conversation; an unknown id gives an empty tracker."""
        ...

    async def append_events(
        self, conversation_id: ConversationId, events: Sequence[Event]
    ) -> Tracker:
        """Append events (under the conversation's lock) and return the new tracker."""
        ...

    async def close(self) -> None: ...
