"""Security of the HTTP server: API authentication (token, JWT) and per-sender rate limits.

:func:`install_security` adds both to an app; ``parley.server.create_app`` calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI

from parley.security.auth import ApiAuth, ApiAuthMiddleware
from parley.security.errors import Forbidden, RateLimited, SecurityRefusal, Unauthenticated
from parley.security.jwt import JWT_METHODS, sign_jwt, verify_jwt
from parley.security.ratelimit import (
    RateLimit,
    SenderRateLimiter,
    SenderRateLimitMiddleware,
    check_sender,
)

DEFAULT_RATE_LIMIT = RateLimit(messages=60, seconds=60)


@dataclass(frozen=True)
class ApiSecurity:
    """The server's security settings. The default: an open API and no rate limit."""

    auth: ApiAuth = field(default_factory=ApiAuth)
    rate_limit: RateLimit | None = None


def add_rate_limit(app: FastAPI, security: ApiSecurity) -> None:
    """Limit webhook messages per sender; add inside the body-size limit (it reads bodies)."""
    if security.rate_limit is not None:
        limiter = SenderRateLimiter(security.rate_limit)
        app.add_middleware(SenderRateLimitMiddleware, limiter=limiter)


def add_api_auth(app: FastAPI, security: ApiSecurity) -> None:
    """Require credentials on the management API, when a token or JWT secret is configured."""
    if security.auth.enabled:
        app.add_middleware(ApiAuthMiddleware, auth=security.auth)


__all__ = [
    "DEFAULT_RATE_LIMIT",
    "JWT_METHODS",
    "ApiAuth",
    "ApiSecurity",
    "Forbidden",
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
