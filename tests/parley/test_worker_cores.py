"""`parley run --workers N` gives each worker process its share of the cores."""

from __future__ import annotations

import os

import pytest

from parley.serving import share_cores


@pytest.fixture
def cores(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    # Set, then removed: so the value share_cores writes is undone after the test too.
    monkeypatch.setenv("OMP_NUM_THREADS", "0")
    monkeypatch.delenv("OMP_NUM_THREADS")
    return 4


@pytest.mark.parametrize(("workers", "threads"), [(1, "4"), (2, "2"), (3, "1"), (8, "1")])
def test_each_worker_gets_its_share_of_the_cores(cores: int, workers: int, threads: str) -> None:
    share_cores(workers)
    assert os.environ["OMP_NUM_THREADS"] == threads


def test_a_thread_count_the_user_set_wins(cores: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    share_cores(2)
    assert os.environ["OMP_NUM_THREADS"] == "3"
