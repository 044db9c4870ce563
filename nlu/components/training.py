"""The training loop of the joint classifier: seeded, batched, with a progress bar.

AdamW with a linear warm-up and decay; an optional validation split is scored
after every epoch and training stops when it has not improved for ``patience``
epochs, keeping the best weights seen.
"""

from __future__ import annotations

import copy
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from nlu.components.encoder import use_all_cores
from nlu.components.joint_network import Batch, JointNetwork, token_mask
from nlu.components.joint_options import TrainingSettings

LENGTH_POOL_BATCHES = 50
"""A fine-tuned encoder's batches are cut from pools of this many batches sorted by length."""

PARALLEL_EXAMPLES = 2000
"""From this many examples (or when fine-tuning the encoder) training uses every core; a
smaller model trains faster on one thread than it would waiting for the others."""


def epochs_for(settings: TrainingSettings, batches: int) -> int:
    """Epochs to train over ``batches`` batches an epoch: ``epochs``, raised so that at least
    ``min_steps`` updates are made (a Rasa config's ``epochs: 1`` still learns) and lowered so
    that at most ``max_steps`` are (a large data set needs fewer passes; its learning rate
    then decays over the passes it gets, instead of training 40 times over 13k examples)."""
    epochs = max(settings.epochs, math.ceil(settings.min_steps / batches))
    if settings.max_steps:
        epochs = min(epochs, max(1, math.ceil(settings.max_steps / batches)))
    return epochs


@dataclass(frozen=True)
class Targets:
    """Gold labels per example: an intent index (-1: none) and one tag index per token."""

    intents: np.ndarray
    tags: list[np.ndarray]


MakeBatch = Callable[[Sequence[int]], Batch]


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)


def loss_and_hits(
    network: JointNetwork, batch: Batch, targets: Targets, rows: Sequence[int]
) -> tuple[torch.Tensor, int, int]:
    """The summed intent and entity loss, and correct/total intent predictions."""
    intents, emissions = network(batch)
    loss = torch.zeros(())
    hits = total = 0
    if intents is not None:
        gold = torch.from_numpy(targets.intents[list(rows)])
        loss = loss + nn.functional.cross_entropy(intents, gold, ignore_index=-1)
        known = gold >= 0
        hits = int((intents.argmax(1)[known] == gold[known]).sum())
        total = int(known.sum())
    if emissions is not None:
        tags = [torch.from_numpy(targets.tags[i]) for i in rows]
        gold_tags = torch.zeros(emissions.shape[:2], dtype=torch.long)
        for i, row in enumerate(tags):
            gold_tags[i, : len(row)] = row
        loss = loss + network.crf.nll(emissions, gold_tags, token_mask(batch.lengths))
    return loss, hits, total


def epoch_batches(
    rng: np.random.Generator, rows: np.ndarray, size: int, lengths: np.ndarray | None
) -> list[list[int]]:
    """One epoch's batches of ``rows`` in a random order.

    With ``lengths`` (a fine-tuned encoder pads each batch to its longest message), the
    shuffled rows are taken in pools of :data:`LENGTH_POOL_BATCHES` batches, each pool is
    sorted by length before it is cut, and the batches are shuffled again: a batch holds
    messages of similar length, so it pads little (on BANKING77, 155k sub-words instead
    of 317k an epoch), while which messages meet in a batch still changes every epoch.
    """
    shuffled = rng.permutation(rows)
    if lengths is None:
        return [shuffled[b : b + size].tolist() for b in range(0, len(shuffled), size)]
    pool = size * LENGTH_POOL_BATCHES
    batches: list[list[int]] = []
    for begin in range(0, len(shuffled), pool):
        chunk = shuffled[begin : begin + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[b : b + size].tolist() for b in range(0, len(chunk), size))
    return [batches[i] for i in rng.permutation(len(batches))]


def fit(
    network: JointNetwork,
    make_batch: MakeBatch,
    targets: Targets,
    settings: TrainingSettings,
    description: str,
    lengths: np.ndarray | None = None,
) -> None:
    """Train ``network`` in place on the examples ``0..len(targets.intents)-1``
    (``lengths``: each example's length, to batch similar lengths together)."""
    if network.encoder_model is not None or len(targets.intents) >= PARALLEL_EXAMPLES:
        use_all_cores()
    else:
        torch.set_num_threads(1)
    seed_everything(settings.seed)
    rng = np.random.default_rng(settings.seed)
    order = rng.permutation(len(targets.intents))
    held = min(settings.validation_examples, max(len(order) - 1, 0))
    validation = sorted(order[:held].tolist())
    train = order[held:]
    batches = max(1, math.ceil(len(train) / settings.batch_size))
    epochs = epochs_for(settings, batches)
    optimizer = _optimizer(network, settings)
    total_steps = epochs * batches
    warmup = max(1, int(settings.warmup_fraction * total_steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min(
            (step + 1) / warmup, max(0.0, (total_steps - step) / (total_steps - warmup + 1))
        ),
    )
    best: tuple[float, dict[str, torch.Tensor]] | None = None
    stale = 0
    bar = tqdm(range(epochs), desc=description, unit=" epoch", leave=False, disable=None)
    log = EpochLog(description, epochs, quiet=not bar.disable)
    for epoch in bar:
        network.train()
        loss_sum = hits = seen = 0.0
        for rows in epoch_batches(rng, train, settings.batch_size, lengths):
            loss, batch_hits, batch_total = loss_and_hits(network, make_batch(rows), targets, rows)
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            nn.utils.clip_grad_norm_(network.parameters(), 5.0)
            optimizer.step()
            schedule.step()
            loss_sum += loss.item() * len(rows)
            hits, seen = hits + batch_hits, seen + batch_total
        postfix = {
            "loss": f"{loss_sum / max(len(train), 1):.3f}",
            "acc": f"{hits / max(seen, 1):.3f}",
        }
        if validation:
            score = evaluate(network, make_batch, targets, validation)
            postfix["val_acc"] = f"{score:.3f}"
            if best is None or score > best[0]:
                best, stale = (score, copy.deepcopy(network.state_dict())), 0
            else:
                stale += 1
        bar.set_postfix(postfix)
        out_of_time = log.epoch_done(epoch + 1, postfix, settings.max_training_time)
        if validation and stale >= settings.patience:
            log.stopped_early(epoch + 1, settings.patience)
            break
        if out_of_time:
            break
    if best is not None:
        network.load_state_dict(best[1])
    network.eval()


class EpochLog:
    """Progress lines for logs: when the bar is off (output is not a terminal, as in CI or
    ``parley train > train.log 2>&1``), one line per epoch, at most every ``every``
    seconds, with the loss, accuracy, elapsed time and an estimate of what is left."""

    def __init__(self, description: str, epochs: int, quiet: bool, every: float = 10.0) -> None:
        self.description, self.epochs, self.quiet, self.every = description, epochs, quiet, every
        self.started = time.monotonic()
        self.last = -math.inf

    def epoch_done(self, epoch: int, postfix: dict[str, str], limit: float | None) -> bool:
        """Report ``epoch`` (1-based) if due; whether ``limit`` seconds have passed."""
        now = time.monotonic()
        elapsed = now - self.started
        out_of_time = limit is not None and elapsed >= limit
        if not self.quiet and (
            now - self.last >= self.every or epoch == self.epochs or out_of_time
        ):
            self.last = now
            left = elapsed / epoch * (self.epochs - epoch)
            scores = " ".join(f"{k} {v}" for k, v in postfix.items())
            stop = " (max_training_time reached)" if out_of_time else ""
            print(
                f"{self.description}: epoch {epoch}/{self.epochs} {scores}, "
                f"{_clock(elapsed)} elapsed, ~{_clock(left)} left{stop}",
                file=sys.stderr,
                flush=True,
            )
        return out_of_time

    def stopped_early(self, epoch: int, patience: int) -> None:
        if not self.quiet:
            print(
                f"{self.description}: epoch {epoch}/{self.epochs} stopped early: no better "
                f"validation accuracy in {patience} epochs; keeping the best epoch's weights",
                file=sys.stderr,
                flush=True,
            )


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


def evaluate(
    network: JointNetwork, make_batch: MakeBatch, targets: Targets, rows: Sequence[int]
) -> float:
    """Intent accuracy on ``rows`` (minus the loss when there are no intents to score)."""
    network.eval()
    hits = total = 0
    loss_sum = 0.0
    with torch.inference_mode():
        for begin in range(0, len(rows), 64):
            chunk = list(rows[begin : begin + 64])
            loss, batch_hits, batch_total = loss_and_hits(
                network, make_batch(chunk), targets, chunk
            )
            hits, total, loss_sum = hits + batch_hits, total + batch_total, loss_sum + float(loss)
    return hits / total if total else -loss_sum


def _optimizer(network: JointNetwork, settings: TrainingSettings) -> torch.optim.Optimizer:
    encoder = network.encoder_model
    encoder_ids = {id(p) for p in encoder.parameters()} if encoder is not None else set()
    own = [p for p in network.parameters() if id(p) not in encoder_ids and p.requires_grad]
    groups: list[dict[str, object]] = [{"params": own, "lr": settings.learning_rate}]
    if encoder is not None:
        groups.append({"params": list(encoder.parameters()), "lr": settings.encoder_learning_rate})
    # The fused step (one kernel over all tensors) takes a third of the per-tensor loop's
    # time on CPU: 10 instead of 31 ms a batch for BANKING77's 13M trainable weights.
    return torch.optim.AdamW(groups, weight_decay=settings.weight_decay, fused=True)
