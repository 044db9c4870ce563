"""Channels: how users reach the agent (REST now; Slack, web chat and others register later)."""

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
