"""Calibrated intent confidences for the joint classifier (temperature scaling).

Trained on enough data (:data:`CALIBRATION_MIN_EXAMPLES`), the classifier holds
:data:`CALIBRATION_SHARE` of each intent's examples out of training and fits a temperature
``T`` on them: the intent confidences are ``softmax(logits / T)``, with ``T`` minimising the
negative log-likelihood of the held-out intents, so that an overconfident model's 0.99 becomes
what its accuracy on unseen messages supports. ``T`` is at least 1: calibration softens and
never sharpens, because the split holds only in-scope messages: a model that gets them all
right would be pushed to ``T`` near 0 and every confidence to 1, out-of-scope messages
included, and ``FallbackClassifier`` would never fire. Its default threshold (0.4) was chosen
on these confidences (``bench/nlu_banking77.py --held-out-intents``). The temperature is
stored with the model; a tiny bot has no split to spare and keeps the plain softmax.
Everything here is numpy and deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np

from nlu.components.storage import read_arrays, write_arrays

CALIBRATION_MIN_EXAMPLES = 1000
"""From this many intent examples the classifier holds out a calibration split."""
CALIBRATION_SHARE = 0.1
"""The share of each intent's examples held out of training for calibration, up to
:data:`CALIBRATION_EXAMPLES` messages in all."""
CALIBRATION_EXAMPLES = 500
"""Enough held-out messages to fit one temperature: beyond them a larger bot holds out a
smaller share (not under :data:`CALIBRATION_MIN_SHARE`), since every message held out is one
the classifier does not learn from (BANKING77's 10,003 examples, the default pipeline: 93.80%
holding out 10%, 93.93% holding out 5%, 93.99% holding out none; ``T`` 1.07 at 5%)."""
CALIBRATION_MIN_SHARE = 0.05
SCOPE_FILE = "calibration.npz"


def calibration_split(intents: np.ndarray, seed: int) -> np.ndarray:
    """A boolean mask of the rows to hold out: the same share of each intent's rows
    (rounded down, so an intent with under 10 examples keeps them all), seeded; the share
    is :data:`CALIBRATION_SHARE`, less for a large bot (see :data:`CALIBRATION_EXAMPLES`)."""
    rng = np.random.default_rng(seed)
    held = np.zeros(len(intents), dtype=bool)
    labelled = int((intents >= 0).sum())
    share = min(CALIBRATION_SHARE, max(CALIBRATION_MIN_SHARE, CALIBRATION_EXAMPLES / labelled))
    for intent in np.unique(intents[intents >= 0]):
        rows = np.flatnonzero(intents == intent)
        count = int(len(rows) * share)
        held[rng.permutation(rows)[:count]] = True
    return held


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    scaled = logits / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


def fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """The temperature minimising the held-out negative log-likelihood (a search over
    ``log T`` in [0, 3], refined around the best point, so 1 <= T <= e**3)."""

    def nll(log_t: float) -> float:
        probabilities = softmax(logits, float(np.exp(log_t)))
        return float(-np.log(probabilities[np.arange(len(gold)), gold] + 1e-12).mean())

    grid = np.linspace(0.0, 3.0, 31)
    best = float(grid[int(np.argmin([nll(x) for x in grid]))])
    fine = np.linspace(max(best - 0.1, 0.0), best + 0.1, 41)
    return float(np.exp(fine[int(np.argmin([nll(x) for x in fine]))]))


@dataclass(frozen=True)
class Calibration:
    """The fitted temperature."""

    temperature: float

    @classmethod
    def fit(cls, held_logits: np.ndarray, held_gold: np.ndarray) -> Self:
        """Fit on the calibration split's logits and gold intent indices."""
        return cls(fit_temperature(held_logits, held_gold))

    def confidences(self, logits: np.ndarray) -> np.ndarray:
        return softmax(logits, self.temperature)

    def save(self, directory: Path) -> None:
        write_arrays(directory / SCOPE_FILE, {"temperature": np.asarray([self.temperature])})

    @classmethod
    def load(cls, directory: Path) -> Self | None:
        """The stored calibration, or ``None`` for a model trained without one."""
        path = directory / SCOPE_FILE
        if not path.is_file():
            return None
        return cls(float(read_arrays(path, "temperature")["temperature"][0]))
