"""Verifying JSON Web Tokens signed with a shared secret (HS256, HS384, HS512), with the stdlib.

Only the algorithm the server is configured with is accepted, whatever the
token's header claims, so ``"alg": "none"`` and algorithm swaps are refused.
``exp`` and ``nbf`` are checked when present.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any, Literal, get_args

from parley.security.errors import Forbidden

JwtMethod = Literal["HS256", "HS384", "HS512"]
JWT_METHODS: tuple[str, ...] = get_args(JwtMethod)
_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def verify_jwt(
    token: str,
    secret: str,
    method: JwtMethod = "HS256",
    now: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """The claims of ``token``; :class:`Forbidden` saying why when it does not verify."""
    parts = token.split(".")
    if len(parts) != 3:
        raise Forbidden("invalid token", "a JWT has three dot-separated parts")
    header, claims = _json_part(parts[0], "header"), _json_part(parts[1], "payload")
    if header.get("alg") != method:
        raise Forbidden("invalid token", f"the server accepts JWTs signed with {method} only")
    expected = hmac.new(secret.encode(), f"{parts[0]}.{parts[1]}".encode(), _HASHES[method])
    if not hmac.compare_digest(expected.digest(), _decode(parts[2], "signature")):
        raise Forbidden("invalid token", "the JWT signature does not match")
    _check_times(claims, now())
    return claims


def sign_jwt(claims: dict[str, Any], secret: str, method: JwtMethod = "HS256") -> str:
    """A JWT carrying ``claims``, signed with ``secret`` (for clients, tools and tests)."""
    header = _encode(json.dumps({"alg": method, "typ": "JWT"}).encode())
    payload = _encode(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), _HASHES[method])
    return f"{header}.{payload}.{_encode(signature.digest())}"


def _check_times(claims: dict[str, Any], now: float) -> None:
    expires, not_before = claims.get("exp"), claims.get("nbf")
    for name, value in (("exp", expires), ("nbf", not_before)):
        if value is not None and not isinstance(value, int | float):
            raise Forbidden("invalid token", f"the JWT claim {name!r} must be a number")
    if expires is not None and now >= expires:
        raise Forbidden("invalid token", "the JWT has expired")
    if not_before is not None and now < not_before:
        raise Forbidden("invalid token", "the JWT is not valid yet")


def _json_part(part: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(_decode(part, name))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise Forbidden("invalid token", f"the JWT {name} is not JSON") from e
    if not isinstance(value, dict):
        raise Forbidden("invalid token", f"the JWT {name} is not a JSON object")
    return value


def _decode(part: str, name: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as e:
        raise Forbidden("invalid token", f"the JWT {name} is not base64url") from e


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
