"""Bot messages as Rasa's ``socketio`` channel emits them, so Rasa's web-chat widgets render them.

Text is split into one message per paragraph; buttons and quick replies become
``quick_replies`` (``{"content_type": "text", "title", "payload"}``) on the last
paragraph; an image is ``{"attachment": {"type": "image", "payload": {"src": url}}}``;
an attachment is ``{"attachment": ...}``; a custom payload is emitted as it is
(its ``data`` when it has one, as Rasa passes a custom payload's keys to ``emit``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import socketio

from nlg.interfaces import BotMessage


def socketio_messages(message: BotMessage) -> list[Any]:
    """The payloads of the ``bot_uttered`` events for one bot message, in order."""
    payloads: list[Any] = []
    buttons = list(message.buttons or message.quick_replies)
    if message.text:
        payloads.extend({"text": part} for part in message.text.strip().split("\n\n"))
    if buttons:
        if not payloads:
            payloads.append({"text": ""})
        payloads[-1]["quick_replies"] = [_quick_reply(button) for button in buttons]
    if message.image is not None:
        payloads.append({"attachment": {"type": "image", "payload": {"src": message.image}}})
    if message.attachment is not None:
        payloads.append({"attachment": message.attachment})
    if message.custom is not None:
        custom = dict(message.custom)
        payloads.append(custom.get("data", custom))
    return payloads


def _quick_reply(button: Mapping[str, Any]) -> dict[str, Any]:
    title = button.get("title", "")
    return {"content_type": "text", "title": title, "payload": button.get("payload", title)}


class SocketIOOutput:
    """Emits bot messages to one Socket.IO room: the socket's own, or its session's."""

    def __init__(self, server: socketio.AsyncServer, event: str, namespace: str | None) -> None:
        self.server, self.event, self.namespace = server, event, namespace

    async def send(self, recipient_id: str, message: BotMessage) -> None:
        for payload in socketio_messages(message):
            await self.server.emit(self.event, payload, room=recipient_id, namespace=self.namespace)
