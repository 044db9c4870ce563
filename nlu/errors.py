"""Errors raised by the NLU package.

::

    NLUError                      anything the NLU package raises on purpose
    ├── PipelineConfigError       the ``pipeline:`` list of config.yml is wrong: unknown
    │                             component, missing ``name``, unknown option, option of the
    │                             wrong type; says which component, option and entry
    ├── TrainingDataError         training data the pipeline cannot learn from
    ├── NotTrainedError           ``parse`` or ``persist`` before ``train``
    └── ModelLoadError            a persisted pipeline is missing a file or a file is corrupt;
                                  the message names the file

:class:`UnsupportedComponentWarning` is a warning, not an error: a Rasa component
Parley does not provide yet was named and is skipped. Its subclass
:class:`IgnoredRasaOption` says that a Rasa option of a component has no effect in Parley.
"""

from __future__ import annotations

from pathlib import Path


class NLUError(Exception):
    """Base class of every error the NLU package raises on purpose."""


class PipelineConfigError(NLUError):
    """The pipeline configuration cannot be built.

    ``component`` and ``option`` name the option at fault, when one is; ``entry`` is the
    1-based place in config.yml's ``pipeline:`` of the entry at fault, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        component: str | None = None,
        option: str | None = None,
        entry: int | None = None,
    ) -> None:
        super().__init__(message)
        self.component = component
        self.option = option
        self.entry = entry

    def in_entry(self, entry: int | None) -> PipelineConfigError:
        """This error placed at ``pipeline:`` entry ``entry`` (unless it already has one)."""
        return PipelineConfigError(
            str(self), component=self.component, option=self.option, entry=self.entry or entry
        )


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


class IgnoredRasaOption(UnsupportedComponentWarning):
    """A Rasa option of a pipeline entry that has no effect in Parley and is ignored.

    ``entry`` is the 1-based place of the entry in config.yml's ``pipeline:``.
    """

    def __init__(self, component: str, option: str, entry: int | None = None) -> None:
        super().__init__(f"{component}: Rasa's {option!r} has no effect in Parley and is ignored")
        self.component = component
        self.option = option
        self.entry = entry
