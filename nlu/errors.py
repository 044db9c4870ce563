"""Errors raised by the NLU package.

::

    NLUError                      anything the NLU package raises on purpose
    ├── PipelineConfigError       the ``pipeline:`` list of config.yml is wrong:
    │                             unknown component, missing ``name``, option of the wrong type
    ├── TrainingDataError         training data the pipeline cannot learn from
    ├── NotTrainedError           ``parse`` or ``persist`` before ``train``
    └── ModelLoadError            a persisted pipeline is missing a file or a file is corrupt;
                                  the message names the file

:class:`UnsupportedComponentWarning` is a warning, not an error: a Rasa component
Parley does not provide yet was named and is skipped.
"""

from __future__ import annotations

from pathlib import Path


class NLUError(Exception):
    """Base class of every error the NLU package raises on purpose."""


class PipelineConfigError(NLUError):
    """The pipeline configuration cannot be built."""


class TrainingDataError(NLUError):
    """The training data cannot be used to train the pipeline."""


class NotTrainedError(NLUError):
    """The pipeline was used before it was trained or loaded."""


class ModelLoadError(NLUError):
    """A persisted pipeline cannot be loaded; ``path`` is the offending file."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot load NLU model file {path}: {reason}")
        self.path = path
        self.reason = reason


class UnsupportedComponentWarning(UserWarning):
    """A known Rasa component that Parley skips (or replaces) was named in the pipeline."""
