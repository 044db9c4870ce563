"""The NLU component registry: ``pipeline:`` names from config.yml -> component classes.

Rasa's names are accepted, each mapped to the Parley component that fills the same
role (``DIETClassifier`` -> the joint torch intent + entity classifier,
``CRFEntityExtractor`` -> linear entity tagger, ...). :func:`resolve` also knows
the Rasa components Parley does not provide: some are replaced by the nearest
equivalent, the rest are skipped; both with an :class:`UnsupportedComponentWarning`
naming the component. Any other name is a :class:`PipelineConfigError`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

from nlu.components.base import BuildableComponent
from nlu.errors import PipelineConfigError, UnsupportedComponentWarning
from plugins import Registry, UnknownPluginError

COMPONENTS: Registry[type[BuildableComponent]] = Registry("NLU component")

_BUILT_IN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tokenizer:WhitespaceTokenizer", ("WhitespaceTokenizer",)),
    ("spacy_nlp:SpacyNLP", ("SpacyNLP",)),
    ("spacy_nlp:SpacyTokenizer", ("SpacyTokenizer",)),
    ("spacy_nlp:SpacyEntityExtractor", ("SpacyEntityExtractor",)),
    ("language_model:LanguageModelFeaturizer", ("LanguageModelFeaturizer",)),
    ("count_vectors:CountVectorsFeaturizer", ("CountVectorsFeaturizer",)),
    ("lexical:LexicalSyntacticFeaturizer", ("LexicalSyntacticFeaturizer",)),
    ("regex:RegexFeaturizer", ("RegexFeaturizer",)),
    (
        "intent:LinearIntentClassifier",
        ("LogisticRegressionClassifier", "SklearnIntentClassifier"),
    ),
    ("intent:KeywordIntentClassifier", ("KeywordIntentClassifier",)),
    ("joint:JointIntentEntityClassifier", ("DIETClassifier", "JointIntentEntityClassifier")),
    ("joint:MLPIntentClassifier", ("MLPIntentClassifier",)),
    ("diet:IntentEntityClassifier", ("LinearIntentEntityClassifier",)),
    ("entities:LinearEntityTagger", ("CRFEntityExtractor",)),
    ("regex:RegexEntityExtractor", ("RegexEntityExtractor",)),
    ("duckling:DucklingEntityExtractor", ("DucklingEntityExtractor",)),
    ("synonyms:EntitySynonymMapper", ("EntitySynonymMapper",)),
    ("fallback:FallbackClassifier", ("FallbackClassifier",)),
    ("response_selector:ResponseSelector", ("ResponseSelector",)),
)
"""Each component by its ``module:class`` under ``nlu.components``; a module is imported when
a pipeline first names one of its components."""
for _path, _names in _BUILT_IN:
    for _name in _names:
        COMPONENTS.add_lazy(_name, f"nlu.components.{_path}")

TOKENIZERS = frozenset({"WhitespaceTokenizer", "SpacyTokenizer"})
FEATURIZERS = frozenset(
    {
        "CountVectorsFeaturizer",
        "LexicalSyntacticFeaturizer",
        "RegexFeaturizer",
        "LanguageModelFeaturizer",
    }
)
NEEDS_FEATURES = frozenset(
    {
        "LogisticRegressionClassifier",
        "SklearnIntentClassifier",
        "DIETClassifier",
        "JointIntentEntityClassifier",
        "MLPIntentClassifier",
        "LinearIntentEntityClassifier",
        "CRFEntityExtractor",
        "ResponseSelector",
    }
)

SUBSTITUTES: Mapping[str, str] = {
    "MitieTokenizer": "WhitespaceTokenizer",
    "JiebaTokenizer": "WhitespaceTokenizer",
    "ConveRTTokenizer": "WhitespaceTokenizer",
    "LanguageModelTokenizer": "WhitespaceTokenizer",
    "MitieIntentClassifier": "LogisticRegressionClassifier",
    "MitieEntityExtractor": "CRFEntityExtractor",
}
"""Rasa components that need a library Parley does not ship, and what is used instead."""

SKIPPED: Mapping[str, str] = {
    "SpacyFeaturizer": "spaCy word vectors are not used; use LanguageModelFeaturizer",
    "MitieNLP": "MITIE models are not supported",
    "MitieFeaturizer": "MITIE models are not supported",
    "HFTransformersNLP": "use LanguageModelFeaturizer with a local model_weights directory",
    "ConveRTFeaturizer": "use LanguageModelFeaturizer with a local model_weights directory",
}
"""Rasa components that are skipped, with the reason given in the warning."""


def resolve(name: str) -> str | None:
    """The registered name to build for pipeline entry ``name``, or ``None`` to skip it.

    Warns (:class:`UnsupportedComponentWarning`) when ``name`` is replaced or skipped;
    raises :class:`PipelineConfigError` listing the known names when it is unknown.
    """
    if name in SUBSTITUTES:
        substitute = SUBSTITUTES[name]
        warn_unsupported(
            f"NLU component {name!r} is not available yet; using {substitute!r} instead"
        )
        return substitute
    if name in SKIPPED:
        warn_unsupported(f"NLU component {name!r} is skipped: {SKIPPED[name]}")
        return None
    try:
        COMPONENTS.get(name)
    except UnknownPluginError as e:
        raise PipelineConfigError(
            f"{e}; Rasa components Parley skips or replaces: "
            f"{', '.join(sorted({*SUBSTITUTES, *SKIPPED}))}"
        ) from e
    return name


def warn_unsupported(message: str) -> None:
    """Warn the caller of ``NLUPipeline.build`` (the stack level counts the frames between)."""
    warnings.warn(message, UnsupportedComponentWarning, stacklevel=5)
