"""Channels: how users reach the agent (REST, web chat, Socket.IO, Slack, Telegram, ...)."""

from parley.channels.interfaces import CollectingOutputChannel, InputChannel, OutputChannel
from parley.channels.registry import CHANNELS, channel_class, channels_from_credentials
from parley.channels.rest import RestInput

__all__ = [
    "CHANNELS",
    "CollectingOutputChannel",
    "InputChannel",
    "OutputChannel",
    "RestInput",
    "channel_class",
    "channels_from_credentials",
]
