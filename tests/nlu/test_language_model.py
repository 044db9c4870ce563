"""LanguageModelFeaturizer: dense vectors from a local transformers model, aligned to tokens."""

from __future__ import annotations

import numpy as np
import pytest

from nlu import NLUPipeline, PipelineConfigError
from nlu.components.encoder import default_model_path
from nlu.components.features import DenseFeatures
from nlu.interfaces import Message
from tests.nlu.data import four_intents

pytestmark = pytest.mark.slow


def featurized(options: dict[str, object], *texts: str) -> list[Message]:
    nlu = NLUPipeline.build(
        [{"name": "WhitespaceTokenizer"}, {"name": "LanguageModelFeaturizer", **options}]
    )
    nlu.train(four_intents())
    messages = [Message(text=text) for text in texts]
    nlu.process(messages)
    return messages


def test_each_token_and_the_sentence_get_a_vector() -> None:
    [message] = featurized({}, "where is my order PO-12345?")
    [dense] = [f for f in message.features.values() if isinstance(f, DenseFeatures)]

    assert dense.sentence.shape == (384,)
    assert dense.tokens.shape == (len(message.tokens), 384)
    assert np.isfinite(dense.tokens).all() and np.abs(dense.tokens).sum(axis=1).min() > 0


def test_similar_sentences_get_closer_vectors_than_unrelated_ones() -> None:
    order, parcel, weather = (
        _sentence(m) for m in featurized({}, "where is my order", "where is my parcel", "it rains")
    )

    assert _cosine(order, parcel) > _cosine(order, weather)


def test_a_model_directory_the_user_names_is_loaded() -> None:
    [message] = featurized({"model_weights": str(default_model_path())}, "hello")

    assert _sentence(message).shape == (384,)


def test_a_path_that_is_not_a_model_is_a_config_error(tmp_path: object) -> None:
    with pytest.raises(PipelineConfigError, match="not a local transformers model"):
        NLUPipeline.build([{"name": "LanguageModelFeaturizer", "model_weights": str(tmp_path)}])


def _sentence(message: Message) -> np.ndarray:
    [dense] = [f for f in message.features.values() if isinstance(f, DenseFeatures)]
    return dense.sentence


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
