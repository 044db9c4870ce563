"""Logging for operations: one JSON object per line, tagged with the conversation id, with a
switch that keeps users' message text out of the logs.

The agent wraps each turn in :func:`conversation_context`; every record logged
while the turn runs (by Parley or a library) carries its ``conversation_id``.
With ``redact_text=True`` the turn's message text is replaced by ``[redacted]``
wherever it appears in a record's message or exception text.

    configure_logging("json", level=logging.INFO, redact_text=True)
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

LogFormat = Literal["text", "json"]
REDACTED = "[redacted]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True)
class _Turn:
    conversation_id: str
    text: str


@dataclass(frozen=True)
class LogSettings:
    """How ``parley run`` logs: ``text`` or ``json`` lines, and whether to redact user text."""

    log_format: LogFormat = "text"
    redact_text: bool = False

    @property
    def customised(self) -> bool:
        return self != LogSettings()

    def apply(self, level: int) -> logging.Handler:
        return configure_logging(self.log_format, level, self.redact_text)


_turn: ContextVar[_Turn | None] = ContextVar("parley_log_turn", default=None)


@contextmanager
def conversation_context(conversation_id: str, text: str = "") -> Iterator[None]:
    """Tag the records logged inside the block with ``conversation_id``; ``text`` is what
    redaction removes."""
    token = _turn.set(_Turn(conversation_id, text))
    try:
        yield
    finally:
        _turn.reset(token)


class ConversationFilter(logging.Filter):
    """Adds ``conversation_id`` to each record and, with ``redact_text``, removes the turn's
    message text from it."""

    def __init__(self, redact_text: bool = False) -> None:
        super().__init__()
        self.redact_text = redact_text

    def filter(self, record: logging.LogRecord) -> bool:
        turn = _turn.get()
        record.conversation_id = turn.conversation_id if turn else None
        if self.redact_text and turn is not None and turn.text.strip():
            message = record.getMessage().replace(turn.text, REDACTED)
            record.msg, record.args = message, None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = record.exc_text.replace(turn.text, REDACTED)
        return True


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "conversation_id"?, "exception"?}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        conversation_id = getattr(record, "conversation_id", None)
        if conversation_id is not None:
            entry["conversation_id"] = conversation_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(
    log_format: LogFormat = "text", level: int = logging.WARNING, redact_text: bool = False
) -> logging.Handler:
    """Replace the root logger's handlers with one stderr handler in ``log_format``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    handler.addFilter(ConversationFilter(redact_text))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    return handler
