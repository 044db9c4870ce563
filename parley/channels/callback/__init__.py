"""Rasa's callback channel (``callback:`` in ``credentials.yml``)."""

from parley.channels.callback.channel import CallbackInput, CallbackSettings

__all__ = ["CallbackInput", "CallbackSettings"]
