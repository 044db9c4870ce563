"""Alembic environment: runs on the connection :mod:`dialogue.stores.schema` hands over."""

from __future__ import annotations

from alembic import context

from dialogue.stores.schema import VERSION_TABLE
from dialogue.stores.tables import Base

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
)
with context.begin_transaction():
    context.run_migrations()
