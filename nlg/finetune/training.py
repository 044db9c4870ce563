"""LoRA fine-tuning of a local causal LM on :class:`~nlg.finetune.examples.NLGExample` lists.

Seeded (same data, options and machine: same adapter in float32; bfloat16 steps can differ
in the last digits from run to run), with a progress bar
showing the loss, a validation loss every ``eval_every`` steps and early
stopping: training ends after ``patience`` evaluations without a better
validation loss, or at ``max_minutes``, and the best adapter seen is kept.

Only the reply's tokens are learnt (the prompt's labels are masked). Examples
of one kind are batched together, and a prefix their token ids share (the
lead-in prompt's instructions and few-shot turns) is run once per batch
without gradients, its keys and values reused by every row: on a CPU that makes
a step several times cheaper. The prefix is recomputed with the current
weights each step; only the gradient through it is left out. On a CPU that computes
bfloat16 natively (:func:`plugins.hardware.native_bf16`), the training steps run under
bfloat16 autocast; the weights, the validation loss and generation stay as they were.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from nlg.config import FinetuneOptions
from nlg.finetune.examples import NLGExample
from plugins.hardware import native_bf16

IGNORE = -100
MIN_SHARED_PREFIX = 16


@dataclass(frozen=True)
class Encoded:
    ids: tuple[int, ...]
    prompt_length: int
    kind: str


@dataclass(frozen=True)
class TrainReport:
    steps: int
    epochs_run: float
    first_loss: float | None
    last_loss: float | None
    best_validation_loss: float | None
    validation_losses: tuple[float, ...]
    stopped: str  # "epochs", "early stopping" or "time budget"
    seconds: float
    train_examples: int
    validation_examples: int
    device: str
    precision: str = "float32"  # or "bfloat16 autocast" for the training steps


def pick_device(device: str) -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def encode(tokenizer: Any, example: NLGExample, max_target_tokens: int) -> Encoded:
    """Prompt ids in the model's chat template, then the reply's ids and the end-of-turn id."""
    chat = [{"role": m.role, "content": m.content} for m in example.prompt]
    prompt = tokenizer.apply_chat_template(
        chat, add_generation_prompt=True, tokenize=True, return_dict=True
    )["input_ids"]
    target = tokenizer.encode(example.target, add_special_tokens=False)[:max_target_tokens]
    ids = [*prompt, *target, tokenizer.eos_token_id]
    return Encoded(tuple(ids), len(prompt), example.kind)


def lora_model(model: Any, options: FinetuneOptions) -> Any:
    """``model`` wrapped with fresh LoRA adapters on every linear layer of its top layers."""
    from peft import LoraConfig, get_peft_model

    layers = model.config.num_hidden_layers
    top = options.lora_layers
    config = LoraConfig(
        r=options.lora_rank,
        lora_alpha=options.lora_alpha,
        lora_dropout=0.0,
        target_modules=_linear_names(model),
        layers_to_transform=None if top is None else list(range(max(0, layers - top), layers)),
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)


def _linear_names(model: Any) -> list[str]:
    """The names of the linear layers inside the transformer blocks (not the output head)."""
    names = {
        name.rsplit(".", 1)[-1]
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and ".layers." in name
    }
    return sorted(names)


def batch_loss(model: Any, rows: Sequence[Encoded], pad_id: int) -> tuple[torch.Tensor, int]:
    """``(summed token loss, target tokens)`` of ``rows``, a shared prefix run without gradient."""
    device = next(model.parameters()).device
    shared = _shared_prefix(rows)
    past = None
    if shared >= MIN_SHARED_PREFIX:
        with torch.no_grad():
            head = torch.tensor([rows[0].ids[:shared]], device=device)
            past = model(input_ids=head, use_cache=True).cache
        past.batch_repeat_interleave(len(rows))
    else:
        shared = 0
    longest = max(len(r.ids) for r in rows) - shared
    ids = torch.full((len(rows), longest), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), longest), IGNORE, dtype=torch.long)
    mask = torch.zeros(len(rows), shared + longest, dtype=torch.long)
    for n, row in enumerate(rows):
        tail = row.ids[shared:]
        ids[n, : len(tail)] = torch.tensor(tail)
        labels[n, row.prompt_length - shared : len(tail)] = torch.tensor(
            row.ids[row.prompt_length :]
        )
        mask[n, : shared + len(tail)] = 1
    ids, labels, mask = ids.to(device), labels.to(device), mask.to(device)
    logits = model(input_ids=ids, attention_mask=mask, cache=past).logits
    targets = labels[:, 1:].reshape(-1)
    loss = torch.nn.functional.cross_entropy(
        logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
        targets,
        ignore_index=IGNORE,
        reduction="sum",
    )
    return loss, int((targets != IGNORE).sum())


def _shared_prefix(rows: Sequence[Encoded]) -> int:
    """Tokens all rows begin with, stopping one short of the shortest prompt."""
    limit = min(r.prompt_length for r in rows) - 1
    first = rows[0].ids
    n = 0
    while n < limit and all(r.ids[n] == first[n] for r in rows):
        n += 1
    return n


def batches(rows: Sequence[Encoded], size: int, rng: random.Random) -> list[list[Encoded]]:
    """Rows of one kind batched together (they share the longest prefix), in a shuffled order."""
    by_kind: dict[str, list[Encoded]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    found = []
    for kind in sorted(by_kind):
        group = by_kind[kind][:]
        rng.shuffle(group)
        found += [group[i : i + size] for i in range(0, len(group), size)]
    rng.shuffle(found)
    return found


def mean_loss(model: Any, rows: Sequence[Encoded], pad_id: int, size: int) -> float:
    """Mean loss per target token over ``rows`` (no gradients); ``exp`` of it is the perplexity."""
    total, count = 0.0, 0
    with torch.no_grad():
        for group in batches(rows, size, random.Random(0)):
            loss, tokens = batch_loss(model, group, pad_id)
            total, count = total + float(loss), count + tokens
    return total / max(count, 1)


class Trainer:
    """Trains LoRA adapters into ``model`` (a peft model) and keeps the best state seen."""

    def __init__(self, model: Any, tokenizer: Any, options: FinetuneOptions) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.options = options
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        device = next(model.parameters()).device
        self.bf16_steps = device.type == "cpu" and native_bf16()

    def encode_all(self, examples: Sequence[NLGExample]) -> list[Encoded]:
        return [encode(self.tokenizer, e, self.options.max_target_tokens) for e in examples]

    def train(
        self, train: Sequence[NLGExample], validation: Sequence[NLGExample], show: bool = True
    ) -> TrainReport:
        options, started = self.options, time.monotonic()
        torch.manual_seed(options.seed)
        rng = random.Random(options.seed)
        rows, held = self.encode_all(train), self.encode_all(validation)
        params = [p for p in self.model.parameters() if p.requires_grad]
        optimiser = torch.optim.AdamW(params, lr=options.learning_rate, weight_decay=0.0)
        plan = [batches(rows, options.batch_size, rng) for _ in range(options.epochs)]
        total = sum(len(epoch) for epoch in plan)
        state = _Progress(best=self._validate(held), best_weights=_adapter_state(self.model))
        bar = tqdm(total=total, desc="Fine-tuning NLG", unit=" step", disable=not show)
        stopped = "epochs"
        for step, group in enumerate(_flatten(plan), 1):
            if time.monotonic() - started > options.max_minutes * 60:
                stopped = "time budget"
                break
            loss = self._step(optimiser, group)
            state.losses.append(loss)
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.3f}", val=f"{state.best:.3f}")
            due = step % options.eval_every == 0 or step == total
            if due and state.evaluated(self._validate(held), self.model) >= options.patience:
                stopped = "early stopping"
                break
        bar.close()
        _load_adapter_state(self.model, state.best_weights)
        seconds = time.monotonic() - started
        report = state.report(stopped, seconds, len(rows), len(held), total, options.epochs)
        return replace(report, precision="bfloat16 autocast" if self.bf16_steps else "float32")

    def _step(self, optimiser: torch.optim.Optimizer, group: Sequence[Encoded]) -> float:
        self.model.train()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16_steps):
            loss, tokens = batch_loss(self.model, group, self.pad_id)
        mean = loss / max(tokens, 1)
        mean.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
        optimiser.zero_grad(set_to_none=True)
        return float(mean.detach())

    def _validate(self, held: Sequence[Encoded]) -> float:
        if not held:
            return math.inf
        self.model.eval()
        return mean_loss(self.model, held, self.pad_id, self.options.batch_size)


@dataclass
class _Progress:
    best: float
    best_weights: dict[str, torch.Tensor]
    losses: list[float] = field(default_factory=list)
    validation: list[float] = field(default_factory=list)
    since_best: int = 0

    def __post_init__(self) -> None:
        self.validation.append(self.best)

    def evaluated(self, loss: float, model: Any) -> int:
        """Record a validation loss; how many evaluations in a row brought no gain."""
        self.validation.append(loss)
        if loss < self.best:
            self.best, self.best_weights, self.since_best = loss, _adapter_state(model), 0
        else:
            self.since_best += 1
        return self.since_best

    def report(
        self, stopped: str, seconds: float, n: int, held: int, total: int, epochs: int
    ) -> TrainReport:
        best = None if math.isinf(self.best) else round(self.best, 4)
        return TrainReport(
            steps=len(self.losses),
            epochs_run=round(len(self.losses) / max(total, 1) * epochs, 3),
            first_loss=round(self.losses[0], 4) if self.losses else None,
            last_loss=round(self.losses[-1], 4) if self.losses else None,
            best_validation_loss=best,
            validation_losses=tuple(round(v, 4) for v in self.validation if not math.isinf(v)),
            stopped=stopped,
            seconds=round(seconds, 1),
            train_examples=n,
            validation_examples=held,
            device=str(next(iter(self.best_weights.values())).device) if self.best_weights else "",
        )


def _flatten(plan: Sequence[Sequence[list[Encoded]]]) -> Iterator[list[Encoded]]:
    for epoch in plan:
        yield from epoch


def _adapter_state(model: Any) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.named_parameters() if v.requires_grad}


def _load_adapter_state(model: Any, state: dict[str, torch.Tensor]) -> None:
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name in state:
                parameter.copy_(state[name])


def save_adapter(model: Any, directory: Path) -> None:
    """The LoRA adapter as ``adapter_config.json`` and ``adapter_model.safetensors``."""
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(directory))
