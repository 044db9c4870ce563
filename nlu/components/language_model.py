"""Dense features from a pre-trained transformer encoder (Rasa's ``LanguageModelFeaturizer``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import Field, StrictInt, StrictStr

from nlu.components.encoder import (
    DEFAULT_MAX_LENGTH,
    TextEncoder,
    resolve_model_path,
    shared_encoder,
    token_spans,
)
from nlu.components.features import DenseFeatures
from nlu.components.options import ComponentOptions, read_options
from nlu.components.rasa_options import options_of
from nlu.components.storage import read_json_object, write_json
from nlu.interfaces import Message, TrainingData

SETTINGS_FILE = "encoder.json"


class LanguageModelOptions(ComponentOptions):
    """``model_weights`` (a local transformers model directory; default the bundled
    all-MiniLM-L6-v2), ``model_name`` (accepted for Rasa configs: a local directory is used
    like ``model_weights``, any other name means the default), ``max_length`` (sub-words per
    message, default 64), ``batch_size`` (default 64)."""

    rasa_options: ClassVar[frozenset[str]] = options_of("LanguageModelFeaturizer")

    model_weights: StrictStr | None = None
    model_name: StrictStr | None = None
    max_length: StrictInt = Field(DEFAULT_MAX_LENGTH, ge=8)
    batch_size: StrictInt = Field(64, ge=1)


class LanguageModelFeaturizer:
    """A sentence vector and one vector per token from a frozen transformer encoder (options
    in :class:`LanguageModelOptions`). Nothing is trained; the encoder is loaded from the
    same directory when the model is loaded.
    """

    name: ClassVar[str] = "LanguageModelFeaturizer"
    options_model: ClassVar[type[ComponentOptions]] = LanguageModelOptions

    def __init__(self, key: str, model_weights: str | None, max_length: int, batch_size: int):
        self.key = key
        self.model_weights = model_weights
        self.path = resolve_model_path(model_weights)
        self.max_length = max_length
        self.batch_size = batch_size

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        parsed = read_options(LanguageModelOptions, cls.name, options)
        weights, model_name = parsed.model_weights, parsed.model_name
        if weights is None and model_name is not None and Path(model_name).is_dir():
            weights = model_name
        return cls(key, weights, parsed.max_length, parsed.batch_size)

    @property
    def encoder(self) -> TextEncoder:
        return shared_encoder(self.path, self.max_length)

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        self.encoder  # noqa: B018 - load now, so a broken model fails training, not parsing

    def process(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        texts = [m.text for m in messages]
        spans = [token_spans(m.tokens) for m in messages]
        for message, (sentence, tokens) in zip(
            messages, self.encoder.features(texts, spans, self.batch_size), strict=True
        ):
            message.features[self.key] = DenseFeatures(sentence, tokens)

    def persist(self, directory: Path) -> None:
        write_json(directory / SETTINGS_FILE, {"key": self.key})

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        stored = read_json_object(directory / SETTINGS_FILE, "key")
        return cls.create(config, str(stored["key"]))
