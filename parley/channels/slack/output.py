"""Bot messages in Slack's format, posted with ``slack_sdk``'s async Web API client.

:func:`slack_messages` turns one channel-neutral message into the arguments of
one or more ``chat.postMessage`` calls: text as mrkdwn; buttons and quick
replies as a Block Kit ``actions`` block whose button values are the payloads;
an image as an ``image`` block; a custom payload passed through as the call's
own arguments (as Rasa does); an attachment as legacy ``attachments``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from nlg.interfaces import BotMessage

BUTTON_ACTION_PREFIX = "parley_button_"
# Block Kit limits: 25 elements per actions block, 75 characters of button text,
# 2000 of button value, 3000 of section text.
_BUTTONS_PER_BLOCK = 25
_TITLE_LIMIT, _VALUE_LIMIT, _SECTION_LIMIT = 75, 2000, 3000


def slack_messages(message: BotMessage) -> list[dict[str, Any]]:
    """``chat.postMessage`` arguments (without ``channel``) for one bot message, in order."""
    calls: list[dict[str, Any]] = []
    buttons = list(message.buttons or message.quick_replies)
    if buttons:
        calls.append(_with_buttons(message.text or "", buttons))
    elif message.text:
        calls.append({"text": message.text})
    if message.image is not None:
        calls.append(
            {
                "text": message.image,
                "blocks": [{"type": "image", "image_url": message.image, "alt_text": "image"}],
            }
        )
    if message.attachment is not None:
        attachments = message.attachment
        calls.append({"text": "", "attachments": _as_list(attachments)})
    if message.custom is not None:
        calls.append(dict(message.custom))
    return calls


def _with_buttons(text: str, buttons: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    if text:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": text[:_SECTION_LIMIT]}}
        )
    elements = [_button(index, button) for index, button in enumerate(buttons)]
    for start in range(0, len(elements), _BUTTONS_PER_BLOCK):
        blocks.append({"type": "actions", "elements": elements[start : start + _BUTTONS_PER_BLOCK]})
    fallback = text or ", ".join(str(button.get("title", "")) for button in buttons)
    return {"text": fallback, "blocks": blocks}


def _button(index: int, button: Mapping[str, Any]) -> dict[str, Any]:
    title = str(button.get("title") or button.get("payload") or "")
    payload = str(button.get("payload") or title)
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": title[:_TITLE_LIMIT], "emoji": True},
        "value": payload[:_VALUE_LIMIT],
        "action_id": f"{BUTTON_ACTION_PREFIX}{index}",
    }


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


class SlackOutput:
    """Posts bot messages to one Slack channel (and thread) through ``client``."""

    def __init__(self, client: AsyncWebClient, channel: str, thread_ts: str | None) -> None:
        self.client = client
        self.channel = channel
        self.thread_ts = thread_ts

    async def send(self, recipient_id: str, message: BotMessage) -> None:
        """Post the message; ``slack_sdk.errors.SlackApiError`` when Slack refuses it."""
        for arguments in slack_messages(message):
            arguments["channel"] = self.channel
            if self.thread_ts is not None:
                arguments.setdefault("thread_ts", self.thread_ts)
            await self.client.chat_postMessage(**arguments)
