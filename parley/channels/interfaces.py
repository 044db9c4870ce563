"""What a channel is: a way for users to reach an :class:`~parley.interfaces.Agent`.

An :class:`InputChannel` turns its platform's requests into
:class:`~parley.interfaces.UserMessage` objects, calls the agent, and renders the
replies through an :class:`OutputChannel`. Channels never reach past the agent.

Channels are named as in ``credentials.yml`` and registered in
``parley.channels.registry.CHANNELS``. The server mounts ``channel.router(agent)``
under ``/webhooks/{channel.name}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

from fastapi import APIRouter, FastAPI

from nlg.interfaces import BotMessage
from parley.interfaces import Agent


@runtime_checkable
class InputChannel(Protocol):
    name: ClassVar[str]

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> Self:
        """Build the channel from its ``credentials.yml`` entry (``None`` when the entry is empty).

        Raises :class:`~parley.errors.ChannelError` for missing or unknown settings.
        Does no I/O.
        """
        ...

    def router(self, agent: Agent) -> APIRouter:
        """The HTTP routes of this channel, relative to ``/webhooks/{name}``, bound to ``agent``."""
        ...


@runtime_checkable
class AppWrappingChannel(Protocol):
    """A channel that also serves outside ``/webhooks/{name}`` (Socket.IO at ``/socket.io``)."""

    def wrap_app(self, app: FastAPI, agent: Agent) -> None:
        """Add an ASGI middleware in front of every other one; it authenticates its own callers."""
        ...


@runtime_checkable
class OutputChannel(Protocol):
    async def send(self, recipient_id: str, message: BotMessage) -> None:
        """Deliver one bot message to ``recipient_id`` in the channel's own format."""
        ...


def rest_dicts(recipient_id: str, message: BotMessage) -> list[dict[str, Any]]:
    """One bot message as Rasa's REST channel renders it: a list of JSON objects.

    Like Rasa, text with buttons (or quick replies) is one object; plain text is
    split into one object per paragraph; custom payload, image and attachment each
    get an object of their own. Keys without a value are left out.
    """
    buttons = list(message.buttons or message.quick_replies)
    parts: list[dict[str, Any]] = []
    if buttons:
        parts.append({"text": message.text, "buttons": buttons})
    elif message.text is not None:
        parts.extend({"text": paragraph} for paragraph in message.text.strip().split("\n\n"))
    if message.custom is not None:
        parts.append({"custom": dict(message.custom)})
    if message.image is not None:
        parts.append({"image": message.image})
    if message.attachment is not None:
        parts.append({"attachment": message.attachment})
    return [
        {"recipient_id": recipient_id, **{k: v for k, v in part.items() if v is not None}}
        for part in parts
    ]


class CollectingOutputChannel:
    """Gathers bot messages as Rasa REST dicts, to be answered in one HTTP response."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def send(self, recipient_id: str, message: BotMessage) -> None:
        self.messages.extend(rest_dicts(recipient_id, message))
