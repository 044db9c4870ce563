"""endpoints.yml: typed sections, plug-in options, ${VAR} substitution and the store's URL."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from parley.project import (
    EndpointsConfig,
    ProjectFileError,
    TrackerStoreConfig,
    UndefinedVariableError,
    load_endpoints,
    sqlalchemy_url,
)


def write_endpoints(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "endpoints.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_known_keys_are_typed_and_others_kept_for_the_plugin(tmp_path: Path) -> None:
    path = write_endpoints(
        tmp_path,
        """\
        tracker_store:
          type: SQL
          dialect: postgresql
          url: db.internal
          port: 5433
          db: bot
          username: parley
          password: secret
          pool_size: 7
        lock_store:
          type: redis
          url: localhost
          port: 6379
          use_ssl: true
        action_endpoint:
          url: http://localhost:5055/webhook
          timeout: 10
        event_broker:
          type: pika
          queues: [events]
        """,
    )

    endpoints = load_endpoints(path, environ={})

    store = endpoints.tracker_store
    assert store is not None and store.kind == "sql"
    assert (store.port, store.db, store.username) == (5433, "bot", "parley")
    assert store.options == {"pool_size": 7}
    assert endpoints.lock_store is not None and endpoints.lock_store.kind == "redis"
    assert endpoints.lock_store.options == {"use_ssl": True}
    assert endpoints.action_endpoint is not None
    assert endpoints.action_endpoint.kind == "remote"
    assert endpoints.action_endpoint.timeout == 10.0
    assert endpoints.event_broker is not None and endpoints.event_broker.options == {
        "queues": ["events"]
    }


def test_absent_file_means_defaults(tmp_path: Path) -> None:
    assert load_endpoints(tmp_path / "endpoints.yml") == EndpointsConfig()


def test_environment_variables_are_substituted(tmp_path: Path) -> None:
    path = write_endpoints(
        tmp_path,
        """\
        tracker_store:
          type: sql
          url: postgresql://${DB_USER}:${DB_PASSWORD}@db/bot
        action_endpoint:
          url: ${ACTIONS_URL}
        """,
    )

    endpoints = load_endpoints(
        path, environ={"DB_USER": "u", "DB_PASSWORD": "p", "ACTIONS_URL": "http://a:1"}
    )

    assert endpoints.tracker_store is not None
    assert endpoints.tracker_store.url == "postgresql://u:p@db/bot"
    assert endpoints.action_endpoint is not None and endpoints.action_endpoint.url == "http://a:1"


def test_unset_variable_names_file_line_and_variable(tmp_path: Path) -> None:
    path = write_endpoints(tmp_path, "action_endpoint:\n  token: abc\n  url: ${ACTIONS_URL}\n")

    with pytest.raises(UndefinedVariableError) as raised:
        load_endpoints(path, environ={})

    assert str(raised.value) == f"{path}:3: environment variable 'ACTIONS_URL' is not set"
    assert raised.value.variable == "ACTIONS_URL"


@pytest.mark.parametrize(
    ("text", "line", "complaint"),
    [
        ("tracker_store:\n  type: sql\n\ntrackerstore:\n  type: sql\n", 4, "unknown key"),
        ("tracker_store:\n  type: sql\n  dialect: mysql\n", 3, "unsupported SQL dialect"),
        ("tracker_store:\n  port: five\n", 2, "tracker_store.port"),
        ("action_endpoint:\n  token: abc\n", 1, "needs 'url'"),
        ("tracker_store:\n  url: mysql://db/x\n", 1, "unsupported database 'mysql'"),
    ],
    ids=["unknown-section", "bad-dialect", "bad-port", "action-without-url", "bad-url"],
)
def test_endpoint_errors_name_file_and_line(
    tmp_path: Path, text: str, line: int, complaint: str
) -> None:
    path = write_endpoints(tmp_path, text)

    with pytest.raises(ProjectFileError) as raised:
        load_endpoints(path, environ={})

    assert str(raised.value).startswith(f"{path}:{line}: ")
    assert complaint in str(raised.value)


@pytest.mark.parametrize(
    ("store", "expected"),
    [
        (None, "sqlite+aiosqlite:///{root}/parley.db"),
        (TrackerStoreConfig(), "sqlite+aiosqlite:///{root}/parley.db"),
        (
            TrackerStoreConfig(dialect="sqlite", db="chats.db"),
            "sqlite+aiosqlite:///{root}/chats.db",
        ),
        (TrackerStoreConfig(url="sqlite:///data/x.db"), "sqlite+aiosqlite:///{root}/data/x.db"),
        (TrackerStoreConfig(url="sqlite:////abs/x.db"), "sqlite+aiosqlite:////abs/x.db"),
        (
            TrackerStoreConfig(
                type="SQLTrackerStore",
                dialect="postgresql",
                url="db.example",
                port=5432,
                db="rasa",
                username="bot",
                password="p@ss",
            ),
            "postgresql+asyncpg://bot:p%40ss@db.example:5432/rasa",
        ),
        (
            TrackerStoreConfig(url="postgresql://bot:pw@db/rasa?sslmode=require"),
            "postgresql+asyncpg://bot:pw@db/rasa?sslmode=require",
        ),
        (TrackerStoreConfig(url="postgres://db/rasa"), "postgresql+asyncpg://db/rasa"),
    ],
    ids=[
        "no-store",
        "sql-defaults",
        "rasa-sqlite",
        "relative-sqlite-url",
        "absolute-sqlite-url",
        "rasa-postgres-fields",
        "postgres-url",
        "postgres-alias",
    ],
)
def test_sqlalchemy_url(tmp_path: Path, store: TrackerStoreConfig | None, expected: str) -> None:
    assert sqlalchemy_url(store, tmp_path) == expected.format(root=tmp_path.resolve())


def test_sqlalchemy_url_refuses_a_store_that_is_not_sql(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not an SQL store"):
        sqlalchemy_url(TrackerStoreConfig(type="InMemoryTrackerStore"), tmp_path)
