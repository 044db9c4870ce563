"""The joint intent + entity classifier in torch (Rasa's ``DIETClassifier``), and its
intent-only sibling ``MLPIntentClassifier`` for tiny bots on frozen features.

Persisted as ``joint.json`` (labels, feature layout, shape), ``idf.npz`` and
``weights.safetensors``; a fine-tuned encoder is saved beside them under
``encoder/`` with its tokenizer, so loading needs no network.

torch and the modules built on it (the network, its inputs, training and storage) are
imported by the methods that train, load or predict: building the classifier from
config.yml, as ``parley data validate`` does, imports none of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np

from nlu.components.encoder import TextEncoder, resolve_model_path
from nlu.components.entities import EntityLabel, bio_tags, tag_spans
from nlu.components.intent import base_intent
from nlu.components.joint_calibration import (
    CALIBRATION_MIN_EXAMPLES,
    Calibration,
    calibration_split,
    softmax,
)
from nlu.components.joint_neighbours import Neighbours
from nlu.components.joint_options import JointOptions, JointSettings, MLPOptions, Recipe
from nlu.components.options import ComponentOptions, read_options
from nlu.errors import NotTrainedError, TrainingDataError
from nlu.interfaces import Entity, IntentPrediction, Message, TrainingData
from plugins.hardware import native_bf16

if TYPE_CHECKING:
    import torch

    from nlu.components.joint_head import IntentHead
    from nlu.components.joint_inputs import InputLayout
    from nlu.components.joint_network import JointNetwork

ENCODER_DIRECTORY = "encoder"
PROCESS_BATCH = 256
"""Messages predicted at once: one batch of the whole training set took 8-10 GB at 15k."""


class JointIntentEntityClassifier:
    """Intents and entities (with roles and groups) from one torch model.

    Reads every sparse feature block and, unless ``use_dense_features: false``, the dense
    blocks of a ``LanguageModelFeaturizer``; when fine-tuning it trains its own copy of the
    encoder (``model_weights``) instead. Without ``fine_tune_encoder`` in the config, the
    training data decides: from ``FINE_TUNE_MIN_EXAMPLES`` (1,000) intent examples the
    encoder is fine-tuned with the tuned recipe's defaults (``FINE_TUNED_DEFAULTS``: 3
    epochs, 32 sub-words, encoder learning rate 1e-4, no transformer layers; with entity
    annotations ``FINE_TUNED_ENTITY_DEFAULTS``: 6 epochs, at most 1,100 updates), below it the
    classifier reads frozen features; options the config sets win over both. Training runs at least
    ``min_steps`` updates (default 150) however small ``epochs`` is, so a Rasa config's
    ``epochs: 1`` still yields a usable model, and at most ``max_steps`` (default 4000), so
    a large data set takes fewer passes. Options are listed in the README.
    """

    name: ClassVar[str] = "DIETClassifier"
    options_model: ClassVar[type[ComponentOptions]] = JointOptions

    def __init__(self, recipe: Recipe) -> None:
        self.recipe = recipe
        self.settings: JointSettings = recipe.before_training
        self.labels: tuple[str, ...] = ()
        self.parts: tuple[str, ...] = ()
        self.entity_labels: list[EntityLabel] = []
        self.inputs: InputLayout | None = None
        self.network: JointNetwork | None = None
        self.calibration: Calibration | None = None
        self.head: IntentHead | None = None  # the trained intent scorer in numpy
        self.neighbours: Neighbours | None = None  # training messages that vote on intents

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        return cls.with_recipe(read_options(JointOptions, cls.name, options).recipe())

    @classmethod
    def with_recipe(cls, recipe: Recipe) -> Self:
        """An untrained classifier; an encoder the config asks to fine-tune must exist locally."""
        if recipe.fine_tune_encoder:
            resolve_model_path(recipe.fine_tuned.model_weights)
        return cls(recipe)

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        from nlu.components.joint_inputs import InputLayout
        from nlu.components.training import seed_everything

        pairs = [(m, e) for m, e in zip(messages, data.examples, strict=True) if m.tokens]
        intent_examples = sum(1 for _, e in pairs if e.intent)
        annotated = self.recipe.fine_tuned.entity_recognition and any(e.entities for _, e in pairs)
        self.settings = s = self.recipe.for_examples(intent_examples, annotated)
        self.labels = tuple(sorted({base_intent(e.intent) for _, e in pairs if e.intent}))
        if s.intent_classification and not self.labels:
            raise TrainingDataError("the training data has no intent examples to classify")
        if not s.intent_classification:
            self.labels = ()
        self.parts = _parts(self.labels, s.split_symbol)
        self.entity_labels = _entity_labels(data) if s.entity_recognition else []
        intents = np.asarray([self._label_index(e.intent) for _, e in pairs], dtype=np.int64)
        held = np.zeros(len(pairs), dtype=bool)
        if self.labels and intent_examples >= CALIBRATION_MIN_EXAMPLES:
            held = calibration_split(intents, s.training.seed)
        trained = [pair for pair, out in zip(pairs, held, strict=True) if not out]
        self.inputs = InputLayout.fit(
            [m for m, _ in trained], s.use_dense_features and not s.fine_tune_encoder
        )
        encoder = self._encoder(None)
        seed_everything(s.training.seed)  # the initial weights are part of what the seed fixes
        self.network = self._network(encoder)
        self._fit(trained)
        if encoder is not None:
            encoder.serve()  # the calibration below and every parse read the final weights
        self._serve_head()
        self.calibration = None
        if held.any():
            calibration = [m for m, out in zip(pairs, held, strict=True) if out]
            logits = self._logits([m for m, _ in calibration])
            self.calibration = Calibration.fit(logits, intents[held])
        self.neighbours = None
        if s.neighbours and self.head is not None and not self.network.shape.tags:
            sentences = self._sentence_vectors([m for m, _ in pairs])
            self.neighbours = Neighbours.of(sentences, intents, s.neighbours, s.neighbour_weight)

    def _fit(self, pairs: Sequence[tuple[Message, Any]]) -> None:
        from nlu.components.joint_inputs import PreparedInputs
        from nlu.components.training import Targets, fit

        targets = Targets(
            intents=np.asarray([self._label_index(e.intent) for _, e in pairs], dtype=np.int64),
            tags=[self._tags(e, m) for m, e in pairs],
        )
        messages = [m for m, _ in pairs]
        prepared = PreparedInputs.build(messages, _require(self.inputs, self.name))
        network = _require(self.network, self.name)
        # A fine-tuned encoder's cost grows with each batch's padded length.
        lengths = np.asarray([len(m.text) for m in messages]) if network.encoder else None
        fit(network, prepared.batch, targets, self.settings.training, self.name, lengths)

    def _logits(self, messages: Sequence[Message]) -> np.ndarray:
        """Intent logits of ``messages``, in chunks."""
        import torch

        from nlu.components.joint_inputs import PreparedInputs

        network = _require(self.network, self.name)
        logits = []
        for begin in range(0, len(messages), PROCESS_BATCH):
            chunk = messages[begin : begin + PROCESS_BATCH]
            batch = PreparedInputs.build(chunk, _require(self.inputs, self.name)).batch(
                range(len(chunk))
            )
            if self.head is not None:
                logits.append(
                    self.head.logits(batch.sentence_sparse, network.sentence_vectors(batch))
                )
                continue
            with torch.inference_mode():
                intents, _ = network(batch)
            logits.append(_require(intents, self.name).numpy())
        return np.concatenate(logits)

    def _sentence_vectors(self, messages: Sequence[Message]) -> np.ndarray:
        """The dense sentence vectors of ``messages`` in their order, computed in chunks of
        similar length (a fine-tuned encoder pads each chunk to its longest message)."""
        from nlu.components.joint_inputs import PreparedInputs

        network = _require(self.network, self.name)
        order = sorted(range(len(messages)), key=lambda i: len(messages[i].text))
        vectors = np.zeros((len(messages), network.dense_width), dtype=np.float32)
        for begin in range(0, len(order), PROCESS_BATCH):
            rows = order[begin : begin + PROCESS_BATCH]
            chunk = [messages[i] for i in rows]
            batch = PreparedInputs.build(chunk, _require(self.inputs, self.name))
            vectors[rows] = network.sentence_vectors(batch.batch(range(len(chunk))))
        return vectors

    def _serve_head(self) -> None:
        """Score intents in numpy from now on (the weights are final)."""
        from nlu.components.joint_head import IntentHead

        network = _require(self.network, self.name)
        self.head = IntentHead.of(network) if network.shape.outputs else None

    def _label_index(self, intent: str | None) -> int:
        if intent is None or not self.labels:
            return -1
        return self.labels.index(base_intent(intent))

    def _tags(self, example: Any, message: Message) -> np.ndarray:
        index = {label: i for i, label in enumerate(self.entity_labels)}
        tags = bio_tags(example, message, index) if index else ["O"] * len(message.tokens)
        return np.asarray([_tag_index(tag) for tag in tags], dtype=np.int64)

    def _encoder(self, directory: Path | None) -> TextEncoder | None:
        if not self.settings.fine_tune_encoder:
            return None
        path = (
            directory if directory is not None else resolve_model_path(self.settings.model_weights)
        )
        encoder = TextEncoder.load(path, self.settings.max_length)
        if directory is None:
            # Fine-tuning leaves the sub-word embedding table (half of MiniLM's weights) as it
            # is: updating it cost a fifth of the training time and gained nothing (BANKING77).
            encoder.model.get_input_embeddings().weight.requires_grad_(False)
            encoder.train_in_bf16 = native_bf16()
        else:
            encoder.serve(directory)
        return encoder

    def _network(self, encoder: TextEncoder | None) -> JointNetwork:
        from nlu.components.joint_network import JointNetwork, NetworkShape

        s, inputs = self.settings, _require(self.inputs, self.name)
        sentence, tokens, dense = inputs.widths
        outputs = len(self.labels) + len(self.parts) if self.parts else len(self.labels)
        shape = NetworkShape(
            sentence_sparse=sentence,
            token_sparse=tokens,
            dense=dense,
            outputs=outputs,
            tags=1 + 2 * len(self.entity_labels) if self.entity_labels else 0,
            hidden=s.hidden,
            transformer_size=s.transformer_size,
            transformer_layers=s.transformer_layers,
            heads=s.heads,
            dropout=s.dropout,
        )
        return JointNetwork(shape, _label_parts(self.labels, self.parts, s.split_symbol), encoder)

    def process(self, messages: Sequence[Message]) -> None:
        """Predict for ``messages`` in chunks of :data:`PROCESS_BATCH`, so that memory stays
        bounded however many there are (after training, the whole training set passes here).
        Chunks hold messages of similar length, so a fine-tuned encoder pads little."""
        tokenized = sorted((m for m in messages if m.tokens), key=lambda m: len(m.text))
        for begin in range(0, len(tokenized), PROCESS_BATCH):
            self._process_chunk(tokenized[begin : begin + PROCESS_BATCH])

    def _process_chunk(self, tokenized: Sequence[Message]) -> None:
        import torch

        from nlu.components.joint_inputs import PreparedInputs

        network = _require(self.network, self.name)
        batch = PreparedInputs.build(tokenized, _require(self.inputs, self.name)).batch(
            range(len(tokenized))
        )
        if self.head is not None and not network.shape.tags:
            # An intent-only model parses without torch (see joint_head).
            sentences = network.sentence_vectors(batch)
            confidences = self._confidences(self.head.logits(batch.sentence_sparse, sentences))
            if self.neighbours is not None:
                confidences = self.neighbours.mix(confidences, sentences)
            self._rank(tokenized, confidences)
            return
        with torch.inference_mode():
            intents, emissions = network(batch)
            if intents is not None:
                self._rank(tokenized, self._confidences(intents.numpy()))
            if emissions is not None:
                paths = network.crf.decode(emissions, batch.lengths)
                confidences = torch.softmax(emissions, dim=2).numpy()
                for i, message in enumerate(tokenized):
                    message.entities.extend(self._entities(message, paths[i], confidences[i]))

    def _confidences(self, logits: np.ndarray) -> np.ndarray:
        """Calibrated confidences where a temperature was fitted, the plain softmax otherwise."""
        if self.calibration is None:
            return softmax(logits)
        return self.calibration.confidences(logits)

    def _rank(self, messages: Sequence[Message], probabilities: np.ndarray) -> None:
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(-row, kind="stable")[: self.settings.ranking_length]
            ranking = [IntentPrediction(self.labels[j], float(row[j])) for j in order]
            message.intent = ranking[0]
            message.intent_ranking = ranking

    def _entities(self, message: Message, path: list[int], confidences: np.ndarray) -> list[Entity]:
        tags = [_tag_name(tag) for tag in path]
        entities = []
        for first, last, label_index in tag_spans(tags):
            label = self.entity_labels[label_index]
            begin, finish = message.tokens[first].start, message.tokens[last].end
            confidence = confidences[np.arange(first, last + 1), path[first : last + 1]].mean()
            entities.append(
                Entity(
                    entity=label.entity,
                    value=message.text[begin:finish],
                    start=begin,
                    end=finish,
                    extractor=self.name,
                    confidence=float(confidence),
                    role=label.role,
                    group=label.group,
                )
            )
        return entities

    def persist(self, directory: Path) -> None:
        from nlu.components.joint_storage import save_state

        network = _require(self.network, self.name)
        save_state(
            directory,
            self.labels,
            self.parts,
            self.entity_labels,
            _require(self.inputs, self.name),
            network,
        )
        if network.encoder is not None:
            network.encoder.save(directory / ENCODER_DIRECTORY)
        if self.calibration is not None:
            self.calibration.save(directory)
        if self.neighbours is not None:
            self.neighbours.save(directory)

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        from nlu.components.joint_storage import load_state

        classifier = cls.create(config, "")
        recipe = classifier.recipe
        fine_tuned = (directory / ENCODER_DIRECTORY).is_dir()
        classifier.settings = recipe.fine_tuned if fine_tuned else recipe.frozen
        stored = load_state(directory)
        classifier.labels, classifier.parts = stored.labels, stored.parts
        classifier.entity_labels, classifier.inputs = stored.entity_labels, stored.inputs
        network = classifier._network(classifier._encoder(directory / ENCODER_DIRECTORY))
        stored.restore(network)
        network.eval()
        classifier.network = network
        classifier._serve_head()
        classifier.calibration = Calibration.load(directory)
        classifier.neighbours = Neighbours.load(directory)
        return classifier


class MLPIntentClassifier(JointIntentEntityClassifier):
    """Intents only, from a small feed-forward network over frozen dense and sparse features."""

    name: ClassVar[str] = "MLPIntentClassifier"
    options_model: ClassVar[type[ComponentOptions]] = MLPOptions

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        return cls.with_recipe(read_options(MLPOptions, cls.name, options).recipe())


def _require(value: Any, component: str) -> Any:
    if value is None:
        raise NotTrainedError(f"{component} is used before it was trained")
    return value


def _entity_labels(data: TrainingData) -> list[EntityLabel]:
    annotated = {
        EntityLabel(e.entity, e.role, e.group)
        for example in data.examples
        for e in example.entities
        if e.start is not None and e.end is not None
    }
    return sorted(annotated, key=lambda label: (label.entity, label.role or "", label.group or ""))


def _parts(labels: Sequence[str], symbol: str) -> tuple[str, ...]:
    """The single intents multi-intent labels are made of (none without multi-intents)."""
    if not any(symbol in label for label in labels):
        return ()
    return tuple(sorted({part for label in labels for part in label.split(symbol)}))


def _label_parts(labels: Sequence[str], parts: Sequence[str], symbol: str) -> torch.Tensor | None:
    """(labels, labels + parts): a label scores as itself plus each of its parts."""
    if not parts:
        return None
    import torch

    matrix = torch.zeros((len(labels), len(labels) + len(parts)))
    for i, label in enumerate(labels):
        matrix[i, i] = 1.0
        for part in label.split(symbol):
            matrix[i, len(labels) + parts.index(part)] = 1.0
    return matrix


def _tag_index(tag: str) -> int:
    if tag == "O":
        return 0
    return 1 + 2 * int(tag[2:]) + (0 if tag[0] == "B" else 1)


def _tag_name(index: int) -> str:
    if index == 0:
        return "O"
    label, inside = divmod(index - 1, 2)
    return f"{'I' if inside else 'B'}-{label}"
