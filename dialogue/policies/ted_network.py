"""The transformer behind :class:`~dialogue.policies.ted.TEDPolicy` (torch).

A dialogue is a right-aligned window of state vectors (multi-hot over the state
features, padding masked out). Each state is projected to ``size`` dimensions,
given a learned position, and read by a transformer encoder; the output at the
newest state, projected to ``embedding`` dimensions, is the dialogue embedding.
Every action is embedded the same way from its own features (its name and the
words of its name, so ``utter_ask_email`` and ``utter_ask_order_number`` start
out related). The score of an action is the dot product of the two embeddings,
plus its *pointer* features (is it the active loop, does its name share the
intent's words), each weighted by a gate read from the dialogue: how far to trust
"the form goes on" or "the action named like the intent" depends on the state,
and neither needs that loop or intent in the training stories (a pointer
network's copy, for actions).

Training minimises the softmax cross-entropy over the actions the training labels
name: an action no example answers with is left where its name puts it instead of
being pushed below every other, so that a pointer can still pick it (a form only a
rule starts, an ``utter_<intent>`` only a rule says).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch
from torch import Tensor, nn

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class NetworkShape:
    state_features: int
    action_features: int
    max_history: int
    size: int = 64
    embedding: int = 32
    layers: int = 1
    heads: int = 4
    drop_rate: float = 0.1
    pointers: int = 0


@dataclass(frozen=True)
class Inputs:
    """A batch of windows: ``states`` (batch, history, features) multi-hot, ``padding``
    (batch, history) true where there is no state, ``pointers`` (batch, pointers, actions)."""

    states: Array
    padding: npt.NDArray[np.bool_]
    pointers: Array


class DialogueTransformer(nn.Module):
    def __init__(self, shape: NetworkShape) -> None:
        super().__init__()
        self.shape = shape
        self.state_in = nn.Linear(shape.state_features, shape.size)
        self.position = nn.Embedding(shape.max_history, shape.size)
        layer = nn.TransformerEncoderLayer(
            shape.size,
            shape.heads,
            dim_feedforward=shape.size * 2,
            dropout=shape.drop_rate,
            batch_first=True,
        )
        self.encoder = nn.TransformerEncoder(layer, shape.layers, enable_nested_tensor=False)
        self.dialogue_out = nn.Linear(shape.size, shape.embedding)
        self.action_embed = nn.Sequential(
            nn.Linear(shape.action_features, shape.size),
            nn.ReLU(),
            nn.Linear(shape.size, shape.embedding),
        )
        self.gate = nn.Linear(shape.size, shape.pointers)

    def forward(self, states: Tensor, padding: Tensor, pointers: Tensor, actions: Tensor) -> Tensor:
        """Scores (batch, actions) for ``states`` (batch, history, features)."""
        positions = torch.arange(states.shape[1], device=states.device)
        hidden = self.state_in(states) + self.position(positions)
        encoded = self.encoder(hidden, src_key_padding_mask=padding)[:, -1, :]
        similarity = self.dialogue_out(encoded) @ self.action_embed(actions).T
        result: Tensor = similarity + torch.einsum("bp,bpa->ba", self.gate(encoded), pointers)
        return result


@dataclass(frozen=True)
class TrainingSettings:
    epochs: int
    batch_size: int
    learning_rate: float
    seed: int


def fit(
    shape: NetworkShape,
    settings: TrainingSettings,
    inputs: Inputs,
    labels: npt.NDArray[np.int64],
    action_features: Array,
) -> DialogueTransformer:
    """Train a fresh network on the examples; deterministic for a given seed.

    Runs on one thread: the network is far too small to gain from more, and on a
    shared machine extra threads only wait for each other.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _fit(shape, settings, inputs, labels, action_features)
    finally:
        torch.set_num_threads(threads)


def _fit(
    shape: NetworkShape,
    settings: TrainingSettings,
    inputs: Inputs,
    labels: npt.NDArray[np.int64],
    action_features: Array,
) -> DialogueTransformer:
    torch.manual_seed(settings.seed)
    generator = torch.Generator().manual_seed(settings.seed)
    network = DialogueTransformer(shape)
    optimiser = torch.optim.Adam(network.parameters(), lr=settings.learning_rate)
    x, mask, pointers = _tensors(inputs)
    y = torch.as_tensor(labels)
    actions = torch.as_tensor(action_features, dtype=torch.float32)
    loss_of = nn.CrossEntropyLoss()
    taught = torch.unique(y)  # the softmax runs over these: see the module docstring
    y = torch.searchsorted(taught, y)
    network.train()
    for _ in range(settings.epochs):
        order = torch.randperm(len(y), generator=generator)
        for start in range(0, len(y), settings.batch_size):
            batch = order[start : start + settings.batch_size]
            optimiser.zero_grad()
            scores = network(x[batch], mask[batch], pointers[batch], actions)[:, taught]
            loss = loss_of(scores, y[batch])
            loss.backward()
            optimiser.step()
    network.eval()
    return network


def _tensors(inputs: Inputs) -> tuple[Tensor, Tensor, Tensor]:
    return (
        torch.as_tensor(inputs.states, dtype=torch.float32),
        torch.as_tensor(inputs.padding),
        torch.as_tensor(inputs.pointers, dtype=torch.float32),
    )


def probabilities(network: DialogueTransformer, inputs: Inputs, action_features: Array) -> Array:
    with torch.no_grad():
        scores = network(*_tensors(inputs), torch.as_tensor(action_features, dtype=torch.float32))
        return np.asarray(torch.softmax(scores, dim=-1).numpy(), dtype=np.float64)


def weights_of(network: DialogueTransformer) -> dict[str, Array]:
    return {
        name: np.asarray(value.detach().numpy(), dtype=np.float64)
        for name, value in network.state_dict().items()
    }


def network_from(shape: NetworkShape, weights: Mapping[str, Array]) -> DialogueTransformer:
    """A network with stored weights; a missing or misshapen weight raises ``ValueError``."""
    network = DialogueTransformer(shape)
    expected = network.state_dict()
    if set(weights) != set(expected):
        raise ValueError("the stored weights do not match the network")
    tensors = {
        name: torch.as_tensor(weights[name], dtype=expected[name].dtype) for name in expected
    }
    for name, tensor in tensors.items():
        if tensor.shape != expected[name].shape:
            raise ValueError(f"weight {name!r} has shape {tuple(tensor.shape)}")
    network.load_state_dict(tensors)
    network.eval()
    return network
