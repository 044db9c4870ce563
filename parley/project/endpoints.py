"""``endpoints.yml``: where conversations are stored, locked, and where actions and NLG run.

Known keys are typed; any other key of a section is kept in ``section.options``
for the plug-in that the section's ``type`` selects. Unknown *sections* are
errors. ``${NAME}`` in string values is replaced from the environment first.

An absent file, or an absent ``tracker_store``, means Parley's default: an SQL
store in ``<project>/parley.db`` (SQLite); see :func:`sqlalchemy_url`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from parley.project.envvars import substitute_env
from parley.project.rasa_keys import ENDPOINTS_KEYS, without_ignored_keys
from parley.project.schema import expect_mapping, validate_located
from parley.yamlfile import load_yaml

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

DEFAULT_DATABASE = "parley.db"
_STORE_KINDS = {
    "sql": "sql",
    "sqltrackerstore": "sql",
    "memory": "memory",
    "in_memory": "memory",
    "inmemorytrackerstore": "memory",
    "inmemorylockstore": "memory",
    "redis": "redis",
    "redislockstore": "redis",
    "redistrackerstore": "redis",
}
_SQL_BACKENDS = {"sqlite": "sqlite", "postgresql": "postgresql", "postgres": "postgresql"}
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def store_kind(type_name: str) -> str:
    """``"sql"``, ``"memory"`` or ``"redis"`` for Rasa's spellings of those; else ``type_name``."""
    return _STORE_KINDS.get(type_name.lower(), type_name)


class _Section(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    @property
    def options(self) -> dict[str, Any]:
        """Keys this model does not know, as written, for the plug-in."""
        return dict(self.model_extra or {})


class TrackerStoreConfig(_Section):
    type: str = Field(
        default="sql", description="sql/SQL/SQLTrackerStore, memory/InMemoryTrackerStore…"
    )
    url: str | None = Field(
        default=None, description="A full SQLAlchemy URL, or (Rasa) the DB host."
    )
    dialect: str | None = Field(
        default=None, description="Rasa's SQL dialect: sqlite or postgresql."
    )
    port: int | None = None
    db: str | None = Field(default=None, description="Database name, or the SQLite file path.")
    username: str | None = None
    password: str | None = None
    login_db: str | None = None
    query: Mapping[str, str] = Field(default_factory=dict)

    @property
    def kind(self) -> str:
        return store_kind(self.type)

    @field_validator("dialect")
    @classmethod
    def _known_dialect(cls, value: str | None) -> str | None:
        if value is not None and value.split("+")[0].lower() not in _SQL_BACKENDS:
            raise ValueError(f"unsupported SQL dialect {value!r}; use sqlite or postgresql")
        return value

    @model_validator(mode="after")
    def _sql_url(self) -> TrackerStoreConfig:
        if self.kind == "sql" and self.url and "://" in self.url:
            _sql_backend(self.url)
        return self


class LockStoreConfig(_Section):
    type: str = Field(
        default="in_memory", description="in_memory/InMemoryLockStore or redis/RedisLockStore."
    )
    url: str | None = None
    port: int | None = None
    db: int | None = None
    password: str | None = None
    key_prefix: str | None = None

    @property
    def kind(self) -> str:
        return store_kind(self.type)


class EndpointConfig(_Section):
    """An HTTP endpoint (``nlg``, ``models``) or a typed plug-in (``event_broker``)."""

    type: str | None = None
    url: str | None = None
    token: str | None = None
    token_name: str = "token"
    timeout: float | None = Field(default=None, gt=0)
    headers: Mapping[str, Any] = Field(default_factory=dict)
    params: Mapping[str, Any] = Field(default_factory=dict)


class ActionEndpointConfig(_Section):
    """Custom actions: a remote action server (``url``) or an in-process ``actions_module``."""

    type: str | None = None
    url: str | None = None
    actions_module: str | None = None
    token: str | None = None
    token_name: str = "token"
    timeout: float | None = Field(default=None, gt=0)
    headers: Mapping[str, Any] = Field(default_factory=dict)
    params: Mapping[str, Any] = Field(default_factory=dict)
    cafile: str | None = None

    @property
    def kind(self) -> str:
        """``type`` if given, else ``"remote"`` (a ``url``) or ``"module"`` (``actions_module``)."""
        if self.type:
            return self.type
        return "remote" if self.url else "module"

    @model_validator(mode="after")
    def _says_where(self) -> ActionEndpointConfig:
        if not (self.type or self.url or self.actions_module):
            raise ValueError("needs 'url' (an action server) or 'actions_module'")
        return self


class EndpointsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    version: str | None = Field(default=None, description="Rasa's file format version.")
    tracker_store: TrackerStoreConfig | None = None
    lock_store: LockStoreConfig | None = None
    action_endpoint: ActionEndpointConfig | None = None
    nlg: EndpointConfig | None = None
    models: EndpointConfig | None = None
    event_broker: EndpointConfig | None = None

    @field_validator("nlg")
    @classmethod
    def _llm_options(cls, value: EndpointConfig | None) -> EndpointConfig | None:
        """``type: llm`` options are checked here, so a typo is reported with its line."""
        if value is None or value.type not in ("llm", "LLMNaturalLanguageGenerator"):
            return value
        from nlg.config import LLMOptions

        options = value.model_dump(exclude_none=True, exclude_defaults=True, exclude={"type"})
        try:
            LLMOptions.model_validate(options)
        except ValidationError as e:
            problems = [f"{'.'.join(map(str, d['loc']))}: {d['msg']}" for d in e.errors()]
            raise ValueError("; ".join(problems)) from None
        return value


def load_endpoints(path: Path, environ: Mapping[str, str] | None = None) -> EndpointsConfig:
    """Read ``endpoints.yml``; an absent file gives the defaults. ``environ`` defaults to
    ``os.environ``. Raises :class:`ProjectFileError` naming file and line."""
    if not path.exists():
        return EndpointsConfig()
    raw = expect_mapping(load_yaml(path), path, 1, "endpoints.yml")
    raw = without_ignored_keys(raw, ENDPOINTS_KEYS, path)
    data = substitute_env(raw, path, os.environ if environ is None else environ)
    return validate_located(EndpointsConfig, data, data, path)


def sqlalchemy_url(tracker_store: TrackerStoreConfig | None, project_root: Path) -> str:
    """The async SQLAlchemy URL of an SQL tracker store.

    ``None`` gives ``sqlite+aiosqlite:///<project_root>/parley.db``. A full ``url``
    is switched to the async driver (``aiosqlite``/``asyncpg``); otherwise the URL
    is built from Rasa's ``dialect``, ``url`` (host), ``port``, ``db``,
    ``username``, ``password`` and ``query``. Relative SQLite paths are relative to
    ``project_root``. Raises ``ValueError`` for a store that is not SQL.
    """
    if tracker_store is None:
        return _sqlite_url(DEFAULT_DATABASE, project_root)
    if tracker_store.kind != "sql":
        raise ValueError(f"tracker store type {tracker_store.type!r} is not an SQL store")
    if tracker_store.url and "://" in tracker_store.url:
        return _async_url(tracker_store.url, project_root)
    backend = _SQL_BACKENDS[(tracker_store.dialect or "sqlite").split("+")[0].lower()]
    if backend == "sqlite":
        return _sqlite_url(tracker_store.db or DEFAULT_DATABASE, project_root)
    from sqlalchemy.engine import URL

    url = URL.create(
        drivername=_ASYNC_DRIVERS[backend],
        username=tracker_store.username,
        password=tracker_store.password,
        host=tracker_store.url or "localhost",
        port=tracker_store.port,
        database=tracker_store.db,
        query=dict(tracker_store.query),
    )
    return url.render_as_string(hide_password=False)


def _parsed_url(url: str) -> URL:
    """``url`` parsed by SQLAlchemy, imported only when a project has an SQL URL."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except ArgumentError as e:
        raise ValueError(f"invalid database URL: {e}") from e


def _sql_backend(url: str) -> str:
    backend = _parsed_url(url).get_backend_name()
    if backend not in _SQL_BACKENDS:
        raise ValueError(f"unsupported database {backend!r} in url; use sqlite or postgresql")
    return _SQL_BACKENDS[backend]


def _async_url(url: str, project_root: Path) -> str:
    parsed = _parsed_url(url)
    backend = _sql_backend(url)
    if backend == "sqlite":
        return _sqlite_url(parsed.database or DEFAULT_DATABASE, project_root)
    async_url = parsed.set(drivername=_ASYNC_DRIVERS[backend])
    return async_url.render_as_string(hide_password=False)


def _sqlite_url(database: str, project_root: Path) -> str:
    if database == ":memory:":
        return "sqlite+aiosqlite:///:memory:"
    path = Path(database)
    if not path.is_absolute():
        path = project_root.resolve() / path
    return f"sqlite+aiosqlite:///{path}"
