"""``config.yml``: the NLU pipeline and the dialogue policies, as a typed model.

An empty or absent ``pipeline:``/``policies:`` (Rasa's commented-out template)
means "use Parley's defaults": both fields are then empty tuples, and
:attr:`ProjectConfig.uses_default_pipeline` / ``uses_default_policies`` say so.
Each entry stays the mapping Rasa writes, ``{"name": X, **options}``, checked to
have a ``name``; its options are the component's to check.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from parley.project.errors import MissingProjectFileError
from parley.project.rasa_keys import CONFIG_KEYS, without_ignored_keys
from parley.project.schema import expect_mapping, validate_located
from parley.yamlfile import LocatedDict, load_yaml


def _named_entry(value: Any) -> Any:
    if isinstance(value, str):
        raise ValueError(f"write '- name: {value}', not '- {value}'")
    if isinstance(value, Mapping):
        name = value.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError("each entry needs 'name: <registered name>'")
    return value


ComponentEntry = Annotated[Mapping[str, Any], BeforeValidator(_named_entry)]
"""One ``- name: X`` entry of ``pipeline:``/``policies:``: ``{"name": X, **options}``."""


class ProjectConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    version: str | None = Field(
        default=None, description="Rasa's training data format version, such as \"3.1\"."
    )
    recipe: Literal["default.v1"] = Field(
        default="default.v1",
        description="Rasa's training recipe; only default.v1 exists in Parley.",
    )
    assistant_id: str | None = Field(
        default=None, description="Identifies the assistant in deployments."
    )
    language: str = Field(
        default="en", min_length=1, description="Language code of the training data."
    )
    pipeline: tuple[ComponentEntry, ...] = Field(
        default=(), description="NLU components in order; empty means the default pipeline."
    )
    policies: tuple[ComponentEntry, ...] = Field(
        default=(), description="Dialogue policies; empty means the default policies."
    )

    @field_validator("pipeline", "policies", mode="before")
    @classmethod
    def _none_is_default(cls, value: Any) -> Any:
        return () if value is None else value

    @field_validator("assistant_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @property
    def uses_default_pipeline(self) -> bool:
        return not self.pipeline

    @property
    def uses_default_policies(self) -> bool:
        return not self.policies


def load_config(path: Path) -> ProjectConfig:
    """Read ``config.yml``. Raises :class:`ProjectFileError` naming file and line."""
    if not path.is_file():
        raise MissingProjectFileError(path, "model configuration file")
    raw = expect_mapping(load_yaml(path), path, 1, "config.yml")
    return parse_config(raw, path)


def parse_config(raw: Mapping[str, Any], path: Path) -> ProjectConfig:
    """Validate already-read ``config.yml`` content (``path`` is for messages)."""
    data = without_ignored_keys(raw, CONFIG_KEYS, path) if isinstance(raw, LocatedDict) else raw
    return validate_located(ProjectConfig, data, raw, path)
