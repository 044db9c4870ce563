"""SpacyNLP, SpacyTokenizer and SpacyEntityExtractor, with spaCy pipelines built in the tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from nlu import NLUPipeline, PipelineConfigError
from tests.nlu.data import HELD_OUT, four_intents


@pytest.fixture(scope="module")
def ruler_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved spaCy pipeline whose entity ruler recognises product names."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(  # type: ignore[attr-defined]
        [
            {"label": "PRODUCT", "pattern": "rain jacket"},
            {"label": "PRODUCT", "pattern": "hiking boots"},
            {"label": "GPE", "pattern": "Berlin"},
        ]
    )
    path = tmp_path_factory.mktemp("spacy") / "shop_ner"
    nlp.to_disk(path)
    return path


def test_spacy_tokens_keep_offsets_and_split_punctuation() -> None:
    nlu = NLUPipeline.build(
        [{"name": "SpacyNLP"}, {"name": "SpacyTokenizer"}, {"name": "CountVectorsFeaturizer"}]
    )
    nlu.train(four_intents())
    [message] = [m for m in _processed(nlu, "where's my order, PO-12345?")]

    assert [t.text for t in message.tokens][:3] == ["where", "'s", "my"]
    assert all(message.text[t.start : t.end] == t.text for t in message.tokens)


def _processed(nlu: NLUPipeline, text: str) -> list:  # type: ignore[type-arg]
    from nlu.interfaces import Message

    message = Message(text=text)
    nlu.process([message])
    return [message]


def test_a_spacy_tokenized_pipeline_learns_intents() -> None:
    nlu = NLUPipeline.build(
        [
            {"name": "SpacyNLP"},
            {"name": "SpacyTokenizer"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "LogisticRegressionClassifier"},
        ]
    )
    nlu.train(four_intents())

    correct = sum(nlu.parse(text).intent_name == intent for text, intent in HELD_OUT)
    assert correct >= 9


def test_the_spacy_ner_finds_entities_and_is_saved_in_the_model(
    ruler_pipeline: Path, tmp_path: Path
) -> None:
    nlu = NLUPipeline.build(
        [
            {"name": "SpacyNLP", "model": str(ruler_pipeline)},
            {"name": "SpacyTokenizer"},
            {"name": "SpacyEntityExtractor", "dimensions": ["PRODUCT"]},
        ]
    )
    nlu.train(four_intents())
    nlu.persist(tmp_path / "model")
    loaded = NLUPipeline.load(tmp_path / "model")
    text = "is the rain jacket in stock in Berlin?"

    for pipeline in (nlu, loaded):
        [entity] = pipeline.parse(text).entities
        assert (entity.entity, entity.value, entity.extractor) == (
            "PRODUCT",
            "rain jacket",
            "SpacyEntityExtractor",
        )
        assert text[entity.start or 0 : entity.end] == "rain jacket"


def test_the_entity_extractor_without_spacy_nlp_is_a_config_error() -> None:
    nlu = NLUPipeline.build([{"name": "WhitespaceTokenizer"}, {"name": "SpacyEntityExtractor"}])
    with pytest.raises(PipelineConfigError, match="needs SpacyNLP"):
        nlu.train(four_intents())


def test_an_unknown_spacy_language_is_a_config_error() -> None:
    with pytest.raises(PipelineConfigError, match="no language 'xx-nonsense'"):
        NLUPipeline.build([{"name": "SpacyNLP", "language": "xx-nonsense"}])
