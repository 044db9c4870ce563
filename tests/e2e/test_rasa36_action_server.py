"""``parley run actions`` serves action code written for the rasa_sdk of Rasa 3.6, in a
package named ``actions`` as Rasa's default, and the bot calls it over HTTP."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from actions.executors import EXECUTORS
from tests.actions.builders import context, conversation, described, listen, user
from tests.actions.test_sdk_compat import DOMAIN, PROJECT
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def action_server(tmp_path: Path) -> Iterator[str]:
    project = shutil.copytree(PROJECT, tmp_path / "bot")
    port = free_port()
    # -P: the project's own `actions` package in the working folder must not shadow Parley's
    # here, as with the installed `parley` script; the action server it starts imports it.
    command = [sys.executable, "-P", "-m", "parley", "run", "actions", "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--project", str(project)],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # Sanic's worker is in this process group: stop both
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, url)
        yield f"{url}/webhook"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _wait_ready(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"parley run actions exited: {process.stderr.read()!r}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise TimeoutError("the action server did not become ready")


async def test_the_action_server_runs_rasa_3_6_action_code(action_server: str) -> None:
    executor = EXECUTORS.get("remote")({"url": action_server}, PROJECT)
    tracker = conversation(DOMAIN, listen(), user("greet"))
    try:
        events = await executor.run("action_greet_from_settings", context(DOMAIN, tracker))
    finally:
        await executor.close()

    assert described(events) == [
        ("bot", "Hello from the settings file"),
        ("slot", "confirmed", "yes"),
    ]
