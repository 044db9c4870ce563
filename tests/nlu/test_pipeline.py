"""NLUPipeline: building from config.yml, training, persisting, loading and odd input."""

from __future__ import annotations

import json
import shutil
import time
import warnings
from pathlib import Path

import pytest

from nlu import (
    INTENT_NLU_FALLBACK,
    ModelLoadError,
    NLUPipeline,
    NotTrainedError,
    PipelineConfigError,
    TrainingData,
    UnsupportedComponentWarning,
)
from tests.nlu.data import FLIGHTS, FOUR_INTENTS, examples
from tests.nlu.parse_results import assert_parsed_alike

DATA = TrainingData(
    examples=(
        *FOUR_INTENTS,
        *FLIGHTS,
        *examples("faq/opening_hours", "when are you open", "what are your opening hours"),
        *examples("faq/payment", "can i pay by card", "which payment methods do you take"),
    ),
    synonyms={"nyc": "New York"},
    lookups={"city": ("Berlin", "Paris", "NYC")},
    regexes={"order_number": (r"\d{6}",)},
)

DEFAULT_NAMES = (
    "WhitespaceTokenizer",
    "RegexFeaturizer",
    "LexicalSyntacticFeaturizer",
    "CountVectorsFeaturizer",
    "CountVectorsFeaturizer",
    "DIETClassifier",
    "EntitySynonymMapper",
    "ResponseSelector",
    "FallbackClassifier",
)

PROBES = (
    "hello there",
    "where is my order 123456",
    "fly from Berlin to NYC",
    "when do you open",
    "",
    "   ",
    "🙂🙂",
    "zzz qqq",
)


@pytest.fixture(scope="module")
def default_nlu() -> NLUPipeline:
    nlu = NLUPipeline.build(None)
    nlu.train(DATA)
    return nlu


@pytest.fixture(scope="module")
def model_dir(default_nlu: NLUPipeline, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("model") / "nlu"
    default_nlu.persist(directory)
    return directory


@pytest.mark.parametrize("pipeline", [None, []], ids=["none", "empty-list"])
def test_no_pipeline_means_the_default_pipeline(pipeline: list[dict[str, object]] | None) -> None:
    assert NLUPipeline.build(pipeline).component_names == DEFAULT_NAMES


def test_training_reports_each_component_as_it_starts() -> None:
    lines: list[str] = []
    NLUPipeline.build(None).train(DATA, progress=lines.append)

    assert lines == [f"NLU {i}/9: {name}" for i, name in enumerate(DEFAULT_NAMES, 1)]


def processed_in_training(pipeline: list[dict[str, object]]) -> list[str]:
    """The components that processed the training messages while ``pipeline`` trained."""
    nlu = NLUPipeline.build(pipeline)
    processed: list[str] = []
    for spec, component in nlu.steps:

        def recording(messages: object, name: str = spec.name, inner: object = component) -> None:
            processed.append(name)
            inner.__class__.process(inner, messages)  # type: ignore[attr-defined]

        component.process = recording  # type: ignore[method-assign]
    nlu.train(DATA)
    return processed


def test_training_messages_are_processed_only_as_far_as_a_later_step_reads_them() -> None:
    head = [{"name": "WhitespaceTokenizer"}, {"name": "CountVectorsFeaturizer"}]
    classifier = {"name": "LogisticRegressionClassifier"}

    # the fallback trains on nothing: nobody reads the classifier's predictions in training
    assert processed_in_training([*head, classifier, {"name": "FallbackClassifier"}]) == [
        "WhitespaceTokenizer",
        "CountVectorsFeaturizer",
    ]
    # a response selector trains on the messages, so everything before it processes them
    assert processed_in_training(
        [*head, classifier, {"name": "ResponseSelector"}, {"name": "FallbackClassifier"}]
    ) == ["WhitespaceTokenizer", "CountVectorsFeaturizer", "LogisticRegressionClassifier"]


def test_the_default_pipeline_does_every_job(default_nlu: NLUPipeline) -> None:
    result = default_nlu.parse("fly from Berlin to NYC")
    faq = default_nlu.parse("what are your opening hours").response_selector

    assert result.intent_name == "book"
    assert [(e.entity, e.value, e.role) for e in result.entities] == [
        ("city", "Berlin", "from"),
        ("city", "New York", "to"),
    ]
    assert result.entities[1].processors == ("EntitySynonymMapper",)
    assert faq["faq"]["response"]["intent_response_key"] == "faq/opening_hours"


def test_a_loaded_pipeline_parses_exactly_like_the_trained_one(
    default_nlu: NLUPipeline, model_dir: Path
) -> None:
    loaded = NLUPipeline.load(model_dir)

    for text in PROBES:
        assert loaded.parse(text, message_id="m1") == default_nlu.parse(text, message_id="m1")


def test_a_batch_parses_like_its_texts_one_by_one(default_nlu: NLUPipeline) -> None:
    ids = [f"m{i}" for i in range(len(PROBES))]

    batch = default_nlu.parse_batch(PROBES, ids)
    one_by_one = [default_nlu.parse(text, i) for text, i in zip(PROBES, ids, strict=True)]

    # Confidences may differ in the last float digits: padding changes the batch's shape.
    assert_parsed_alike(batch, one_by_one)


def test_a_batch_needs_one_message_id_per_text(default_nlu: NLUPipeline) -> None:
    with pytest.raises(ValueError, match="2 texts but 1 message ids"):
        default_nlu.parse_batch(["hello", "bye"], [None])


def test_a_persisted_pipeline_is_json_npz_and_safetensors_only(model_dir: Path) -> None:
    suffixes = {path.suffix for path in model_dir.rglob("*") if path.is_file()}

    assert suffixes == {".json", ".npz", ".safetensors"}


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "🙂🙂", "!!!"], ids=repr)
def test_text_without_words_gives_no_intent_or_the_fallback(
    default_nlu: NLUPipeline, text: str
) -> None:
    result = default_nlu.parse(text)

    assert result.intent_name in (None, INTENT_NLU_FALLBACK)
    assert result.entities == ()
    assert result.text == text


def test_huge_input_is_parsed_quickly_with_offsets_into_the_original(
    default_nlu: NLUPipeline,
) -> None:
    text = "  fly from Berlin to Paris " + "blah " * 10_000

    started = time.perf_counter()
    result = default_nlu.parse(text)
    elapsed = time.perf_counter() - started

    assert elapsed < 1.0
    assert [text[e.start or 0 : e.end or 0] for e in result.entities] == ["Berlin", "Paris"]


def test_parsing_before_training_is_an_error() -> None:
    with pytest.raises(NotTrainedError):
        NLUPipeline.build(None).parse("hello")


def test_an_unsupported_rasa_component_is_skipped_with_a_warning_naming_it() -> None:
    with pytest.warns(UnsupportedComponentWarning, match="ConveRTFeaturizer"):
        nlu = NLUPipeline.build(
            [
                {"name": "WhitespaceTokenizer"},
                {"name": "LexicalSyntacticFeaturizer"},
                {"name": "CountVectorsFeaturizer", "token_pattern": r"(?u)\b\w+\b"},
                {"name": "ConveRTFeaturizer", "model_url": "https://example.com/convert"},
                {"name": "DIETClassifier", "epochs": 1, "run_eagerly": True},
                {"name": "EntitySynonymMapper"},
            ]
        )
    nlu.train(DATA)

    assert "ConveRTFeaturizer" not in nlu.component_names
    assert nlu.parse("see you later").intent_name == "goodbye"


def test_a_spacy_pipeline_without_word_vectors_gets_count_vectors() -> None:
    spacy = [
        {"name": "SpacyNLP"},
        {"name": "SpacyTokenizer"},
        {"name": "SpacyFeaturizer"},
        {"name": "SklearnIntentClassifier"},
    ]
    with pytest.warns(UnsupportedComponentWarning) as warned:
        nlu = NLUPipeline.build(spacy)
    nlu.train(DATA)

    messages = " ".join(str(w.message) for w in warned)
    assert "SpacyFeaturizer" in messages
    assert nlu.component_names[:2] == ("SpacyNLP", "SpacyTokenizer")
    assert "CountVectorsFeaturizer" in nlu.component_names
    assert nlu.parse("cancel my order").intent_name == "cancel_order"


def test_a_spacy_model_that_is_not_installed_is_a_config_error_naming_it() -> None:
    with pytest.raises(PipelineConfigError, match="en_core_web_md"):
        NLUPipeline.build([{"name": "SpacyNLP", "model": "en_core_web_md"}])


def test_an_unknown_component_is_an_error_listing_the_known_ones() -> None:
    with pytest.raises(PipelineConfigError, match="DIETClasifier") as error:
        NLUPipeline.build([{"name": "WhitespaceTokenizer"}, {"name": "DIETClasifier"}])

    assert "DIETClassifier" in str(error.value)
    assert "DucklingEntityExtractor" in str(error.value)


@pytest.mark.parametrize(
    "entry", [{"epochs": 5}, "DIETClassifier", {"name": 3}], ids=["no-name", "string", "number"]
)
def test_a_pipeline_entry_needs_a_name(entry: object) -> None:
    with pytest.raises(PipelineConfigError, match="pipeline entry 2"):
        NLUPipeline.build([{"name": "WhitespaceTokenizer"}, entry])  # type: ignore[list-item]


def test_the_tokenizer_must_come_before_what_needs_tokens() -> None:
    with pytest.raises(PipelineConfigError, match="CountVectorsFeaturizer needs tokens"):
        NLUPipeline.build([{"name": "CountVectorsFeaturizer"}, {"name": "WhitespaceTokenizer"}])


def test_a_model_whose_stored_options_hold_keys_older_versions_ignored_still_loads(
    default_nlu: NLUPipeline, model_dir: Path, tmp_path: Path
) -> None:
    copy = shutil.copytree(model_dir, tmp_path / "nlu")
    stored = json.loads((copy / "pipeline.json").read_text(encoding="utf-8"))
    diet = next(c for c in stored["components"] if c["name"] == "DIETClassifier")
    diet["options"].update({"run_eagerly": True, "epochz": 3})
    (copy / "pipeline.json").write_text(json.dumps(stored), encoding="utf-8")

    with warnings.catch_warnings():
        warnings.simplefilter("error", UnsupportedComponentWarning)
        loaded = NLUPipeline.load(copy)

    assert loaded.parse("fly from Berlin to NYC") == default_nlu.parse("fly from Berlin to NYC")


def test_loading_a_directory_without_a_model_names_the_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"pipeline\.json") as error:
        NLUPipeline.load(tmp_path)

    assert error.value.path == tmp_path / "pipeline.json"


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        ("pipeline.json", "pipeline.json"),
        ("5_DIETClassifier/weights.safetensors", "weights.safetensors"),
        ("3_CountVectorsFeaturizer/vocabulary.json", "vocabulary.json"),
        ("5_DIETClassifier/joint.json", "joint.json"),
        ("5_DIETClassifier/idf.npz", "idf.npz"),
    ],
    ids=["pipeline", "weights", "vocabulary", "labels", "idf"],
)
def test_a_corrupt_file_is_a_load_error_naming_it(
    model_dir: Path, tmp_path: Path, damage: str, named: str
) -> None:
    copy = shutil.copytree(model_dir, tmp_path / "nlu")
    (copy / damage).write_bytes(b"\x00 not what was written")

    with pytest.raises(ModelLoadError, match=named) as error:
        NLUPipeline.load(copy)

    assert error.value.path == copy / damage


def test_a_missing_component_directory_is_a_load_error(model_dir: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(model_dir, tmp_path / "nlu")
    shutil.rmtree(copy / "7_ResponseSelector")

    with pytest.raises(ModelLoadError, match="7_ResponseSelector"):
        NLUPipeline.load(copy)


def test_a_rasa_tokenizer_beside_one_we_have_adds_no_second_tokenizer() -> None:
    with pytest.warns(UnsupportedComponentWarning, match="MitieTokenizer"):
        pipeline = NLUPipeline.build(
            [
                {"name": "WhitespaceTokenizer"},
                {"name": "MitieTokenizer"},
                {"name": "CountVectorsFeaturizer"},
                {"name": "LogisticRegressionClassifier"},
            ]
        )
    assert pipeline.component_names.count("WhitespaceTokenizer") == 1
