"""The joint classifier scores intents in numpy once trained (``nlu.components.joint_head``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from nlu import NLUPipeline, TrainingData
from nlu.components.joint_inputs import PreparedInputs
from nlu.interfaces import Message
from tests.nlu.data import HELD_OUT, example, four_intents, four_intents_and_a_multi_intent

PIPELINE: list[dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "LanguageModelFeaturizer"},
    # Two hidden layers, so the GELU between them is part of what is compared.
    {"name": "DIETClassifier", "epochs": 20, "hidden_layers_sizes": [32, 16]},
]


@pytest.fixture(scope="module")
def nlu() -> NLUPipeline:
    pipeline = NLUPipeline.build(PIPELINE)
    pipeline.train(four_intents_and_a_multi_intent())
    return pipeline


def _classifier(nlu: NLUPipeline) -> Any:
    return nlu.steps[-1][1]


def _batch(nlu: NLUPipeline, texts: list[str]) -> Any:
    messages = [Message(text=text) for text in texts]
    for _, component in nlu.steps[:-1]:
        component.process(messages)
    return PreparedInputs.build(messages, _classifier(nlu).inputs).batch(range(len(messages)))


def test_the_numpy_head_scores_like_the_torch_network(nlu: NLUPipeline) -> None:
    classifier = _classifier(nlu)
    texts = [text for text, _ in HELD_OUT] + ["hi, where is my parcel"]
    batch = _batch(nlu, texts)
    with torch.inference_mode():
        expected, _ = classifier.network(batch)

    scores = classifier.head.logits(
        batch.sentence_sparse, classifier.network.sentence_vectors(batch)
    )

    assert scores.shape == (len(texts), len(classifier.labels))  # parts folded into labels
    np.testing.assert_allclose(scores, expected.numpy(), rtol=1e-5, atol=1e-5)
    assert nlu.parse("hi, where is my parcel").intent_name == "greet+order_status"


def test_an_intent_only_parse_runs_no_torch_network(
    nlu: NLUPipeline, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    before = [nlu.parse(text).to_dict() for text, _ in HELD_OUT]
    nlu.persist(tmp_path)
    loaded = NLUPipeline.load(tmp_path)

    def no_torch(*_: Any) -> None:
        raise AssertionError("the torch network ran for a parse")

    for pipeline in (nlu, loaded):
        monkeypatch.setattr(_classifier(pipeline).network, "forward", no_torch)
        assert [pipeline.parse(text).to_dict() for text, _ in HELD_OUT] == before


def test_a_model_with_entities_tags_through_the_torch_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = TrainingData(
        examples=(
            *four_intents().examples,
            example("hello Anna", "greet", ("name", "Anna")),
            example("hey Carla", "greet", ("name", "Carla")),
        )
    )
    pipeline = NLUPipeline.build([*PIPELINE[:2], {"name": "DIETClassifier", "epochs": 5}])
    pipeline.train(data)
    network = _classifier(pipeline).network
    original, calls = network.forward, []

    def counted(batch: Any) -> Any:
        calls.append(batch)
        return original(batch)

    monkeypatch.setattr(network, "forward", counted)
    pipeline.parse("hey Dana")

    assert calls  # the entity tags need the network's emissions
