"""Reading a channel's section of ``credentials.yml`` into its typed settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from parley.errors import ChannelError

SettingsT = TypeVar("SettingsT", bound=BaseModel)


def channel_settings(
    model: type[SettingsT], channel: str, credentials: Mapping[str, Any] | None
) -> SettingsT:
    """``credentials`` validated as ``model``; every problem is named in one ChannelError."""
    try:
        return model.model_validate(credentials or {})
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc'])) or channel}: {error['msg']}"
            for error in e.errors(include_url=False)
        )
        raise ChannelError(f"the {channel!r} channel settings are invalid: {problems}") from e
