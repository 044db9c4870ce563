"""Natural-language understanding: text in, intent and entities out.

``NLUPipeline.build(config.pipeline)`` -> ``train(data)`` -> ``persist(dir)``;
later ``NLUPipeline.load(dir).parse(text)``. Components are registered by their
config.yml names in :data:`nlu.registry.COMPONENTS`.
"""

from typing import TYPE_CHECKING

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
from plugins import lazy_attributes

if TYPE_CHECKING:
    from nlu.pipeline import DEFAULT_PIPELINE, NLUPipeline


# The pipeline loads on first use: importing :mod:`nlu.interfaces` (as the event model
# does) must not import the component registry, and with it torch and spaCy.
__getattr__ = lazy_attributes(
    "nlu", {"DEFAULT_PIPELINE": "nlu.pipeline", "NLUPipeline": "nlu.pipeline"}
)


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
