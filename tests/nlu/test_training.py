"""Batches of the joint classifier's training loop."""

from __future__ import annotations

import numpy as np

from nlu.components.training import LENGTH_POOL_BATCHES, epoch_batches


def padded_size(batches: list[list[int]], lengths: np.ndarray) -> int:
    return sum(int(lengths[b].max()) * len(b) for b in batches)


def test_every_example_is_trained_once_an_epoch_with_or_without_lengths() -> None:
    rows = np.arange(1000)
    lengths = np.random.default_rng(0).integers(2, 60, size=1000)
    for given in (None, lengths):
        batches = epoch_batches(np.random.default_rng(1), rows, 32, given)
        assert sorted(i for b in batches for i in b) == list(range(1000))
        assert all(len(b) <= 32 for b in batches)


def test_a_fine_tuned_encoder_gets_batches_of_similar_length_that_pad_little() -> None:
    rows = np.arange(32 * LENGTH_POOL_BATCHES * 2)
    lengths = np.random.default_rng(0).integers(2, 60, size=len(rows))
    plain = epoch_batches(np.random.default_rng(1), rows, 32, None)
    sorted_ = epoch_batches(np.random.default_rng(1), rows, 32, lengths)
    assert padded_size(sorted_, lengths) < 0.65 * padded_size(plain, lengths)
    spreads = [int(lengths[b].max() - lengths[b].min()) for b in sorted_]
    assert max(spreads) <= 3


def test_batches_change_between_epochs_and_their_order_is_shuffled() -> None:
    rows = np.arange(32 * LENGTH_POOL_BATCHES)
    lengths = np.random.default_rng(0).integers(2, 60, size=len(rows))
    rng = np.random.default_rng(1)
    first, second = (epoch_batches(rng, rows, 32, lengths) for _ in range(2))
    assert {tuple(sorted(b)) for b in first} != {tuple(sorted(b)) for b in second}
    longest = [int(lengths[b].max()) for b in first]
    assert longest != sorted(longest)  # not served shortest first


def test_without_lengths_the_batches_are_the_plain_shuffle() -> None:
    rows = np.arange(100)
    batches = epoch_batches(np.random.default_rng(7), rows, 32, None)
    shuffled = np.random.default_rng(7).permutation(rows)
    assert batches == [shuffled[b : b + 32].tolist() for b in range(0, 100, 32)]
