"""The Facebook Messenger channel (``facebook:`` in ``credentials.yml``)."""

from parley.channels.facebook.channel import FacebookInput, FacebookSettings, messenger_messages

__all__ = ["FacebookInput", "FacebookSettings", "messenger_messages"]
