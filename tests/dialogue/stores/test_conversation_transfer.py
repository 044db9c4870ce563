"""Conversations move between stores as JSON lines without losing or repeating anything."""

from __future__ import annotations

import io
import json

import pytest

from dialogue.events import SlotSet, UserUttered
from dialogue.stores import (
    ConversationFileError,
    InMemoryTrackerStore,
    export_conversations,
    import_conversations,
)
from dialogue.tracker import ConversationId
from tests.dialogue.stores.conftest import Store
from tests.dialogue.stores.test_tracker_store_contract import one_event_of_each_type

ALICE, BOB = ConversationId("alice"), ConversationId("bob ✉ 2")


async def fill(store: Store) -> None:
    await store.append(ALICE, one_event_of_each_type())
    await store.append(BOB, [UserUttered(text="hi", timestamp=1.0)])
    await store.append(BOB, [SlotSet(name="order_number", value="PO-12345", timestamp=2.0)])


async def exported(store: Store) -> str:
    out = io.StringIO()
    await export_conversations(store, out)
    return out.getvalue()


async def test_a_store_exports_every_conversation_and_imports_back_unchanged(
    store: Store,
) -> None:
    await fill(store)
    text = await exported(store)

    elsewhere = InMemoryTrackerStore()
    report = await import_conversations(elsewhere, text.splitlines(), "export.jsonl")

    assert sorted(report.imported) == [ALICE, BOB]
    assert report.events == len(one_event_of_each_type()) + 2
    assert await elsewhere.retrieve(ALICE) == await store.retrieve(ALICE)
    assert await exported(elsewhere) == text


async def test_an_export_imports_into_an_empty_store(store: Store) -> None:
    source = InMemoryTrackerStore()
    await fill(source)

    await import_conversations(store, (await exported(source)).splitlines())

    assert await store.conversation_ids() == [ALICE, BOB]
    assert await store.retrieve(BOB) == await source.retrieve(BOB)


async def test_importing_the_same_file_twice_skips_what_is_already_there(store: Store) -> None:
    source = InMemoryTrackerStore()
    await fill(source)
    lines = (await exported(source)).splitlines()

    await import_conversations(store, lines)
    again = await import_conversations(store, lines)

    assert (again.imported, sorted(again.skipped), again.events) == ([], [ALICE, BOB], 0)
    assert len(await store.retrieve(BOB)) == 2


async def test_exporting_chosen_conversations(store: Store) -> None:
    await fill(store)
    out = io.StringIO()

    written = await export_conversations(store, out, [BOB])

    assert written == 1
    assert [json.loads(line)["conversation_id"] for line in out.getvalue().splitlines()] == [BOB]


BAD_LINES = [
    ("not json", r"conversations.jsonl:2: not JSON"),
    ('{"conversation_id": "x"}', r"conversations.jsonl:2: expected"),
    ('{"conversation_id": 7, "events": []}', r":2: conversation_id must be a string"),
    ('{"conversation_id": "", "events": []}', r":2: conversation id '' must be"),
    ('{"conversation_id": "x", "events": [{"event": "teleport"}]}', r":2: event 0: .*teleport"),
    ('{"conversation_id": "alice", "events": []}', r":2: conversation 'alice' already .* 1"),
]


@pytest.mark.parametrize(
    ("bad_line", "message"),
    BAD_LINES,
    ids=["not-json", "no-events", "numeric-id", "empty-id", "unknown-event", "repeated"],
)
async def test_a_bad_line_is_reported_with_its_line_and_nothing_is_imported(
    bad_line: str, message: str
) -> None:
    good = json.dumps({"conversation_id": "alice", "events": [{"event": "user", "text": "hi"}]})
    target = InMemoryTrackerStore()

    with pytest.raises(ConversationFileError, match=message):
        await import_conversations(target, [good, bad_line], "conversations.jsonl")

    assert await target.conversation_ids() == []
