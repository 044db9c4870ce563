"""Saving and loading the joint classifier: JSON for labels and layout, safetensors for weights."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from nlu.components.entities import EntityLabel
from nlu.components.features import Layout
from nlu.components.joint_inputs import InputLayout
from nlu.components.joint_network import JointNetwork
from nlu.components.storage import read_arrays, read_json_object, write_arrays, write_json
from nlu.errors import ModelLoadError

STATE_FILE = "joint.json"
IDF_FILE = "idf.npz"
WEIGHTS_FILE = "weights.safetensors"
ENCODER_PREFIX = "encoder_model."


def save_state(
    directory: Path,
    labels: Sequence[str],
    parts: Sequence[str],
    entity_labels: Sequence[EntityLabel],
    inputs: InputLayout,
    network: JointNetwork,
) -> None:
    write_json(
        directory / STATE_FILE,
        {
            "labels": list(labels),
            "parts": list(parts),
            "entity_labels": [list(label) for label in entity_labels],
            "sentence": [list(b) for b in inputs.sentence],
            "tokens": [list(b) for b in inputs.tokens],
            "dense": [list(b) for b in inputs.dense],
        },
    )
    write_arrays(directory / IDF_FILE, {"idf": inputs.idf})
    weights = {
        name: tensor.detach().contiguous()
        for name, tensor in network.state_dict().items()
        if not name.startswith(ENCODER_PREFIX)
    }
    save_file(weights, str(directory / WEIGHTS_FILE))


@dataclass(frozen=True)
class StoredState:
    labels: tuple[str, ...]
    parts: tuple[str, ...]
    entity_labels: list[EntityLabel]
    inputs: InputLayout
    weights_path: Path

    def restore(self, network: JointNetwork) -> None:
        """Load the saved weights into ``network`` (built with the stored shape)."""
        try:
            weights = load_file(str(self.weights_path))
        except (OSError, SafetensorError) as e:
            raise ModelLoadError(self.weights_path, f"not readable safetensors ({e})") from e
        try:
            missing, unexpected = network.load_state_dict(weights, strict=False)
        except RuntimeError as e:
            raise ModelLoadError(self.weights_path, f"weights do not fit the model ({e})") from e
        missing = [m for m in missing if not m.startswith(ENCODER_PREFIX)]
        if missing or unexpected:
            raise ModelLoadError(
                self.weights_path, f"missing weights {missing}, unexpected weights {unexpected}"
            )


def load_state(directory: Path) -> StoredState:
    path = directory / STATE_FILE
    stored = read_json_object(
        path, "labels", "parts", "entity_labels", "sentence", "tokens", "dense"
    )
    try:
        inputs = InputLayout(
            sentence=_layout(stored["sentence"]),
            tokens=_layout(stored["tokens"]),
            dense=_layout(stored["dense"]),
            idf=read_arrays(directory / IDF_FILE, "idf")["idf"],
        )
        entity_labels = [EntityLabel(*label) for label in stored["entity_labels"]]
        labels = tuple(str(label) for label in stored["labels"])
        parts = tuple(str(part) for part in stored["parts"])
    except (TypeError, ValueError) as e:
        raise ModelLoadError(path, f"malformed classifier state ({e})") from e
    if inputs.idf.shape != (inputs.widths[0],):
        raise ModelLoadError(directory / IDF_FILE, "IDF weights do not fit the feature layout")
    return StoredState(labels, parts, entity_labels, inputs, directory / WEIGHTS_FILE)


def _layout(blocks: list[list[object]]) -> Layout:
    return tuple((str(key), int(str(dim))) for key, dim in blocks)
