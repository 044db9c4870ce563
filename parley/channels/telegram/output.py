"""Bot messages as Telegram Bot API calls, sent with ``httpx``.

Text is ``sendMessage``; buttons and quick replies are an inline keyboard on
that message (one row, as Rasa sends them) whose ``callback_data`` is the
button's payload; an image is ``sendPhoto``; a custom payload is sent as the
arguments of ``sendMessage`` (or of the method its ``method`` key names).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from nlg.interfaces import BotMessage


class TelegramApiError(Exception):
    """The Bot API refused a call (``ok: false``)."""


def telegram_calls(message: BotMessage) -> list[tuple[str, dict[str, Any]]]:
    """``(method, arguments without chat_id)`` for one bot message, in order."""
    calls: list[tuple[str, dict[str, Any]]] = []
    buttons = list(message.buttons or message.quick_replies)
    if message.text or buttons:
        arguments: dict[str, Any] = {"text": message.text or "…"}
        if buttons:
            row = [_button(button) for button in buttons]
            arguments["reply_markup"] = {"inline_keyboard": [row]}
        calls.append(("sendMessage", arguments))
    if message.image is not None:
        calls.append(("sendPhoto", {"photo": message.image}))
    if message.custom is not None:
        custom = dict(message.custom)
        calls.append((str(custom.pop("method", "sendMessage")), custom))
    return calls


def _button(button: Mapping[str, Any]) -> dict[str, str]:
    title = str(button.get("title") or button.get("payload") or "")
    return {"text": title, "callback_data": str(button.get("payload") or title)[:64]}


class TelegramOutput:
    """Sends bot messages to one Telegram chat."""

    def __init__(self, client: httpx.AsyncClient, api_url: str, token: str) -> None:
        self.client, self.base = client, f"{api_url.rstrip('/')}/bot{token}/"

    async def call(self, method: str, arguments: Mapping[str, Any]) -> Any:
        """One Bot API call; :class:`TelegramApiError` with Telegram's description if refused."""
        response = await self.client.post(self.base + method, json=dict(arguments))
        body = response.json()
        if not body.get("ok"):
            raise TelegramApiError(f"{method}: {body.get('description', response.status_code)}")
        return body.get("result")

    async def send(self, recipient_id: str, message: BotMessage) -> None:
        for method, arguments in telegram_calls(message):
            await self.call(method, {"chat_id": recipient_id, **arguments})
