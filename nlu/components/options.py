"""Typed reading of one component's options from the ``pipeline:`` list.

Every component reads its options through :class:`Options`: an option of the
wrong type is a :class:`PipelineConfigError` naming the component and the option;
options a component does not use (Rasa's ``epochs``, ``run_eagerly``, ...) are
logged at debug level by :meth:`Options.finish`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from nlu.errors import PipelineConfigError

logger = logging.getLogger(__name__)

S = TypeVar("S", bound=str)


class Options:
    def __init__(self, component: str, values: Mapping[str, Any]) -> None:
        self.component = component
        self._values = {k: v for k, v in values.items() if k != "name"}
        self._used: set[str] = set()

    def _get(self, key: str) -> Any:
        self._used.add(key)
        return self._values.get(key)

    def _fail(self, key: str, expected: str) -> PipelineConfigError:
        value = self._values.get(key)
        return PipelineConfigError(
            f"{self.component}: option {key!r} must be {expected}, got {value!r}"
        )

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._fail(key, "true or false")
        return value

    def integer(self, key: str, default: int, minimum: int | None = None) -> int:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, "an integer")
        if minimum is not None and value < minimum:
            raise self._fail(key, f"an integer >= {minimum}")
        return value

    def number(
        self, key: str, default: float, low: float | None = None, high: float | None = None
    ) -> float:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(key, "a number")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self._fail(key, f"a number between {low} and {high}")
        return float(value)

    def positive(self, key: str, default: float | None) -> float | None:
        """A number greater than 0, or ``default`` (which may be None: not set)."""
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self._fail(key, "a number > 0")
        return float(value)

    def numbers(self, key: str, default: Sequence[float], low: float) -> tuple[float, ...]:
        """A number or a non-empty list of numbers, each greater than ``low``."""
        value = self._get(key)
        if value is None:
            return tuple(default)
        items = value if isinstance(value, list) else [value]
        ok = bool(items) and all(
            isinstance(v, int | float) and not isinstance(v, bool) and v > low for v in items
        )
        if not ok:
            raise self._fail(key, f"a number > {low} or a list of them")
        return tuple(float(v) for v in items)

    def text(self, key: str, default: str | None) -> str | None:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self._fail(key, "a string")
        return value

    def choice(self, key: str, default: S, choices: Sequence[S]) -> S:
        value = self._get(key)
        if value is None:
            return default
        for choice in choices:
            if value == choice:
                return choice
        raise self._fail(key, "one of " + ", ".join(choices))

    def pattern(self, key: str, default: str) -> str:
        value = self.text(key, default) or default
        try:
            re.compile(value)
        except re.error as e:
            raise self._fail(key, f"a valid regular expression ({e})") from e
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self._get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._fail(key, "a list of strings")
        return tuple(value)

    def raw(self, key: str) -> Any:
        """An option whose shape the caller validates itself."""
        return self._get(key)

    def finish(self) -> None:
        """Log, at debug level, the options this component does not use."""
        for key in sorted(set(self._values) - self._used):
            logger.debug("%s: ignoring option %r (not used by Parley)", self.component, key)
