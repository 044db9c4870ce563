"""The joint torch intent + entity classifier (``DIETClassifier``) and ``MLPIntentClassifier``."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
import torch

from nlu import NLUPipeline, TrainingData
from nlu.components.encoder import TextEncoder, default_model_path
from nlu.components.joint_options import TrainingSettings
from nlu.components.training import epochs_for
from nlu.errors import PipelineConfigError
from nlu.interfaces import Message, TrainingExample
from tests.nlu.data import (
    HELD_OUT,
    example,
    examples,
    four_intents,
    four_intents_and_a_multi_intent,
)

SPARSE = [
    {"name": "WhitespaceTokenizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4},
]
CITIES = ["Berlin", "Paris", "London", "Rome", "Madrid", "Oslo", "Vienna", "Prague", "Lisbon"]
PATTERNS = [
    "fly from {a} to {b}",
    "a flight from {a} to {b}",
    "to {b} from {a} please",
    "i want to go to {b} from {a}",
    "book a ticket from {a} to {b}",
    "get me to {b} leaving from {a}",
]


def generated_flights(seed: int, count: int) -> tuple[TrainingExample, ...]:
    """Flight requests with an origin (role ``from``) and destination (role ``to``)."""
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        a, b = rng.sample(CITIES, 2)
        text = rng.choice(PATTERNS).format(a=a, b=b)
        made.append(example(text, "book", ("city", a, "from"), ("city", b, "to")))
    return tuple(made)


def trained(pipeline: list[dict[str, object]], data: TrainingData) -> NLUPipeline:
    nlu = NLUPipeline.build(pipeline)
    nlu.train(data)
    return nlu


@pytest.fixture(scope="module")
def flights_nlu() -> NLUPipeline:
    data = TrainingData(
        examples=(
            *generated_flights(seed=1, count=40),
            *examples("greet", "hello", "hi there", "good morning", "hey", "hello friend"),
        )
    )
    return trained([*SPARSE, {"name": "DIETClassifier", "epochs": 30}], data)


def test_the_joint_model_learns_entities_with_roles_on_unseen_sentences(
    flights_nlu: NLUPipeline,
) -> None:
    held_out = generated_flights(seed=99, count=20)
    found = 0
    for gold in held_out:
        result = flights_nlu.parse(gold.text)
        assert result.intent_name == "book"
        predicted = {(e.entity, e.value, e.role) for e in result.entities}
        found += sum((e.entity, e.value, e.role) in predicted for e in gold.entities)

    assert found / (2 * len(held_out)) >= 0.8  # chance (guessing the role) is 0.5


def test_entities_carry_offsets_extractor_and_confidence(flights_nlu: NLUPipeline) -> None:
    text = "fly from Oslo to Rome"
    entities = flights_nlu.parse(text).entities

    assert [(text[e.start : e.end], e.role) for e in entities] == [("Oslo", "from"), ("Rome", "to")]
    assert all(e.extractor == "DIETClassifier" for e in entities)
    assert all(0.0 < (e.confidence or 0.0) <= 1.0 for e in entities)


def test_a_greeting_has_no_entities(flights_nlu: NLUPipeline) -> None:
    result = flights_nlu.parse("hello there")

    assert result.intent_name == "greet"
    assert result.entities == ()


def test_training_is_deterministic_for_a_seed() -> None:
    pipeline = [*SPARSE, {"name": "DIETClassifier", "epochs": 5, "random_seed": 7}]
    first, second = trained(pipeline, four_intents()), trained(pipeline, four_intents())

    for text, _ in HELD_OUT:
        assert first.parse(text).to_dict() == second.parse(text).to_dict()


def test_a_loaded_model_parses_exactly_like_the_trained_one(
    flights_nlu: NLUPipeline, tmp_path: Path
) -> None:
    flights_nlu.persist(tmp_path)
    loaded = NLUPipeline.load(tmp_path)

    for text in ("to Paris from Berlin please", "hey", "fly from Rome to Oslo"):
        assert loaded.parse(text).to_dict() == flights_nlu.parse(text).to_dict()


def test_multi_intents_are_learned_as_labels_made_of_their_parts() -> None:
    data = four_intents_and_a_multi_intent()
    nlu = trained([*SPARSE, {"name": "DIETClassifier", "epochs": 40}], data)

    assert nlu.parse("hi there, where is my package").intent_name == "greet+order_status"
    assert nlu.parse("where is my package").intent_name == "order_status"


def test_a_validation_split_with_early_stopping_still_learns() -> None:
    pipeline = [
        *SPARSE,
        {
            "name": "DIETClassifier",
            "epochs": 200,
            "evaluate_on_number_of_examples": 8,
            "early_stopping_patience": 3,
        },
    ]
    nlu = trained(pipeline, four_intents())

    correct = sum(nlu.parse(text).intent_name == intent for text, intent in HELD_OUT)
    assert correct >= 9  # of 12; chance is 3


@pytest.mark.slow
def test_the_mlp_classifier_learns_intents_from_frozen_dense_features() -> None:
    pipeline = [
        {"name": "WhitespaceTokenizer"},
        {"name": "LanguageModelFeaturizer"},
        {"name": "MLPIntentClassifier"},
    ]
    nlu = trained(pipeline, four_intents())

    correct = sum(nlu.parse(text).intent_name == intent for text, intent in HELD_OUT)
    assert correct >= 10  # of 12
    assert nlu.parse("where is my parcel").entities == ()


@pytest.mark.slow
def test_a_fine_tuned_encoder_is_saved_in_the_model_and_loaded_from_it(tmp_path: Path) -> None:
    pipeline = [
        {"name": "WhitespaceTokenizer"},
        {"name": "CountVectorsFeaturizer"},
        {
            "name": "DIETClassifier",
            "fine_tune_encoder": True,
            "epochs": 2,
            "min_steps": 10,
            "max_length": 16,
            "entity_recognition": False,
        },
    ]
    nlu = trained(pipeline, four_intents())
    nlu.persist(tmp_path)
    loaded = NLUPipeline.load(tmp_path)

    encoder = next(tmp_path.glob("*_DIETClassifier/encoder"))
    assert (encoder / "model.safetensors").is_file() and (encoder / "tokenizer.json").is_file()
    # Both parse in ONNX Runtime: the trained one from a fresh export, the loaded one from the
    # export cached for the saved weights; they answer alike.
    assert nlu.steps[-1][1].network.encoder.runtime is not None
    assert loaded.steps[-1][1].network.encoder.runtime is not None
    for text, _ in HELD_OUT[:4]:
        assert loaded.parse(text).to_dict() == nlu.parse(text).to_dict()
    correct = sum(loaded.parse(text).intent_name == intent for text, intent in HELD_OUT)
    assert correct >= 9

    # The sub-word embedding table is left as it was; the layers above it are trained.
    original = TextEncoder.load(default_model_path()).model.state_dict()
    tuned = nlu.steps[-1][1].network.encoder_model.state_dict()
    table = "embeddings.word_embeddings.weight"
    assert torch.equal(tuned[table], original[table])
    changed = [k for k in original if k != table and not torch.equal(tuned[k], original[k])]
    assert "encoder.layer.0.attention.self.query.weight" in changed
    assert "embeddings.position_embeddings.weight" in changed


def test_predictions_run_in_bounded_chunks_and_match_one_by_one_parsing(
    flights_nlu: NLUPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After training the whole training set passes through `process`: never as one batch.
    from nlu.components import joint

    classifier = flights_nlu.steps[-1][1]
    network = classifier.network
    sizes: list[int] = []
    forward = network.forward
    monkeypatch.setattr(
        network, "forward", lambda batch: sizes.append(len(batch.lengths)) or forward(batch)
    )
    monkeypatch.setattr(joint, "PROCESS_BATCH", 16)
    texts = [e.text for e in generated_flights(seed=7, count=40)]
    messages = [Message(text=text) for text in texts]

    flights_nlu.process(messages)

    assert max(sizes) <= 16 and sum(sizes) == 40
    for message, text in zip(messages, texts, strict=True):
        alone = flights_nlu.parse(text)
        assert message.intent is not None and message.intent.name == alone.intent.name
        assert [(e.value, e.role) for e in message.entities] == [
            (e.value, e.role) for e in alone.entities
        ]


def test_training_stops_at_max_training_time_and_logs_progress_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = TrainingData(examples=generated_flights(seed=1, count=40))
    config = {"name": "DIETClassifier", "epochs": 3000, "max_steps": 0, "max_training_time": 1}

    trained([*SPARSE, config], data)

    lines = [line for line in capsys.readouterr().err.splitlines() if "epoch" in line]
    assert lines[0].startswith("DIETClassifier: epoch 1/3000 loss ")
    assert "left" in lines[0] and "max_training_time reached" in lines[-1]
    assert int(lines[-1].split("epoch ")[1].split("/")[0]) < 3000


@pytest.mark.parametrize("value", [0, -5, "soon", True])
def test_max_training_time_must_be_positive_seconds(value: object) -> None:
    with pytest.raises(PipelineConfigError, match="max_training_time"):
        NLUPipeline.build([*SPARSE, {"name": "DIETClassifier", "max_training_time": value}])


@pytest.mark.parametrize(
    ("examples", "epochs", "max_steps", "trained_epochs"),
    [
        (1000, 40, 4000, 40),  # 32 batches x 40 = 1,280 updates: as configured
        (3200, 40, 4000, 40),  # 100 batches x 40 = 4,000: still as configured
        (13000, 40, 4000, 10),  # 407 batches: 10 passes over a large data set
        (13000, 40, None, 40),  # max_steps: 0 in the config turns the cap off
        (100, 1, 4000, 38),  # 4 batches: raised to min_steps (150)
        (1_000_000, 40, 4000, 1),  # at least one pass
    ],
)
def test_training_is_sized_to_the_data_between_min_steps_and_max_steps(
    examples: int, epochs: int, max_steps: int | None, trained_epochs: int
) -> None:
    settings = TrainingSettings(epochs=epochs, max_steps=max_steps)

    assert epochs_for(settings, math.ceil(examples / settings.batch_size)) == trained_epochs


def test_max_steps_caps_the_passes_a_config_asks_for(capsys: pytest.CaptureFixture[str]) -> None:
    data = TrainingData(examples=generated_flights(seed=2, count=400))  # 13 batches of 32

    nlu = trained([*SPARSE, {"name": "DIETClassifier", "epochs": 300, "max_steps": 130}], data)

    lines = [line for line in capsys.readouterr().err.splitlines() if "epoch" in line]
    assert "epoch 10/10" in lines[-1]
    parsed = nlu.parse("fly from Oslo to Rome")
    assert [(e.value, e.role) for e in parsed.entities] == [("Oslo", "from"), ("Rome", "to")]


def test_a_validation_split_stops_training_early_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = TrainingData(examples=generated_flights(seed=2, count=600))
    config = {"name": "DIETClassifier", "epochs": 300, "evaluate_on_number_of_examples": 60}

    trained([*SPARSE, config], data)

    lines = [line for line in capsys.readouterr().err.splitlines() if "epoch" in line]
    assert "val_acc" in lines[0] and "stopped early" in lines[-1]
    assert int(lines[-1].split("epoch ")[1].split("/")[0]) < 300
