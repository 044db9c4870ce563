"""Who may use the management API: a static token, or a JWT signed with a shared secret.

Every route is protected except the public ones (hello, health, version, the API
docs) and the channel webhooks under ``/webhooks/``, which verify their callers
the way their platform does (Slack signs its requests). Credentials come as
``?token=...`` (Rasa's way) or ``Authorization: Bearer ...``; either may carry
the token or a JWT.

A JWT whose ``user.role`` is ``admin`` may do everything; any other JWT may read
and write only the conversation named by its ``user.username`` (Rasa's rule),
and use the routes that touch no conversation (``/model/parse``). ``/metrics``,
which describes every conversation, needs the token or an admin JWT. The
conversation id is the request's path as the server decoded it, once: a path
``/conversations/alic%2565/...`` names the conversation ``alic%65``.
No credentials → 401; wrong, expired or insufficient ones → 403.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from parley.security.errors import Forbidden, SecurityRefusal, Unauthenticated
from parley.security.jwt import JwtMethod, verify_jwt

logger = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset(
    {"/", "/health", "/version", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
)
PUBLIC_PREFIXES = ("/webhooks/",)
ADMIN_ROLE = "admin"
ADMIN_ONLY_PATHS = frozenset({"/metrics"})


@dataclass(frozen=True)
class ApiAuth:
    """How API callers prove who they are. With neither a token nor a secret, the API is open."""

    token: str | None = None
    jwt_secret: str | None = None
    jwt_method: JwtMethod = "HS256"

    def __post_init__(self) -> None:
        for name in ("token", "jwt_secret"):
            if getattr(self, name) == "":
                raise ValueError(f"the API {name} must not be empty")

    @property
    def enabled(self) -> bool:
        return self.token is not None or self.jwt_secret is not None

    def check(self, path: str, credential: str | None) -> None:
        """Allow a request for ``path`` carrying ``credential``, or raise 401/403."""
        if credential is None:
            raise Unauthenticated(
                "not authenticated",
                "this route needs a token: '?token=...' or 'Authorization: Bearer ...'",
            )
        if self.token is not None and hmac.compare_digest(credential.encode(), self.token.encode()):
            return
        if self.jwt_secret is None:
            raise Forbidden("invalid token", "the token is not the server's")
        claims = verify_jwt(credential, self.jwt_secret, self.jwt_method)
        _check_scope(claims, path)


def _check_scope(claims: dict[str, Any], path: str) -> None:
    user = claims.get("user")
    user = user if isinstance(user, dict) else {}
    if user.get("role") == ADMIN_ROLE:
        return
    if path in ADMIN_ONLY_PATHS:
        raise Forbidden("insufficient permissions", f"{path} needs the token or an admin JWT")
    conversation = conversation_in_path(path)
    if conversation is not None and user.get("username") != conversation:
        raise Forbidden(
            "insufficient permissions",
            f"this token may only access the conversation {user.get('username')!r}",
        )


def conversation_in_path(path: str) -> str | None:
    """The ``{conversation_id}`` of a ``/conversations/{conversation_id}/...`` path, which the
    server has already percent-decoded (decoding again would let ``%2565`` name ``e``)."""
    parts = path.split("/")
    if len(parts) >= 3 and parts[1] == "conversations":
        return parts[2]
    return None


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def credential_of(scope: Scope) -> str | None:
    """The token or JWT a request carries: ``?token=`` first, then a Bearer header."""
    query: bytes = scope.get("query_string", b"")
    tokens = parse_qs(query.decode("latin-1")).get("token")
    if tokens:
        return tokens[0]
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for name, value in headers:
        if name == b"authorization":
            scheme, _, credential = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credential.strip():
                return credential.strip()
    return None


class ApiAuthMiddleware:
    """Refuses requests to protected routes that lack valid credentials (401/403)."""

    def __init__(self, app: ASGIApp, auth: ApiAuth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "OPTIONS" or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        try:
            self.auth.check(scope["path"], credential_of(scope))
        except SecurityRefusal as refusal:
            logger.info("%s %s refused: %s", scope["method"], scope["path"], refusal.detail)
            await refusal.response()(scope, receive, send)
            return
        await self.app(scope, receive, send)
