"""Export and import conversations as JSON lines, one conversation per line::

    {"conversation_id": "customer-1", "events": [{"event": "user", ...}, ...]}

Events use the one event codec (Rasa's JSON names), so a file exported from one
store (SQLite, PostgreSQL, in memory) imports into any other. Import checks the
whole file before writing anything; a bad line is reported with its file and
line number. Conversations that already have events in the target store are
skipped, never appended to, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from dialogue.errors import DialogueError, InvalidConversationId
from dialogue.events import Event, EventDecodeError, event_from_dict, events_to_dicts
from dialogue.interfaces import TrackerStore
from dialogue.tracker import ConversationId, checked_conversation_id


class ConversationFileError(DialogueError, ValueError):
    """A line of a conversations file is not a valid conversation; nothing was imported."""


@dataclass(frozen=True)
class ImportReport:
    """What an import did: conversations written, and those skipped because they existed."""

    imported: list[ConversationId] = field(default_factory=list)
    skipped: list[ConversationId] = field(default_factory=list)
    events: int = 0  # events written


async def export_conversations(
    store: TrackerStore, out: TextIO, conversation_ids: Sequence[ConversationId] | None = None
) -> int:
    """Write the given conversations (default: all) to ``out``; returns how many were written.

    Unknown ids in ``conversation_ids`` are written with no events, so the file
    says what was asked for.
    """
    ids = await store.conversation_ids() if conversation_ids is None else conversation_ids
    for conversation_id in ids:
        events = await store.retrieve(conversation_id)
        line = {"conversation_id": conversation_id, "events": events_to_dicts(events)}
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(ids)


async def import_conversations(
    store: TrackerStore, lines: Iterable[str], source: str = "<input>"
) -> ImportReport:
    """Append each conversation of ``lines`` to ``store`` in one transaction per conversation.

    Raises :class:`ConversationFileError` naming ``source`` and the line if any
    line is malformed or repeats a conversation; then nothing is written.
    """
    conversations = read_conversations(lines, source)
    existing = set(await store.conversation_ids())
    imported, skipped, count = [], [], 0
    for conversation_id, events in conversations:
        if conversation_id in existing or not events:
            skipped.append(conversation_id)
            continue
        await store.append(conversation_id, events)
        imported.append(conversation_id)
        count += len(events)
    return ImportReport(imported, skipped, count)


def read_conversations(
    lines: Iterable[str], source: str
) -> list[tuple[ConversationId, list[Event]]]:
    """Parse and check every line; blank lines are ignored."""
    conversations: list[tuple[ConversationId, list[Event]]] = []
    seen: dict[ConversationId, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        conversation_id, events = _parse_line(line, where)
        if conversation_id in seen:
            raise ConversationFileError(
                f"{where}: conversation {conversation_id!r} already appeared on line "
                f"{seen[conversation_id]}"
            )
        seen[conversation_id] = number
        conversations.append((conversation_id, events))
    return conversations


def _parse_line(line: str, where: str) -> tuple[ConversationId, list[Event]]:
    try:
        data: Any = json.loads(line)
    except json.JSONDecodeError as e:
        raise ConversationFileError(f"{where}: not JSON: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise ConversationFileError(
            f'{where}: expected {{"conversation_id": ..., "events": [...]}}'
        )
    raw_id = data.get("conversation_id")
    if not isinstance(raw_id, str):
        raise ConversationFileError(f"{where}: conversation_id must be a string, got {raw_id!r}")
    try:
        conversation_id = checked_conversation_id(raw_id)
    except InvalidConversationId as e:
        raise ConversationFileError(f"{where}: {e}") from e
    events = []
    for index, item in enumerate(data["events"]):
        try:
            events.append(event_from_dict(item))
        except (EventDecodeError, ValueError, TypeError, KeyError, AttributeError) as e:
            raise ConversationFileError(f"{where}: event {index}: {e}") from e
    return conversation_id, events
