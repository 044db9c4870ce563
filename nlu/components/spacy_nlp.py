"""spaCy in the pipeline: ``SpacyNLP`` parses, ``SpacyTokenizer`` and ``SpacyEntityExtractor`` read.

``SpacyNLP`` runs a spaCy pipeline over each message and leaves the ``Doc`` in
``Message.features`` under :data:`SPACY_DOC`. The pipeline is ``spacy.blank(language)``
unless ``model`` names an installed spaCy package or a directory saved with
``nlp.to_disk``; it is saved into the model archive, so loading needs neither.

spaCy is imported by what loads a pipeline or reads a ``Doc``: importing this module, or
building ``SpacyTokenizer`` and ``SpacyEntityExtractor``, does not. Building ``SpacyNLP``
loads its pipeline, so that validating config.yml finds a missing model or language.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import StrictStr

from nlu.components.options import ComponentOptions, Strings, TextOrDefault, read_options
from nlu.components.rasa_options import options_of
from nlu.components.storage import read_json_object, write_json
from nlu.components.tokenizer import MAX_CHARS, MAX_TOKENS
from nlu.errors import ModelLoadError, PipelineConfigError
from nlu.interfaces import Entity, Message, Token, TrainingData

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

logger = logging.getLogger(__name__)

SPACY_DOC = "spacy_doc"
PIPELINE_DIRECTORY = "spacy"
SETTINGS_FILE = "spacy.json"


def load_language(model: str | None, language: str) -> Language:
    """``spacy.blank(language)``, or the installed package / saved directory ``model``."""
    import spacy

    if model is None:
        try:
            return spacy.blank(language)
        except ImportError as e:
            raise PipelineConfigError(f"SpacyNLP: spaCy has no language {language!r}") from e
    try:
        return spacy.load(model)
    except OSError as e:
        raise PipelineConfigError(
            f"SpacyNLP: cannot load spaCy pipeline {model!r}; give an installed spaCy package "
            "or a directory saved with nlp.to_disk, or leave 'model' out for spacy.blank"
        ) from e


class SpacyNLPOptions(ComponentOptions):
    """``model`` (installed package or directory; default ``spacy.blank``) and ``language``
    (for the blank pipeline; the pipeline's ``language`` from config.yml)."""

    rasa_options: ClassVar[frozenset[str]] = options_of("SpacyNLP")

    model: StrictStr | None = None
    language: TextOrDefault = "en"


class SpacyNLP:
    """Runs the spaCy pipeline; options in :class:`SpacyNLPOptions`."""

    name: ClassVar[str] = "SpacyNLP"
    options_model: ClassVar[type[ComponentOptions]] = SpacyNLPOptions

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        parsed = read_options(SpacyNLPOptions, cls.name, options)
        return cls(load_language(parsed.model, parsed.language))

    @property
    def has_entities(self) -> bool:
        return any(name in self.nlp.pipe_names for name in ("ner", "entity_ruler", "span_ruler"))

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        return None

    def process(self, messages: Sequence[Message]) -> None:
        docs = self.nlp.pipe(m.text[:MAX_CHARS] for m in messages)
        for message, doc in zip(messages, docs, strict=True):
            message.features[SPACY_DOC] = doc

    def persist(self, directory: Path) -> None:
        self.nlp.to_disk(directory / PIPELINE_DIRECTORY)
        write_json(directory / SETTINGS_FILE, {"pipes": list(self.nlp.pipe_names)})

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        import spacy

        read_json_object(directory / SETTINGS_FILE, "pipes")
        try:
            return cls(spacy.load(directory / PIPELINE_DIRECTORY))
        except (OSError, ValueError) as e:
            raise ModelLoadError(
                directory / PIPELINE_DIRECTORY, f"not a spaCy pipeline ({e})"
            ) from e


def message_doc(message: Message, component: str) -> Doc:
    from spacy.tokens import Doc

    doc = message.features.get(SPACY_DOC)
    if not isinstance(doc, Doc):
        raise PipelineConfigError(f"{component} needs SpacyNLP earlier in the pipeline")
    return doc


class SpacyTokenizerOptions(ComponentOptions):
    """None of its own; Rasa's tokenizer options have no effect."""

    rasa_options: ClassVar[frozenset[str]] = options_of("SpacyTokenizer")


class SpacyTokenizer:
    """Tokens (with lemmas when the spaCy pipeline has them) from ``SpacyNLP``'s parse;
    whitespace tokens are dropped."""

    name: ClassVar[str] = "SpacyTokenizer"
    options_model: ClassVar[type[ComponentOptions]] = SpacyTokenizerOptions

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        read_options(SpacyTokenizerOptions, cls.name, options)
        return cls()

    def process(self, messages: Sequence[Message]) -> None:
        for message in messages:
            doc = message_doc(message, self.name)
            kept = [t for t in doc if t.text.strip()][:MAX_TOKENS]
            message.tokens = [
                Token(t.text, t.idx, t.idx + len(t.text), t.lemma_ or None) for t in kept
            ]

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        return None

    def persist(self, directory: Path) -> None:
        return None

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        return cls.create(config, "")


class SpacyEntityExtractorOptions(ComponentOptions):
    """``dimensions``: the spaCy labels to keep (default all)."""

    rasa_options: ClassVar[frozenset[str]] = options_of("SpacyEntityExtractor")

    dimensions: Strings = ()


class SpacyEntityExtractor:
    """Entities from the spaCy pipeline's named-entity recogniser (or entity ruler)."""

    name: ClassVar[str] = "SpacyEntityExtractor"
    options_model: ClassVar[type[ComponentOptions]] = SpacyEntityExtractorOptions

    def __init__(self, dimensions: tuple[str, ...]) -> None:
        self.dimensions = frozenset(dimensions)

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        return cls(read_options(SpacyEntityExtractorOptions, cls.name, options).dimensions)

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        if messages and not message_doc(messages[0], self.name).has_annotation("ENT_IOB"):
            logger.warning("%s: the spaCy pipeline finds no entities (it has no NER)", self.name)

    def process(self, messages: Sequence[Message]) -> None:
        for message in messages:
            message.entities.extend(
                Entity(
                    entity=span.label_,
                    value=span.text,
                    start=span.start_char,
                    end=span.end_char,
                    extractor=self.name,
                )
                for span in message_doc(message, self.name).ents
                if not self.dimensions or span.label_ in self.dimensions
            )

    def persist(self, directory: Path) -> None:
        return None

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        return cls.create(config, "")
