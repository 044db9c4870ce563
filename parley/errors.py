"""Errors of Parley's app layer: CLI, model loading, HTTP server, channels and shell.

Every error the app layer raises on purpose derives from :class:`ParleyError`, so
the CLI can catch that one class and print ``str(error)`` instead of a traceback::

    ParleyError
    ├── ConfigError          a project or endpoint file is invalid; the message names file and line
    ├── ModelNotFound        no trained model where one was asked for
    ├── ModelLoadError       a model archive exists but cannot be read (corrupt, wrong version)
    ├── ChannelError         credentials name an unknown channel, or give a channel bad settings
    └── InvalidRequest       the HTTP server refuses a request (400); carries a JSON-able detail
        └── PayloadTooLarge  the request body is over the server's limit (413)

Wrap lower-level failures with ``raise ModelLoadError(...) from e`` so the cause
stays attached.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ParleyError(Exception):
    """Base of every error Parley's app layer raises on purpose."""


class ConfigError(ParleyError):
    """A project file (``config.yml``, ``endpoints.yml``, ...) is invalid."""


class ModelNotFound(ParleyError):
    """No trained model exists at the path or in the directory that was given."""


class ModelLoadError(ParleyError):
    """A model archive was found but cannot be loaded (corrupt, truncated, incompatible)."""


class ChannelError(ParleyError):
    """A channel is unknown or misconfigured (``credentials.yml``), or failed to start."""


class InvalidRequest(ParleyError):
    """An HTTP request the server refuses. The server answers ``status_code`` with
    ``{"error": str(self), "detail": self.detail}``."""

    status_code: ClassVar[int] = 400

    def __init__(self, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.detail = detail


class PayloadTooLarge(InvalidRequest):
    """The request body is larger than the server accepts."""

    status_code: ClassVar[int] = 413
