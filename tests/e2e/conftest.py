"""Fixtures for end-to-end tests: real projects, trained, served by a real `parley run` process."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("PARLEY_SHARED", REPO.parent / "shared"))
REFERENCE_FILES = (
    "domain.yml",
    "config.yml",
    "endpoints.yml",
    "credentials.yml",
    "data",
    "tests",
    "knowledge",
)


def copy_reference_bot(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in REFERENCE_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("*.py", "e2e"))
        else:
            shutil.copy(source, target / name)
    return target


def parley(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parley", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`parley run` in its own process, on a loopback port."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "parley", "run", "--host", "127.0.0.1", "--enable-api"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            cwd=self.project,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"parley run exited: {self.process.stderr.read()!r}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)  # refused, or 503 "starting" while the models load
        raise TimeoutError("parley run did not become ready")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)
            self.process = None


@pytest.fixture(scope="session")
def trained_reference_bot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_reference_bot(tmp_path_factory.mktemp("reference") / "bot")
    result = parley("train", cwd=project)
    assert result.returncode == 0, result.stderr
    return project


@pytest.fixture
def server(trained_reference_bot: Path) -> Iterator[Server]:
    """A server of its own, for a test that kills or restarts it."""
    running = Server(trained_reference_bot)
    running.start()
    yield running
    running.kill()


@pytest.fixture(scope="module")
def shared_server(trained_reference_bot: Path) -> Iterator[Server]:
    """One server for a module's conversations (each test talks as its own customer)."""
    running = Server(trained_reference_bot)
    running.start()
    yield running
    running.kill()
