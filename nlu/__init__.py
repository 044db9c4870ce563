"""Natural-language understanding: text in, intent and entities out.

``NLUPipeline.build(config.pipeline)`` -> ``train(data)`` -> ``persist(dir)``;
later ``NLUPipeline.load(dir).parse(text)``. Components are registered by their
config.yml names in :data:`nlu.registry.COMPONENTS`.
"""

from nlu.errors import (
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
from nlu.pipeline import DEFAULT_PIPELINE, NLUPipeline

__all__ = [
    "DEFAULT_PIPELINE",
    "INTENT_NLU_FALLBACK",
    "Entity",
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
