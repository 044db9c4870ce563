"""A learned entity tagger: one BIO tag per token from a linear model over token features.

Each token is described by its own token-level features and those of its left
and right neighbours. A tag names an entity label, which is the entity type
together with its role and group, so roles and groups are learned like types.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Self

import numpy as np

from nlu.components.features import Layout, feature_matrix, layout
from nlu.components.linear import LinearOptions, LinearSettings, SoftmaxModel, softmax
from nlu.components.options import ComponentOptions, read_options
from nlu.components.rasa_options import options_of
from nlu.components.storage import read_json_object, write_json
from nlu.errors import ModelLoadError
from nlu.interfaces import Entity, Message, TrainingData, TrainingExample

if TYPE_CHECKING:
    import scipy.sparse as sp

logger = logging.getLogger(__name__)

OUTSIDE = "O"
LABELS_FILE = "entity_labels.json"
WEIGHTS_FILE = "weights.npz"
DEFAULT_SETTINGS = LinearSettings(c=(10.0,), class_weight="balanced")


class EntityLabel(NamedTuple):
    entity: str
    role: str | None
    group: str | None


def _label_order(label: EntityLabel) -> tuple[str, str, str]:
    return label.entity, label.role or "", label.group or ""


class EntityTaggerOptions(LinearOptions):
    """``C`` (default 10), ``max_iter``, ``class_weight`` (default balanced: entity tokens
    are rare), ``random_state``; Rasa's CRF options have no effect."""

    rasa_options: ClassVar[frozenset[str]] = options_of(
        "CRFEntityExtractor", "MitieEntityExtractor"
    )


class LinearEntityTagger:
    """Learns the entities annotated in the examples; skipped when none are annotated.

    Options in :class:`EntityTaggerOptions`. Entities it finds carry ``extractor`` = the
    name it was configured under and the mean tag probability.
    """

    name: ClassVar[str] = "CRFEntityExtractor"
    options_model: ClassVar[type[ComponentOptions]] = EntityTaggerOptions

    def __init__(self, extractor: str, settings: LinearSettings = DEFAULT_SETTINGS) -> None:
        self.extractor = extractor
        self.settings = settings
        self.labels: list[EntityLabel] = []
        self.blocks: Layout = ()
        self.model: SoftmaxModel | None = None
        self._stacked_weights = np.zeros((0, 0))

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        parsed = read_options(EntityTaggerOptions, cls.name, options)
        return cls(cls.name, parsed.linear_settings(DEFAULT_SETTINGS))

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        annotated = {
            EntityLabel(e.entity, e.role, e.group)
            for example in data.examples
            for e in example.entities
            if e.start is not None and e.end is not None
        }
        if not annotated:
            logger.info("%s: no annotated entities; the entity tagger is not trained", self.name)
            self.model = None
            return
        self.labels = sorted(annotated, key=_label_order)
        index = {label: i for i, label in enumerate(self.labels)}
        tags = [
            tag
            for example, message in zip(data.examples, messages, strict=True)
            for tag in bio_tags(example, message, index)
        ]
        self.blocks = layout(messages, "tokens")
        tokens = feature_matrix(messages, self.blocks, "tokens").normalized().to_scipy()
        self._use(SoftmaxModel.fit(_with_neighbours(tokens, messages), tags, self.settings))

    def _use(self, model: SoftmaxModel) -> None:
        self.model = model
        own, before, after = np.split(model.weights, 3)
        self._stacked_weights = np.hstack([own, before, after])

    def _probabilities(self, model: SoftmaxModel, messages: Sequence[Message]) -> np.ndarray:
        """Tag probabilities per token: the same as the model applied to each token's
        [own, predecessor's, successor's] features, without building that wide matrix."""
        tokens = feature_matrix(messages, self.blocks, "tokens").normalized()
        parts = tokens.dot(self._stacked_weights)
        k = len(model.labels)
        scores = parts[:, :k] + model.bias
        first, last = _boundaries(messages)
        has_before, has_after = np.flatnonzero(~first), np.flatnonzero(~last)
        scores[has_before] += parts[has_before - 1, k : 2 * k]
        scores[has_after] += parts[has_after + 1, 2 * k :]
        return softmax(scores)

    def process(self, messages: Sequence[Message]) -> None:
        tokenized = [m for m in messages if m.tokens]
        if self.model is None or not tokenized:
            return
        probabilities = self._probabilities(self.model, tokenized)
        best = probabilities.argmax(axis=1)
        start = 0
        for message in tokenized:
            end = start + len(message.tokens)
            tags = [self.model.labels[j] for j in best[start:end]]
            confidences = probabilities[np.arange(start, end), best[start:end]]
            message.entities.extend(self._entities(message, tags, confidences))
            start = end

    def _entities(
        self, message: Message, tags: Sequence[str], confidences: np.ndarray
    ) -> list[Entity]:
        entities = []
        for first, last, label_index in tag_spans(tags):
            label = self.labels[label_index]
            begin, finish = message.tokens[first].start, message.tokens[last].end
            entities.append(
                Entity(
                    entity=label.entity,
                    value=message.text[begin:finish],
                    start=begin,
                    end=finish,
                    extractor=self.extractor,
                    confidence=float(confidences[first : last + 1].mean()),
                    role=label.role,
                    group=label.group,
                )
            )
        return entities

    def persist(self, directory: Path) -> None:
        write_json(
            directory / LABELS_FILE,
            {"labels": [list(label) for label in self.labels], "blocks": list(self.blocks)},
        )
        if self.model is not None:
            self.model.save(directory / WEIGHTS_FILE)

    def restore(self, directory: Path) -> None:
        """Read what :meth:`persist` wrote into this (untrained) tagger."""
        path = directory / LABELS_FILE
        stored = read_json_object(path, "labels", "blocks")
        try:
            self.labels = [EntityLabel(*label) for label in stored["labels"]]
            self.blocks = tuple((str(key), int(dim)) for key, dim in stored["blocks"])
        except (TypeError, ValueError) as e:
            raise ModelLoadError(path, f"malformed entity labels ({e})") from e
        if self.labels:
            width = 3 * sum(dim for _, dim in self.blocks)
            self._use(SoftmaxModel.load(directory / WEIGHTS_FILE, width))

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        tagger = cls.create(config, "")
        tagger.restore(directory)
        return tagger


def bio_tags(
    example: TrainingExample, message: Message, index: Mapping[EntityLabel, int]
) -> list[str]:
    tags = [OUTSIDE] * len(message.tokens)
    for entity in example.entities:
        if entity.start is None or entity.end is None:
            continue
        label = index[EntityLabel(entity.entity, entity.role, entity.group)]
        inside = [
            i
            for i, token in enumerate(message.tokens)
            if token.start < entity.end and token.end > entity.start and tags[i] == OUTSIDE
        ]
        for position, i in enumerate(inside):
            tags[i] = f"{'B' if position == 0 else 'I'}-{label}"
    return tags


def tag_spans(tags: Sequence[str]) -> list[tuple[int, int, int]]:
    """``(first token, last token, label index)`` per entity; a stray ``I`` opens one."""
    spans: list[tuple[int, int, int]] = []
    for i, tag in enumerate(tags):
        if tag == OUTSIDE:
            continue
        prefix, label = tag[0], int(tag[2:])
        if prefix == "I" and spans and spans[-1][1] == i - 1 and spans[-1][2] == label:
            spans[-1] = (spans[-1][0], i, label)
        else:
            spans.append((i, i, label))
    return spans


def _boundaries(messages: Sequence[Message]) -> tuple[np.ndarray, np.ndarray]:
    """Per token of all ``messages`` in order: is it the first / the last of its message?"""
    lengths = np.asarray([len(m.tokens) for m in messages], dtype=np.int64)
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    first = np.zeros(total, dtype=bool)
    last = np.zeros(total, dtype=bool)
    filled = lengths > 0
    first[(ends - lengths)[filled]] = True
    last[ends[filled] - 1] = True
    return first, last


def _with_neighbours(tokens: sp.csr_matrix, messages: Sequence[Message]) -> sp.csr_matrix:
    """Each token's features, then its predecessor's and its successor's."""
    import scipy.sparse as sp  # here: building the tagger from config.yml needs no scipy

    before, after = _neighbour_shifts(messages)
    return sp.hstack([tokens, before @ tokens, after @ tokens], format="csr")


def _neighbour_shifts(messages: Sequence[Message]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Matrices with ``(before @ x)[i] = x[i - 1]`` and ``(after @ x)[i] = x[i + 1]`` within
    each message (zero rows at message boundaries)."""
    import scipy.sparse as sp

    first, last = _boundaries(messages)
    total = len(first)
    has_before, has_after = np.flatnonzero(~first), np.flatnonzero(~last)
    before = sp.csr_matrix(
        (np.ones(len(has_before)), (has_before, has_before - 1)), shape=(total, total)
    )
    after = sp.csr_matrix(
        (np.ones(len(has_after)), (has_after, has_after + 1)), shape=(total, total)
    )
    return before, after
