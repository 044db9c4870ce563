"""Concurrent first parses load the shared encoder once, safely, in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import threading
    from nlu.components.encoder import default_model_path, shared_encoder

    path, barrier, loaded, errors = default_model_path(), threading.Barrier(8), [], []

    def first_parse():
        barrier.wait()
        try:
            loaded.append(shared_encoder(path, 64))
        except Exception as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=first_parse) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(len(errors), len({id(e) for e in loaded}), len(loaded))
    """
)


def test_eight_threads_asking_for_the_encoder_at_once_get_one_encoder_and_no_error() -> None:
    """Without the loading lock, concurrent imports of transformers failed
    (``cannot import name 'AutoModel'``) and each thread loaded its own copy."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["0", "1", "8"]
