"""A tracker store that lives in the process: for tests, demos and the shell channel."""

from __future__ import annotations

import json
from collections.abc import Sequence

from dialogue.events import Event
from dialogue.stores._codec import dump_event, load_readable
from dialogue.tracker import ConversationId, checked_conversation_id


class InMemoryTrackerStore:
    """Keeps each conversation as a list of JSON-encoded events in a dict.

    Events go through the same codec as the SQL store, so a value the database
    would reject is rejected here too, and retrieved events are fresh objects
    decoded from JSON. Data lives as long as the object; nothing is persisted.
    """

    def __init__(self) -> None:
        self._conversations: dict[ConversationId, list[str]] = {}

    async def retrieve(self, conversation_id: ConversationId) -> list[Event]:
        """All events of the conversation in append order; ``[]`` for an unknown id."""
        return await self.retrieve_since(conversation_id, 0)

    async def retrieve_since(self, conversation_id: ConversationId, seq: int) -> list[Event]:
        """Events after the first ``seq`` ones (sequence numbers count from 1)."""
        events, _ = await self.retrieve_from(conversation_id, seq)
        return events

    async def retrieve_from(
        self, conversation_id: ConversationId, seq: int
    ) -> tuple[list[Event], int]:
        """:meth:`retrieve_since`, and how many events are stored (``seq`` if no more)."""
        checked_conversation_id(conversation_id)
        stored = self._conversations.get(conversation_id, [])
        start = max(seq, 0)
        events = load_readable(enumerate(stored[start:], start=start + 1), conversation_id)
        return events, max(len(stored), start)

    async def append(self, conversation_id: ConversationId, events: Sequence[Event]) -> None:
        """Append all ``events`` or, if one cannot be encoded, none of them."""
        checked_conversation_id(conversation_id)
        encoded = [dump_event(event) for event in events]
        if encoded:
            self._conversations.setdefault(conversation_id, []).extend(encoded)

    async def conversation_ids(self) -> list[ConversationId]:
        """Ids of conversations with at least one event, sorted."""
        return sorted(self._conversations)

    async def active_conversation_count(self, since: float) -> int:
        """How many conversations have an event at or after ``since`` (seconds since the epoch)."""
        stored = self._conversations.values()
        latest = [json.loads(events[-1]).get("timestamp", 0) for events in stored]
        return sum(1 for timestamp in latest if timestamp >= since)

    async def ping(self) -> None:
        """Always answers: the events live in this process."""

    async def close(self) -> None:
        """Nothing to release; the events stay readable until the object is dropped."""
