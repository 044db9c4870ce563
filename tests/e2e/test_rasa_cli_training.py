"""``parley train nlu|core``, Rasa's training options, ``shell nlu``, and ``parley run`` with
another credentials and endpoints file over HTTPS, on the unmodified ``rasa init`` bot."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from parley.model import load_model
from tests.conftest import require_shared
from tests.e2e.conftest import SHARED, free_port, parley

pytestmark = pytest.mark.slow

INITIAL_PROJECT = SHARED / "rasa-bots" / "initial-project"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return shutil.copytree(require_shared(INITIAL_PROJECT), tmp_path / "bot")


def test_train_nlu_then_core_builds_one_model_part_by_part(project: Path) -> None:
    nlu = parley("train", "nlu", "--fixed-model-name", "understanding", cwd=project)
    assert nlu.returncode == 0, nlu.stderr
    assert "Trained nlu;" in nlu.stdout

    parsed = subprocess.run(
        [sys.executable, "-m", "parley", "shell", "nlu", "-m", "models/understanding.tar.gz"],
        cwd=project,
        input="hello there\n/stop\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert parsed.returncode == 0, parsed.stderr
    assert json.loads(parsed.stdout)["intent"]["name"] == "greet"

    core = parley("train", "core", "--fixed-model-name", "whole", cwd=project)
    assert core.returncode == 0, core.stderr
    assert "Trained core;" in core.stdout
    assert load_model(project / "models" / "whole.tar.gz").interpreter.parse("bye").intent_name


def test_train_reads_config_domain_and_data_from_the_paths_given(project: Path) -> None:
    (project / "config.yml").write_text("pipeline: [{name: Nonsense}]\n", encoding="utf-8")
    other = project / "other"
    other.mkdir()
    (other / "config.yml").write_text(
        "recipe: default.v1\nlanguage: en\npipeline:\npolicies:\n", encoding="utf-8"
    )
    shutil.move(project / "domain.yml", other / "domain.yml")
    shutil.move(project / "data", other / "data")

    refused = parley("train", cwd=project)
    trained = parley(
        "train",
        "--config",
        "other/config.yml",
        "--domain",
        "other/domain.yml",
        "--data",
        "other/data",
        "--fixed-model-name",
        "elsewhere",
        cwd=project,
    )

    assert refused.returncode == 1
    assert trained.returncode == 0, trained.stderr
    assert (project / "models" / "elsewhere.tar.gz").is_file()


def test_run_takes_credentials_endpoints_and_a_certificate(project: Path) -> None:
    assert parley("train", cwd=project).returncode == 0
    tls = project / "tls"
    tls.mkdir()
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(tls / "key.pem"),
            "-out",
            str(tls / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    (project / "credentials.yml").write_text("nonsense_channel:\n", encoding="utf-8")
    (tls / "credentials.yml").write_text("rest:\n", encoding="utf-8")
    (tls / "endpoints.yml").write_text("tracker_store:\n  type: memory\n", encoding="utf-8")
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "parley",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--credentials",
            "tls/credentials.yml",
            "--endpoints",
            "tls/endpoints.yml",
            "--ssl-certificate",
            "tls/cert.pem",
            "--ssl-keyfile",
            "tls/key.pem",
        ],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        reply = _first_reply(server, f"https://127.0.0.1:{port}/webhooks/rest/webhook")
    finally:
        server.kill()
        server.wait(timeout=30)

    assert reply == [{"recipient_id": "ann", "text": "Hey! How are you?"}]
    assert not (project / "parley.db").exists()  # the memory store of tls/endpoints.yml


def _first_reply(server: subprocess.Popen[bytes], url: str) -> object:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"parley run exited: {server.stderr.read()!r}")  # type: ignore[union-attr]
        try:
            answer = httpx.post(url, json={"sender": "ann", "message": "hello"}, verify=False)
        except httpx.TransportError:
            answer = None
        if answer is not None and answer.status_code != 503:  # 503: listening, model loading
            return answer.json()
        time.sleep(0.3)
    raise TimeoutError("parley run did not answer")
