"""Channels by their ``credentials.yml`` name, and building them from that file.

Built-in channels are added to :data:`CHANNELS` below. Other channels join
without touching this module, in any of three ways:

* a module registers its class when imported: ``@CHANNELS.register("slack")``;
* an installed package lists it under the ``parley.channels`` entry-point group;
* ``credentials.yml`` names the class by dotted path (``addons.channels.MyInput:``), as in Rasa.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any, cast

from parley.channels.interfaces import InputChannel
from parley.channels.rest import RestInput
from parley.channels.slack import SlackInput
from parley.channels.webchat import WebChatInput
from parley.errors import ChannelError
from parley.registry import Registry

logger = logging.getLogger(__name__)

CHANNELS: Registry[type[InputChannel]] = Registry("channel")
CHANNELS.add(RestInput.name, RestInput)
CHANNELS.add(SlackInput.name, SlackInput)
CHANNELS.add(WebChatInput.name, WebChatInput)

ENTRY_POINT_GROUP = "parley.channels"

# Rasa Pro's ``rasa:`` entry configures its enterprise event broker; Parley has no use for it.
IGNORED_ENTRIES = frozenset({"rasa"})


def channel_class(name: str) -> type[InputChannel]:
    """The channel class for a ``credentials.yml`` key; :class:`ChannelError` if there is none."""
    if name in CHANNELS:
        return CHANNELS.get(name)
    if "." in name:
        return _import_class(name)
    found = entry_points(group=ENTRY_POINT_GROUP, name=name)
    for entry_point in found:
        return _checked(name, entry_point.load())
    raise ChannelError(
        f"unknown channel {name!r}; known: {', '.join(CHANNELS)} "
        f"(or a dotted class path such as 'addons.channels.MyInput')"
    )


def channels_from_credentials(
    credentials: Mapping[str, Any] | None, source: str = "credentials.yml"
) -> list[InputChannel]:
    """One channel per entry of a parsed ``credentials.yml``, in file order.

    ``None`` (an empty file) gives no channels. Each entry's value is passed to the
    channel's ``from_credentials``; ``rasa:`` is skipped with a warning.
    """
    if credentials is None:
        return []
    if not isinstance(credentials, Mapping):
        raise ChannelError(f"{source}: expected a mapping of channel names to settings")
    channels: list[InputChannel] = []
    for name, settings in credentials.items():
        if name in IGNORED_ENTRIES:
            logger.warning("%s: the %r entry is for Rasa Pro; Parley ignores it", source, name)
            continue
        if settings is not None and not isinstance(settings, Mapping):
            raise ChannelError(f"{source}: settings of channel {name!r} must be a mapping")
        try:
            channels.append(channel_class(str(name)).from_credentials(settings))
        except ChannelError as e:
            raise ChannelError(f"{source}: {e}") from e
    return channels


def _import_class(path: str) -> type[InputChannel]:
    module_name, _, class_name = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise ChannelError(f"channel {path!r}: cannot import module {module_name!r}: {e}") from e
    try:
        found = getattr(module, class_name)
    except AttributeError as e:
        raise ChannelError(f"channel {path!r}: {module_name!r} has no {class_name!r}") from e
    return _checked(path, found)


def _checked(name: str, found: Any) -> type[InputChannel]:
    needed = ("name", "from_credentials", "router")
    if not (isinstance(found, type) and all(hasattr(found, attr) for attr in needed)):
        raise ChannelError(
            f"channel {name!r}: {found!r} is not an input channel class "
            f"(it needs {', '.join(needed)})"
        )
    return cast(type[InputChannel], found)
