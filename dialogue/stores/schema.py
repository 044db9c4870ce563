"""Create or upgrade the tracker store's tables with the bundled Alembic migrations.

:func:`upgrade_schema` brings any database to the newest revision in one
transaction: an empty database gets all tables; a database made by Parley 0.1
(an ``events`` table, no version table) is stamped as the baseline revision
and upgraded, keeping every stored conversation. Concurrent callers (several
workers starting at once) are serialised: a PostgreSQL advisory lock, or
SQLite's write lock (``BEGIN IMMEDIATE``). The revision lives in the table
``parley_alembic_version``, so the database can be shared with other Alembic
projects.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "parley_alembic_version"
BASELINE = "0001_baseline"
_ADVISORY_LOCK_KEY = 0x7061726C6579  # "parley"


def alembic_config(connection: Connection) -> Config:
    """An Alembic configuration that runs the bundled migrations on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade_schema(connection: Connection) -> None:
    """Bring the database behind ``connection`` (inside a transaction) to the newest revision."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
    config = alembic_config(connection)
    tables = set(inspect(connection).get_table_names())
    if "events" in tables and VERSION_TABLE not in tables:
        command.stamp(config, BASELINE)
    command.upgrade(config, "head")


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; ``None`` before the first migration."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def head_revision() -> str:
    """The newest revision the bundled migrations know."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations in {MIGRATIONS}; the installation is incomplete")
    return head
