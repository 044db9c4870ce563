"""Channel routers' lifespans: release what a channel holds when the server stops."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx


def closing(
    client: httpx.AsyncClient,
) -> Callable[[Any], contextlib.AbstractAsyncContextManager[None]]:
    """A router lifespan that closes ``client`` when the server shuts down."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        await client.aclose()

    return lifespan
