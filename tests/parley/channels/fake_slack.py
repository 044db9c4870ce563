"""A stand-in for Slack's Web API on loopback: records calls and answers as Slack documents.

Slack's API cannot be reached from tests, so this server answers the methods the
Slack channel uses the way https://docs.slack.dev/reference/methods/chat.postMessage
describes: HTTP 200 with ``{"ok": true, "channel", "ts", "message"}``, or
``{"ok": false, "error": ...}`` for a missing or wrong token (``not_authed``,
``invalid_auth``), a missing channel (``channel_not_found``) or no content (``no_text``).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class SlackCall:
    method: str
    arguments: dict[str, Any]


class FakeSlack:
    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[SlackCall] = []
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self.url = ""

    def posted(self) -> list[dict[str, Any]]:
        """The arguments of every successful ``chat.postMessage``, in order."""
        return [call.arguments for call in self.calls if call.method == "chat.postMessage"]

    def answer(
        self, method: str, authorization: str | None, body: dict[str, Any]
    ) -> dict[str, Any]:
        with self._lock:
            if authorization is None:
                return {"ok": False, "error": "not_authed"}
            if authorization != f"Bearer {self.token}":
                return {"ok": False, "error": "invalid_auth"}
            if method != "chat.postMessage":
                return {"ok": False, "error": "unknown_method"}
            if not body.get("channel"):
                return {"ok": False, "error": "channel_not_found"}
            if not (body.get("text") or body.get("blocks") or body.get("attachments")):
                return {"ok": False, "error": "no_text"}
            self.calls.append(SlackCall(method, body))
            ts = f"1700000000.{next(self._ts):06d}"
            message = {"type": "message", "bot_id": "BPARLEY", "user": "UPARLEY", "ts": ts}
            message.update({k: body[k] for k in ("text", "blocks", "thread_ts") if k in body})
            return {"ok": True, "channel": body["channel"], "ts": ts, "message": message}


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            body = json.loads(raw) if raw and "json" in self.headers.get("Content-Type", "") else {}
            method = self.path.removeprefix("/api/")
            reply = json.dumps(fake.answer(method, self.headers.get("Authorization"), body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(reply.encode())))
            self.end_headers()
            self.wfile.write(reply.encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_fake_slack(token: str) -> Iterator[FakeSlack]:
    fake = FakeSlack(token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
