"""Alembic migrations of the SQL tracker store's schema; run by :mod:`dialogue.stores.schema`."""
