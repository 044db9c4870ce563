"""Reading Slack's requests: signature checks, Events API and interactivity payloads.

Pure functions and small classes; no I/O. :func:`verify_signature` implements
Slack's v0 scheme: ``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{raw body}``
keyed with the app's signing secret, compared in constant time, with requests
older (or newer) than five minutes refused so a captured request cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs

from parley.security.errors import Unauthenticated

MAX_REQUEST_AGE_SECONDS = 5 * 60
# Messages from people have no subtype; threaded replies broadcast to the channel keep theirs.
_HUMAN_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})
_MENTION = re.compile(r"<@[UW][A-Z0-9]+>")


class Granularity(StrEnum):
    """What one conversation is: a Slack user, a user in one channel, or a user in one thread."""

    SENDER = "sender"
    CHANNEL = "channel"
    THREAD = "thread"


@dataclass(frozen=True)
class SlackIncoming:
    """One message from a person, in Slack's terms."""

    text: str
    user: str
    channel: str
    ts: str
    thread_ts: str | None
    dedupe_key: str
    is_direct: bool

    def conversation_id(self, granularity: Granularity) -> str:
        match granularity:
            case Granularity.SENDER:
                return self.user
            case Granularity.CHANNEL:
                return f"{self.user}_{self.channel}"
            case Granularity.THREAD:
                return f"{self.user}_{self.channel}_{self.thread_ts or self.ts}"


def verify_signature(
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    now: Callable[[], float] = time.time,
) -> None:
    """Accept a request Slack signed within the last five minutes, else raise 401."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not timestamp or not signature:
        raise Unauthenticated("unsigned request", "X-Slack-Signature and timestamp are required")
    if not timestamp.isdigit() or abs(now() - int(timestamp)) > MAX_REQUEST_AGE_SECONDS:
        raise Unauthenticated("stale request", "the request timestamp is not within 5 minutes")
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise Unauthenticated("invalid signature", "the X-Slack-Signature does not match")


def incoming_event(body: Mapping[str, Any]) -> SlackIncoming | None:
    """The person's message in an ``event_callback``; ``None`` for anything to ignore.

    Ignored: other event types, messages from bots (including this one), edits,
    deletions and other subtypes, and messages without text or author.
    """
    event = body.get("event")
    if body.get("type") != "event_callback" or not isinstance(event, Mapping):
        return None
    if event.get("type") not in ("message", "app_mention"):
        return None
    if event.get("bot_id") or event.get("subtype") not in _HUMAN_SUBTYPES:
        return None
    user, channel, ts = event.get("user"), event.get("channel"), event.get("ts")
    text = event.get("text")
    if not (isinstance(user, str) and isinstance(channel, str) and isinstance(ts, str)):
        return None
    if not isinstance(text, str):
        return None
    return SlackIncoming(
        text=_MENTION.sub("", text).strip(),
        user=user,
        channel=channel,
        ts=ts,
        thread_ts=_str_or_none(event.get("thread_ts")),
        # A mention in a channel arrives twice (``message`` and ``app_mention``) with
        # different event ids but the same channel and ts: key on those.
        dedupe_key=f"{channel}:{ts}",
        is_direct=event.get("channel_type") == "im",
    )


def interactive_payload(form_body: bytes) -> Mapping[str, Any] | None:
    """The JSON ``payload`` field of an interactivity request (form-encoded), if any."""
    fields = parse_qs(form_body.decode("utf-8", "replace"))
    raw = fields.get("payload")
    if not raw:
        return None
    try:
        payload = json.loads(raw[0])
    except json.JSONDecodeError:
        return None
    return payload if isinstance(payload, Mapping) else None


def button_click(payload: Mapping[str, Any]) -> SlackIncoming | None:
    """A click on one of our buttons (``block_actions``) as the message its payload says."""
    actions = payload.get("actions")
    if payload.get("type") != "block_actions" or not isinstance(actions, list) or not actions:
        return None
    action, user, channel = actions[0], _mapping(payload, "user"), _mapping(payload, "channel")
    container, message = _mapping(payload, "container"), _mapping(payload, "message")
    value = action.get("value") if isinstance(action, Mapping) else None
    user_id, channel_id = user.get("id"), channel.get("id")
    if not (isinstance(value, str) and isinstance(user_id, str) and isinstance(channel_id, str)):
        return None
    message_ts = _str_or_none(container.get("message_ts")) or _str_or_none(message.get("ts"))
    thread_ts = _str_or_none(message.get("thread_ts")) or _str_or_none(container.get("thread_ts"))
    return SlackIncoming(
        text=value,
        user=user_id,
        channel=channel_id,
        ts=message_ts or "",
        thread_ts=thread_ts,
        dedupe_key=f"action:{channel_id}:{user_id}:{action.get('action_ts')}:{message_ts}",
        is_direct=channel_id.startswith("D"),
    )


def _mapping(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = payload.get(key)
    return value if isinstance(value, Mapping) else {}


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


DEDUP_SECONDS = 600.0
"""How long an event's keys are remembered, to process each event once. Slack retries an
event it thinks went unanswered after about 0 s, 1 min and 5 min; 10 minutes covers every
retry. The keys live in the server's shared state (Redis with a Redis lock store, so every
worker and a restarted one see them; see :mod:`parley.sharedstate`)."""
