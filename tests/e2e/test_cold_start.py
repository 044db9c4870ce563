"""Ready means ready: one `parley run` process listens at once and answers 503 ``starting``
on every route while its models load, then answers every message, however many arrive
together; never a 500 and never a refused connection once it listens."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import free_port

pytestmark = pytest.mark.slow


def message(url: str, sender: str) -> httpx.Response:
    body = {"sender": sender, "message": "hi, where is my order?"}
    return httpx.post(f"{url}/webhooks/rest/webhook", json=body, timeout=60)


def poll_until_ready(url: str, server: subprocess.Popen[bytes]) -> list[httpx.Response]:
    """Every answer /health and the webhook gave until /health said ok."""
    answers: list[httpx.Response] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, "parley run exited"
        try:
            answers.append(message(url, "early"))
            health = httpx.get(f"{url}/health", timeout=5)
        except httpx.TransportError:  # not listening yet
            time.sleep(0.05)
            continue
        answers.append(health)
        if health.status_code == 200:
            return answers
        time.sleep(0.05)
    raise TimeoutError("parley run did not become ready")


def test_C_a_loading_server_says_starting_then_answers_every_first_message(
    trained_reference_bot: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "parley", "run", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--rate-limit", "off"],
        cwd=trained_reference_bot,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while_loading = poll_until_ready(url, server)
        with ThreadPoolExecutor(10) as pool:
            first = list(pool.map(lambda n: message(url, f"first-{n}"), range(10)))
    finally:
        server.terminate()
        server.wait(timeout=30)

    starting = [r for r in while_loading if r.status_code == 503]
    assert {r.status_code for r in while_loading} <= {200, 503}
    assert starting, "no request reached the server while it loaded its models"
    assert all(r.json()["status"] == "starting" for r in starting)
    assert all(r.headers["Retry-After"] == "1" for r in starting)
    assert [r.status_code for r in first] == [200] * 10
    assert all(r.json() and r.json()[0]["text"] for r in first)
