"""Natural-language understanding: text in, intent and entities out.

``NLUPipeline.build(config.pipeline)`` -> ``train(data)`` -> ``persist(dir)``;
later ``NLUPipeline.load(dir).parse(text)``. Components are registered by their
config.yml names in :data:`nlu.registry.COMPONENTS`.
"""

from typing import TYPE_CHECKING, Any

from nlu.errors import (
    IgnoredRasaOption,
    ModelLoadError,
    NLUError,
    NotTrainedError,
    PipelineConfigError,
    TrainingDataError,
    UnsupportedComponentWarning,
)
from nlu.interfaces import (
    INTENT_NLU_FALLBACK,
    Entity,
    IntentPrediction,
    Interpreter,
    ParseResult,
    TrainingData,
    TrainingExample,
)

if TYPE_CHECKING:
    from nlu.pipeline import DEFAULT_PIPELINE, NLUPipeline


def __getattr__(name: str) -> Any:
    """The pipeline loads on first use: importing :mod:`nlu.interfaces` (as the event model
    does) must not import the component registry, and with it torch and spaCy."""
    if name in {"DEFAULT_PIPELINE", "NLUPipeline"}:
        from nlu import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'nlu' has no attribute {name!r}")


__all__ = [
    "DEFAULT_PIPELINE",
    "INTENT_NLU_FALLBACK",
    "Entity",
    "IgnoredRasaOption",
    "IntentPrediction",
    "Interpreter",
    "ModelLoadError",
    "NLUError",
    "NLUPipeline",
    "NotTrainedError",
    "ParseResult",
    "PipelineConfigError",
    "TrainingData",
    "TrainingDataError",
    "TrainingExample",
    "UnsupportedComponentWarning",
]
