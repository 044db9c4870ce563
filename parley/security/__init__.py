"""Security of the HTTP server: API authentication (token, JWT) and rate limits per sender
and per client address.

:func:`install_security` adds both to an app; ``parley.server.create_app`` calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI

from parley.security.auth import ApiAuth, ApiAuthMiddleware
from parley.security.errors import Forbidden, RateLimited, SecurityRefusal, Unauthenticated
from parley.security.jwt import JWT_METHODS, sign_jwt, verify_jwt
from parley.security.ratelimit import (
    Buckets,
    MemoryBuckets,
    RateLimit,
    SenderRateLimiter,
    SenderRateLimitMiddleware,
    check_sender,
)

DEFAULT_RATE_LIMIT = RateLimit(messages=60, seconds=60)


@dataclass(frozen=True)
class ApiSecurity:
    """The server's security settings. The default (for code building an app itself): the
    management API served and open, no rate limit. ``parley run`` serves the management
    API only with ``--enable-api`` (``api_enabled``), as Rasa does.

    ``rate_limit`` applies to each sender of each channel; ``address_rate_limit`` to
    each client address, so rotating sender ids does not escape the limit.
    """

    auth: ApiAuth = field(default_factory=ApiAuth)
    rate_limit: RateLimit | None = None
    api_enabled: bool = True
    address_rate_limit: RateLimit | None = None


def add_rate_limit(app: FastAPI, security: ApiSecurity, buckets: Buckets | None = None) -> None:
    """Limit webhook messages per sender and per address, counting in ``buckets`` (default:
    this process); add inside the body-size limit (it reads bodies)."""
    if security.rate_limit is not None or security.address_rate_limit is not None:
        app.add_middleware(
            SenderRateLimitMiddleware,
            sender=security.rate_limit,
            address=security.address_rate_limit,
            buckets=buckets,
        )


def add_api_auth(app: FastAPI, security: ApiSecurity) -> None:
    """Require credentials on the management API, when a token or JWT secret is configured."""
    if security.auth.enabled:
        app.add_middleware(ApiAuthMiddleware, auth=security.auth)


__all__ = [
    "DEFAULT_RATE_LIMIT",
    "JWT_METHODS",
    "ApiAuth",
    "ApiSecurity",
    "Buckets",
    "Forbidden",
    "MemoryBuckets",
    "RateLimit",
    "RateLimited",
    "SecurityRefusal",
    "SenderRateLimiter",
    "Unauthenticated",
    "add_api_auth",
    "add_rate_limit",
    "check_sender",
    "sign_jwt",
    "verify_jwt",
]
