"""Refusals of the HTTP security layer, each answered with its own status code::

InvalidRequest (parley.errors)
└── SecurityRefusal
    ├── Unauthenticated   401: no credentials, or a platform signature that does not verify
    ├── Forbidden         403: wrong or expired credentials, or not enough for the route
    └── RateLimited       429: too many messages from one sender; retry after ``retry_after`` s
"""

from __future__ import annotations

from typing import Any, ClassVar

from fastapi.responses import JSONResponse

from parley.errors import InvalidRequest


class SecurityRefusal(InvalidRequest):
    """A request refused for who sent it, not for what it says."""

    def headers(self) -> dict[str, str]:
        """Headers the refusal is answered with."""
        return {}

    def response(self) -> JSONResponse:
        """The server's error shape, ``{"error", "detail"}``, with this refusal's status."""
        body = {"error": str(self), "detail": self.detail}
        return JSONResponse(body, status_code=self.status_code, headers=self.headers())


class Unauthenticated(SecurityRefusal):
    status_code: ClassVar[int] = 401

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(SecurityRefusal):
    status_code: ClassVar[int] = 403


class RateLimited(SecurityRefusal):
    status_code: ClassVar[int] = 429

    def __init__(self, message: str, retry_after: int, detail: Any = None) -> None:
        super().__init__(message, detail)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
