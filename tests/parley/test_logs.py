"""JSON log lines carry the conversation id, and redaction keeps the user's text out."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from parley.logs import REDACTED, ConversationFilter, JsonFormatter, conversation_context

log = logging.getLogger("parley.test")


@pytest.fixture
def captured() -> Iterator[tuple[io.StringIO, logging.Handler]]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    yield out, handler
    log.removeHandler(handler)


def lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_records_of_a_turn_carry_its_conversation_id(
    captured: tuple[io.StringIO, logging.Handler],
) -> None:
    out, handler = captured
    handler.addFilter(ConversationFilter())

    with conversation_context("customer-7", "where is my order?"):
        log.warning("action %s failed", "action_check_order")
    log.warning("outside any turn")

    first, second = lines(out)
    assert first["conversation_id"] == "customer-7"
    assert first["message"] == "action action_check_order failed"
    assert (first["level"], first["logger"]) == ("WARNING", "parley.test")
    assert "conversation_id" not in second


def test_redaction_removes_the_message_text_from_messages_and_tracebacks(
    captured: tuple[io.StringIO, logging.Handler],
) -> None:
    out, handler = captured
    handler.addFilter(ConversationFilter(redact_text=True))
    secret = "my card is 4111 1111 1111 1111"

    with conversation_context("customer-7", secret):
        log.info("parsed %r", secret)
        try:
            raise ValueError(f"cannot parse {secret}")
        except ValueError:
            log.exception("NLU failed")

    text = out.getvalue()
    assert "4111" not in text
    parsed, failed = lines(out)
    assert parsed["message"] == f"parsed '{REDACTED}'"
    assert REDACTED in str(failed["exception"])


def test_without_redaction_the_text_stays(captured: tuple[io.StringIO, logging.Handler]) -> None:
    out, handler = captured
    handler.addFilter(ConversationFilter(redact_text=False))

    with conversation_context("customer-7", "hello"):
        log.info("parsed %s", "hello")

    assert lines(out)[0]["message"] == "parsed hello"
