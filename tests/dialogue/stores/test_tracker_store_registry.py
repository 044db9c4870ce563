"""Tracker stores are found by their endpoints.yml type names, Rasa's included."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.errors import StoreConfigurationError
from dialogue.events import UserUttered
from dialogue.stores import TRACKER_STORES, InMemoryTrackerStore, SQLTrackerStore
from dialogue.tracker import ConversationId
from plugins import UnknownPluginError


@pytest.mark.parametrize("name", ["sql", "SQL"])
async def test_sql_names_open_a_working_sql_store(name: str, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'tracker.db'}"

    store = await TRACKER_STORES.get(name)(url, {"pool_size": 2, "pool_pre_ping": True})
    await store.append(ConversationId("c1"), [UserUttered(text="hi")])

    assert isinstance(store, SQLTrackerStore)
    assert len(await store.retrieve(ConversationId("c1"))) == 1
    await store.close()


@pytest.mark.parametrize("name", ["memory", "in_memory", "InMemoryTrackerStore"])
async def test_memory_names_open_an_in_memory_store(name: str) -> None:
    store = await TRACKER_STORES.get(name)(None, {})

    assert isinstance(store, InMemoryTrackerStore)


async def test_sql_store_without_url_is_a_configuration_error() -> None:
    with pytest.raises(StoreConfigurationError, match="needs a database URL"):
        await TRACKER_STORES.get("sql")(None, {})


async def test_in_memory_store_rejects_settings_it_would_ignore() -> None:
    with pytest.raises(StoreConfigurationError, match="url, ttl"):
        await TRACKER_STORES.get("memory")("sqlite+aiosqlite://", {"ttl": 5})


def test_unknown_type_names_the_known_ones() -> None:
    with pytest.raises(UnknownPluginError, match=r"unknown tracker store 'mongod'.*sql"):
        TRACKER_STORES.get("mongod")
