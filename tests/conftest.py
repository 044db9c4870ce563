"""Fixtures shared by the whole test suite.

``postgres_url`` gives each test its own empty PostgreSQL schema, reached by a
plain SQLAlchemy URL. PostgreSQL is found through ``PARLEY_TEST_POSTGRES_URL``
(default: the local server). When it is unreachable the tests that need it are
skipped locally, but fail when the ``CI`` environment variable is set: CI must
never pass by silently skipping its database tests.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import URL, make_url

# Tests that train the reference bot should not spend minutes fine-tuning its NLG model;
# the tests of fine-tuning clear this themselves.
os.environ.setdefault("PARLEY_SKIP_NLG_TRAINING", "1")

POSTGRES_URL_ENV = "PARLEY_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_admin_url() -> URL:
    """URL of a PostgreSQL role allowed to create roles and schemas (checked once per run)."""
    url = make_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    host, port = url.host or "127.0.0.1", url.port or 5432
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as e:
        reason = (
            f"PostgreSQL at {host}:{port} is unreachable ({e}); start it or set {POSTGRES_URL_ENV}"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason}. CI must run the PostgreSQL tests.", pytrace=False)
        pytest.skip(reason)
    return url


@pytest.fixture
async def postgres_url(postgres_admin_url: URL) -> AsyncIterator[str]:
    """A URL whose user owns a fresh, empty schema, first on its search path; dropped afterwards.

    Each test gets its own role and schema named ``parley_test_<random>``, so tests
    never see each other's tables, and code under test needs nothing but the URL.
    """
    name = f"parley_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = postgres_admin_url.set(drivername="postgresql").render_as_string(
        hide_password=False
    )
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{name}'")
        await admin.execute(f"CREATE SCHEMA {name} AUTHORIZATION {name}")
        await admin.execute(f"ALTER ROLE {name} SET search_path = {name}")
        yield postgres_admin_url.set(username=name, password=name).render_as_string(
            hide_password=False
        )
    finally:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", name
        )
        await admin.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        await admin.execute(f"DROP ROLE IF EXISTS {name}")
        await admin.close()


def require_shared(path: Path) -> Path:
    """``path`` under the shared folder; a missing one skips locally but fails in CI."""
    if not path.exists():
        reason = f"{path} is missing; put the repository beside shared/ or set PARLEY_SHARED"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return path
