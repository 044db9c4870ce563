"""The ``openai`` backend against a real OpenAI-compatible server in another process, streaming."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dialogue.events import UserUttered
from dialogue.tracker import ConversationId, Tracker
from nlg.backends.openai import OpenAIChatGenerator
from nlg.errors import BackendUnavailable
from nlg.interfaces import ChatMessage, GenerationRequest
from nlg.registry import GENERATORS
from nlg.streaming import TokenChunk, TurnStream, streaming_into
from tests.nlg.test_llm import DOMAIN, SHIPPING

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.nlg.openai_server", str(port)], cwd=REPO
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/requests", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield f"{url}/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)


REQUEST = GenerationRequest((ChatMessage("user", "Rephrase: Order PO-12345 ships."),))


async def test_the_reply_streams_in_pieces(server: str) -> None:
    generator = OpenAIChatGenerator.connect(server, "tiny")
    try:
        pieces = [piece async for piece in generator.stream(REQUEST)]
    finally:
        await generator.close()

    assert len(pieces) > 2
    assert "".join(pieces) == "Happy to help! Order PO-12345 ships."
    sent = httpx.get(server.replace("/v1", "/requests")).json()[-1]
    assert sent["stream"] is True
    assert sent["model"] == "tiny"
    assert sent["messages"] == [
        {"role": "user", "content": "Rephrase: Order PO-12345 ships."}
    ]


async def test_a_server_error_is_a_backend_error(server: str) -> None:
    generator = OpenAIChatGenerator.connect(server, "broken")
    with pytest.raises(BackendUnavailable, match="HTTP 500"):
        async for _ in generator.stream(REQUEST):
            pass
    await generator.close()


async def test_the_llm_nlg_streams_a_remote_rewording_into_the_turn(server: str) -> None:
    nlg = GENERATORS.get("llm")(DOMAIN, {"backend": "openai", "url": server, "model": "tiny"})
    tracker = Tracker(ConversationId("remote"), (UserUttered(text="shipping?"),))
    stream = TurnStream()

    with streaming_into(stream):
        message = await nlg.generate("utter_shipping", tracker)
    stream.close()

    assert message is not None and message.text == f"Happy to help! {SHIPPING}"
    tokens = [chunk.text async for chunk in stream if isinstance(chunk, TokenChunk)]
    assert tokens == [], "a lead-in is checked whole before anything of it is shown"
    asked = httpx.get(server.replace("/v1", "/requests")).json()[-1]
    assert asked["messages"][-1]["content"] == "<customer>shipping?</customer>"


async def test_an_unreachable_server_sends_the_template() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    nlg = GENERATORS.get("llm")(DOMAIN, {"backend": "openai", "url": url, "model": "tiny"})
    tracker = Tracker(ConversationId("remote"), (UserUttered(text="shipping?"),))

    message = await nlg.generate("utter_shipping", tracker)

    assert message is not None and message.text == SHIPPING
    assert message.metadata["nlg"]["source"] == "template"
