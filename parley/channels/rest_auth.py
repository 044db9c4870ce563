"""Who may post to the REST channel: anyone (Rasa's default), a holder of its token, or the
bearer of a signed JWT naming the sender.

``credentials.yml``::

    rest:
      token: ${REST_TOKEN}        # callers send ?token=... or 'Authorization: Bearer ...'
      jwt_secret: ${REST_JWT}     # or a JWT (HS256) whose user.username (or sub) is the sender
      jwt_method: HS256

With a JWT the sender id cannot be spoofed: a web chat backend signs one token per
user, and that token can post only as that user. Without a credential the channel
answers 401; with a wrong one, or a JWT naming someone else, 403.
"""

from __future__ import annotations

import hmac
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from parley.security.auth import credential_of
from parley.security.errors import Forbidden, Unauthenticated
from parley.security.jwt import verify_jwt


class RestSettings(BaseModel):
    """The ``rest:`` section of ``credentials.yml``; empty means open, as in Rasa."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token: str | None = Field(None, min_length=1, description="Shared token callers must send.")
    jwt_secret: str | None = Field(
        None, min_length=1, description="Secret of the JWTs that name their sender."
    )
    jwt_method: Literal["HS256", "HS384", "HS512"] = "HS256"

    @property
    def open(self) -> bool:
        return self.token is None and self.jwt_secret is None

    def check(self, request: Request, sender: str) -> None:
        """Allow ``request`` to post as ``sender``, or raise 401/403."""
        if self.open:
            return
        credential = credential_of(request.scope)
        if credential is None:
            raise Unauthenticated(
                "not authenticated", "the REST channel needs its token or a JWT for the sender"
            )
        if self.token is not None and hmac.compare_digest(
            credential.encode(), self.token.encode()
        ):
            return
        if self.jwt_secret is None:
            raise Forbidden("invalid token", "the token is not the REST channel's")
        claims = verify_jwt(credential, self.jwt_secret, self.jwt_method)
        if _named_sender(claims) != sender:
            raise Forbidden("insufficient permissions", "this JWT may not post as that sender")


def _named_sender(claims: dict[str, Any]) -> str | None:
    user = claims.get("user")
    if isinstance(user, dict) and isinstance(user.get("username"), str):
        return str(user["username"])
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None
