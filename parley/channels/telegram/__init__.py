"""The Telegram channel (``telegram:`` in ``credentials.yml``)."""

from parley.channels.telegram.channel import TelegramInput, TelegramSettings, webhook_secret
from parley.channels.telegram.output import TelegramOutput, telegram_calls

__all__ = [
    "TelegramInput",
    "TelegramOutput",
    "TelegramSettings",
    "telegram_calls",
    "webhook_secret",
]
