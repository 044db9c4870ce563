"""The Microsoft Bot Framework channel (``botframework:`` in ``credentials.yml``)."""

from parley.channels.botframework.auth import BotFrameworkAuth
from parley.channels.botframework.channel import BotFrameworkInput, BotFrameworkSettings

__all__ = ["BotFrameworkAuth", "BotFrameworkInput", "BotFrameworkSettings"]
