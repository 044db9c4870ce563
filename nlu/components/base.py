"""What the pipeline needs from a component class beyond :mod:`nlu.interfaces`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

from nlu.components.options import ComponentOptions
from nlu.interfaces import TrainableComponent


@runtime_checkable
class BuildableComponent(TrainableComponent, Protocol):
    """A component the pipeline can create from ``config.yml`` options.

    Every built-in component implements the full :class:`TrainableComponent`
    protocol; components without learned state train and persist nothing.
    """

    options_model: ClassVar[type[ComponentOptions]]
    """Its ``config.yml`` options: the pipeline warns about the Rasa options among them that
    have no effect, and gives :meth:`create` the rest."""

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        """An untrained component. ``key`` is unique within the pipeline (it names the
        feature block a featurizer writes). Raises ``PipelineConfigError`` on bad options.
        """
        ...
