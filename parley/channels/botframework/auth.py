"""Bot Framework authentication, both ways.

In: the Bot Connector signs each request with a JWT (``Authorization: Bearer``).
It is accepted only if it is RS256-signed by a key of the JWKS that the OpenID
metadata document names, the key is endorsed for the activity's channel, the
issuer is ``https://api.botframework.com``, the audience is the bot's app id,
it is within its validity (5 minutes of clock skew), and its ``serviceUrl``
claim is the activity's (so replies go only where Microsoft said). Keys are
cached for a day and fetched again when an unknown ``kid`` appears.

Out: replies carry an access token from the client-credentials grant of the
bot's app id and password, cached until shortly before it expires.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import httpx
import jwt

from parley.security.errors import Forbidden, Unauthenticated

OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TOKEN_URL = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
ISSUER = "https://api.botframework.com"
SCOPE = "https://api.botframework.com/.default"
_KEYS_TTL, _LEEWAY = 24 * 3600.0, 300


class BotFrameworkAuth:
    def __init__(
        self,
        client: httpx.AsyncClient,
        app_id: str,
        app_password: str,
        metadata_url: str = OPENID_METADATA_URL,
        token_url: str = TOKEN_URL,
    ) -> None:
        self.client, self.app_id, self.app_password = client, app_id, app_password
        self.metadata_url, self.token_url = metadata_url, token_url
        self._keys: dict[str, Mapping[str, Any]] = {}
        self._keys_at = 0.0
        self._token: tuple[str, float] | None = None
        self._lock = asyncio.Lock()

    async def verify(self, authorization: str | None, activity: Mapping[str, Any]) -> None:
        """Accept a request the Bot Connector signed for this bot and activity, else raise."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("unsigned request", "a Bot Connector JWT is required")
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as e:
            raise Forbidden("invalid token", str(e)) from e
        key = await self._key(str(kid))
        if str(activity.get("channelId")) not in key.get("endorsements", ()):
            raise Forbidden("invalid token", "the signing key is not endorsed for this channel")
        try:
            claims = jwt.decode(
                token,
                jwt.PyJWK(dict(key)).key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=ISSUER,
                leeway=_LEEWAY,
            )
        except jwt.PyJWTError as e:
            raise Forbidden("invalid token", str(e)) from e
        if claims.get("serviceUrl") != activity.get("serviceUrl"):
            raise Forbidden("invalid token", "the token's serviceUrl is not the activity's")

    async def _key(self, kid: str) -> Mapping[str, Any]:
        async with self._lock:
            stale = time.monotonic() - self._keys_at > _KEYS_TTL
            if kid not in self._keys or stale:
                await self._fetch_keys()
        key = self._keys.get(kid)
        if key is None:
            raise Forbidden("invalid token", "the token is signed with an unknown key")
        return key

    async def _fetch_keys(self) -> None:
        try:
            metadata = (await self.client.get(self.metadata_url)).raise_for_status().json()
            jwks = (await self.client.get(metadata["jwks_uri"])).raise_for_status().json()
        except (httpx.HTTPError, ValueError, KeyError) as e:
            raise Unauthenticated("cannot verify the token", f"no signing keys: {e}") from e
        self._keys = {str(k.get("kid")): k for k in jwks.get("keys", ()) if isinstance(k, dict)}
        self._keys_at = time.monotonic()

    async def access_token(self) -> str:
        """A token for the Bot Connector API (client-credentials grant), cached."""
        if self._token is not None and self._token[1] > time.monotonic():
            return self._token[0]
        form = {
            "grant_type": "client_credentials",
            "client_id": self.app_id,
            "client_secret": self.app_password,
            "scope": SCOPE,
        }
        body = (await self.client.post(self.token_url, data=form)).raise_for_status().json()
        expires = time.monotonic() + float(body.get("expires_in", 3600)) - 60
        self._token = (str(body["access_token"]), expires)
        return self._token[0]
