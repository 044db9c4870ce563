"""A loopback HTTP server whose answers come from a Python function, for platform fakes.

Each fake (Telegram's Bot API, Twilio's REST API, Facebook's Graph API, ...) is a
function ``(request) -> FakeResponse`` that answers as the platform documents;
every request is recorded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class FakeRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass(frozen=True)
class FakeResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Answer = Callable[[FakeRequest], FakeResponse]


@dataclass
class FakeApi:
    url: str
    requests: list[FakeRequest] = field(default_factory=list)


def _handler(answer: Answer, api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = FakeRequest(self.command, parts.path, parse_qs(parts.query), headers, raw)
            api.requests.append(request)
            reply = answer(request)
            text = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
            self.send_response(reply.status)
            kind = "text/plain" if isinstance(reply.body, str) else "application/json"
            for name, value in {"Content-Type": kind, **reply.headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(text.encode())))
            self.end_headers()
            self.wfile.write(text.encode())

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_fake_api(answer: Answer) -> Iterator[FakeApi]:
    api = FakeApi(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(answer, api))
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
