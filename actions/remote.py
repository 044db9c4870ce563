"""Remote custom actions: a Rasa-protocol action server (``rasa_sdk``, ``parley run actions``).

``endpoints.yml``::

    action_endpoint:
      url: http://localhost:5055/webhook
      token: ${ACTION_TOKEN}     # optional; sent as ?token=... like Rasa
      timeout: 5                 # seconds per call (default 5)

How failures are told apart (each becomes an :mod:`actions.errors` error, which
the agent answers with the fallback response, or lets the policies choose again
after a rejection):

==============================  ==============================================
the server                      becomes
==============================  ==============================================
refuses the connection          retried with backoff (the call never arrived),
                                then :class:`ActionServerError`
does not answer in ``timeout``  :class:`ActionServerError` (not retried: the
                                action may have run)
404 (unknown action)            :class:`ActionNotFound`
400 naming the action           :class:`ActionRejected` (ActionExecutionRejection)
other status, or not JSON       :class:`ActionServerError`
==============================  ==============================================

After ``breaker_failures`` unreachable calls in a row the circuit opens: calls
fail at once, without waiting on the dead server, until ``breaker_reset``
seconds have passed; then one call tries again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from actions.errors import ActionNotFound, ActionRejected, ActionServerError
from actions.interfaces import ActionContext
from actions.protocol import action_call, answer_events
from dialogue.events import Event

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class RemoteSettings:
    """Where the action server is and how patient to be with it."""

    url: str
    timeout: float = DEFAULT_TIMEOUT
    token: str | None = None
    token_name: str = "token"
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    retries: int = 2
    backoff: float = 0.1
    breaker_failures: int = 3
    breaker_reset: float = 30.0

    @property
    def query(self) -> dict[str, Any]:
        token = {self.token_name: self.token} if self.token else {}
        return {**self.params, **token}


class CircuitBreaker:
    """Closed until ``failures`` unreachable calls in a row; open for ``reset_after`` seconds."""

    def __init__(
        self, failures: int, reset_after: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.failures, self.reset_after, self._clock = failures, reset_after, clock
        self._failed_in_a_row = 0
        self._opened_at: float | None = None

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None and self._clock() - self._opened_at < self.reset_after

    def allow(self) -> bool:
        """Whether a call may go out now (closed, or open long enough to try once more)."""
        return not self.is_open

    def succeeded(self) -> None:
        self._failed_in_a_row, self._opened_at = 0, None

    def failed(self) -> None:
        self._failed_in_a_row += 1
        if self._failed_in_a_row >= self.failures:
            self._opened_at = self._clock()


class RemoteActions:
    """Runs custom actions on an action server over HTTP (Rasa's protocol)."""

    def __init__(self, settings: RemoteSettings, breaker: CircuitBreaker | None = None) -> None:
        self.settings = settings
        self.breaker = breaker or CircuitBreaker(settings.breaker_failures, settings.breaker_reset)
        self._client: httpx.AsyncClient | None = None

    def knows(self, action_name: str) -> bool:
        """Unknown until asked: the domain's ``actions`` list says what the server runs."""
        return False

    async def run(self, action_name: str, context: ActionContext) -> Sequence[Event]:
        conversation = context.tracker.conversation_id
        if not self.breaker.allow():
            raise ActionServerError(
                action_name,
                f"the action server at {self.settings.url} is unreachable; not calling it for "
                f"{self.settings.breaker_reset:g}s after {self.breaker.failures} failed calls",
            )
        started = time.perf_counter()
        response = await self._post(action_name, action_call(action_name, context))
        log.debug(
            "conversation %s: %s answered %d in %.1f ms",
            conversation,
            action_name,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return await answer_events(action_name, _answer(action_name, response), context)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.settings.timeout, headers=dict(self.settings.headers)
            )
        return self._client

    async def _post(self, action_name: str, body: dict[str, Any]) -> httpx.Response:
        """POST with retries for calls that never reached the server."""
        settings = self.settings
        for attempt in range(settings.retries + 1):
            try:
                response = await self._http().post(settings.url, json=body, params=settings.query)
            except httpx.ConnectError as e:
                if attempt < settings.retries:
                    await asyncio.sleep(settings.backoff * 2**attempt)
                    continue
                self.breaker.failed()
                raise ActionServerError(
                    action_name, f"cannot reach the action server at {settings.url}: {e}"
                ) from e
            except httpx.TimeoutException as e:
                self.breaker.failed()
                raise ActionServerError(
                    action_name,
                    f"the action server at {settings.url} did not answer within "
                    f"{settings.timeout:g}s",
                ) from e
            except httpx.HTTPError as e:
                self.breaker.failed()
                raise ActionServerError(action_name, f"HTTP error: {e}") from e
            self.breaker.succeeded()
            return response
        raise AssertionError("unreachable")


def _answer(action_name: str, response: httpx.Response) -> Any:
    """The decoded JSON of a 200 answer; every other status becomes its error."""
    try:
        body = response.json()
    except ValueError as e:
        snippet = response.text[:200]
        raise ActionServerError(
            action_name,
            f"the action server answered {response.status_code} with non-JSON {snippet!r}",
        ) from e
    if response.status_code == 200:
        return body
    detail = body.get("error") if isinstance(body, Mapping) else body
    if response.status_code == 404:
        raise ActionNotFound(action_name, f"the action server does not know it: {detail}")
    if response.status_code == 400 and isinstance(body, Mapping) and "action_name" in body:
        raise ActionRejected(action_name, str(detail))
    raise ActionServerError(
        action_name, f"the action server answered {response.status_code}: {detail!r:.300}"
    )
