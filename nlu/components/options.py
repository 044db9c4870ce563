"""Typed options of the pipeline components: one pydantic model per component, one reader.

Each component declares its ``pipeline:`` options as a :class:`ComponentOptions` model
(frozen, unknown keys forbidden) whose ``rasa_options`` are the option names of the Rasa
components it fills in for, and reads them with :func:`read_options`:

- ``name`` and options set to ``null`` are left out (``null`` means the default);
- a Rasa option the model does not declare is accepted and dropped; the pipeline warns
  about it (:class:`~nlu.errors.IgnoredRasaOption`), naming component, option and entry;
- any other key is a :class:`~nlu.errors.PipelineConfigError` listing the valid ones, and
  an option of the wrong type or out of its bounds one naming the component and option.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictStr,
    ValidationError,
)
from pydantic_core import ErrorDetails, PydanticUseDefault

from nlu.errors import PipelineConfigError


class ComponentOptions(BaseModel):
    """Options of one component; field names are the keys written in config.yml."""

    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())

    rasa_options: ClassVar[frozenset[str]] = frozenset()
    """The Rasa options of the Rasa components this one fills in for (used or not)."""

    @classmethod
    def ignored(cls, keys: Iterable[Any]) -> list[str]:
        """The ``keys`` that are Rasa options this component accepts without using them."""
        return [k for k in keys if k in cls.rasa_options and k not in cls.model_fields]


OptionsT = TypeVar("OptionsT", bound=ComponentOptions)


def read_options(model: type[OptionsT], component: str, values: Mapping[Any, Any]) -> OptionsT:
    """``values`` (one ``pipeline:`` entry) as ``model``; see the module docstring."""
    given = {key: value for key, value in values.items() if key != "name"}
    ignored = set(model.ignored(given))
    unknown = [key for key in given if key not in model.model_fields and key not in ignored]
    if unknown:
        raise _unknown_option(model, component, unknown[0])
    own = {k: v for k, v in given.items() if k in model.model_fields and v is not None}
    try:
        return model.model_validate(own)
    except ValidationError as e:
        raise _invalid_options(component, e.errors(), own) from e


def _unknown_option(model: type[ComponentOptions], component: str, key: Any) -> PipelineConfigError:
    valid = sorted(model.model_fields)
    without_effect = sorted(model.rasa_options - set(valid))
    close = difflib.get_close_matches(str(key), [*valid, *without_effect], n=1)
    message = f"{component}: unknown option {key!r}"
    if close:
        message += f" (did you mean {close[0]!r}?)"
    message += f"; its options: {', '.join(valid) or 'none'}"
    if without_effect:
        message += f"; Rasa options it accepts without effect: {', '.join(without_effect)}"
    return PipelineConfigError(message, component=component, option=str(key))


def _invalid_options(
    component: str, details: list[ErrorDetails], given: Mapping[Any, Any]
) -> PipelineConfigError:
    """One message per option at fault (the first problem pydantic found with it)."""
    problems: dict[str, str] = {}
    for detail in details:
        option = str(detail["loc"][0]) if detail["loc"] else ""
        problems.setdefault(option, _reason(detail["msg"]))
    described = [
        f"option {option!r} {reason}, got {given.get(option)!r}"
        for option, reason in problems.items()
    ]
    first = next(iter(problems))
    return PipelineConfigError(
        f"{component}: {'; '.join(described)}", component=component, option=first or None
    )


def _reason(message: str) -> str:
    """``should be a valid integer`` from pydantic's ``Input should be a valid integer``."""
    for prefix in ("Value error, ", "Input ", "Tuple "):
        message = message.removeprefix(prefix)
    return re.sub(r" after validation, \d+ before validation$", "", message)


def _empty_is_default(value: Any) -> Any:
    if value == "":
        raise PydanticUseDefault()
    return value


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as e:
        raise ValueError(f"must be a valid regular expression ({e})") from e
    return pattern


def _one_or_many(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


TextOrDefault = Annotated[StrictStr, BeforeValidator(_empty_is_default)]
"""A string option whose empty value means its default."""

Pattern = Annotated[StrictStr, BeforeValidator(_empty_is_default), AfterValidator(_compiles)]
"""A regular expression; empty means the default."""

PositiveNumbers = Annotated[
    tuple[Annotated[StrictFloat, Field(gt=0)], ...],
    BeforeValidator(_one_or_many),
    Field(min_length=1),
]
"""A number > 0, or a non-empty list of them."""

Strings = tuple[StrictStr, ...]
"""A list of strings."""
