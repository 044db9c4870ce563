"""JWTs signed with a shared secret verify; anything altered, expired or re-algorithmed does not."""

from __future__ import annotations

import base64
import json

import pytest

from parley.security import Forbidden, sign_jwt, verify_jwt
from parley.security.jwt import JwtMethod

# The HS256 example token of RFC 7519's companion site jwt.io, signed with "your-256-bit-secret".
JWT_IO_EXAMPLE = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
SECRET = "a-long-shared-secret"


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_token_signed_elsewhere_verifies_and_gives_its_claims() -> None:
    claims = verify_jwt(JWT_IO_EXAMPLE, "your-256-bit-secret")

    assert claims == {"sub": "1234567890", "name": "John Doe", "iat": 1516239022}


@pytest.mark.parametrize("method", ["HS256", "HS384", "HS512"])
def test_signed_tokens_round_trip(method: JwtMethod) -> None:
    token = sign_jwt({"user": {"username": "alice"}}, SECRET, method)

    assert verify_jwt(token, SECRET, method) == {"user": {"username": "alice"}}


def test_a_changed_payload_does_not_verify() -> None:
    header, _, signature = sign_jwt({"user": {"role": "user"}}, SECRET).split(".")
    forged = f"{header}.{b64({'user': {'role': 'admin'}})}.{signature}"

    with pytest.raises(Forbidden, match="invalid token") as error:
        verify_jwt(forged, SECRET)
    assert "signature" in str(error.value.detail)


def test_another_secret_does_not_verify() -> None:
    with pytest.raises(Forbidden):
        verify_jwt(sign_jwt({}, "someone-elses-secret"), SECRET)


def test_an_unsigned_alg_none_token_is_refused() -> None:
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64({'user': {'role': 'admin'}})}."

    with pytest.raises(Forbidden, match="invalid token") as error:
        verify_jwt(token, SECRET)
    assert "HS256" in str(error.value.detail)


def test_a_token_of_another_algorithm_than_configured_is_refused() -> None:
    with pytest.raises(Forbidden):
        verify_jwt(sign_jwt({}, SECRET, "HS512"), SECRET, "HS256")


def test_expired_and_not_yet_valid_tokens_are_refused() -> None:
    with pytest.raises(Forbidden, match="invalid token") as expired:
        verify_jwt(sign_jwt({"exp": 1000}, SECRET), SECRET, now=lambda: 1000.0)
    with pytest.raises(Forbidden) as early:
        verify_jwt(sign_jwt({"nbf": 2000}, SECRET), SECRET, now=lambda: 1000.0)

    assert "expired" in str(expired.value.detail)
    assert "not valid yet" in str(early.value.detail)
    assert verify_jwt(sign_jwt({"exp": 1001}, SECRET), SECRET, now=lambda: 1000.0)


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b", "!!!.???.***", f"{b64({'alg': 'HS256'})}.bm90IGpzb24.c2ln"],
    ids=["empty", "one-part", "two-parts", "not-base64", "payload-not-json"],
)
def test_malformed_tokens_are_refused_not_crashed_on(token: str) -> None:
    with pytest.raises(Forbidden):
        verify_jwt(token, SECRET)
