"""The web chat channel: a small, accessible chat page served by the bot itself.

``webchat:`` in ``credentials.yml`` serves the page at ``GET /webhooks/webchat/``
(no build step: one HTML file, one script, one stylesheet, shipped in the
package). The page talks to the REST channel, so ``rest:`` must be configured
too: it posts to ``/webhooks/rest/stream`` and renders the server-sent events
token by token, or to ``/webhooks/rest/webhook`` when streaming is off or the
server has no stream endpoint. The conversation id lives in the browser's
``localStorage``; "New conversation" forgets it.

Settings: ``title`` (the page's heading), ``stream`` (default ``true``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from importlib.resources import files
from typing import Any, ClassVar, Self

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from parley.channels.settings import channel_settings
from parley.interfaces import Agent

_STATIC = files("parley.channels.webchat") / "static"
_ASSETS = {"chat.js": "text/javascript", "chat.css": "text/css"}
# The page loads only its own files and talks only to its own server; bot images may come
# from anywhere.
_PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src * data:; base-uri 'none'; form-action 'none'"
)


class WebChatSettings(BaseModel):
    """The ``webchat:`` entry of ``credentials.yml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field("Chat with us", min_length=1, description="Heading of the chat page.")
    stream: bool = Field(True, description="Render answers token by token as they are made.")


class WebChatInput:
    """Serves the chat page; the conversation itself runs through the REST channel."""

    name: ClassVar[str] = "webchat"

    def __init__(self, settings: WebChatSettings | None = None) -> None:
        self.settings = settings or WebChatSettings.model_validate({})

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> Self:
        return cls(channel_settings(WebChatSettings, "webchat", credentials))

    def router(self, agent: Agent) -> APIRouter:
        router = APIRouter()
        router.add_api_route(
            "/",
            self._page,
            methods=["GET"],
            summary="The web chat page",
            response_class=HTMLResponse,
        )
        router.add_api_route(
            "/static/{name}", _asset, methods=["GET"], summary="The web chat's script and styles"
        )
        return router

    async def _page(self) -> HTMLResponse:
        """The chat page."""
        page = (_STATIC / "index.html").read_text(encoding="utf-8")
        page = page.replace("{{title}}", html.escape(self.settings.title))
        page = page.replace("{{stream}}", "true" if self.settings.stream else "false")
        return HTMLResponse(page, headers={"Content-Security-Policy": _PAGE_POLICY})


async def _asset(name: str) -> Response:
    """One of the page's own files; nothing else is served from here."""
    media_type = _ASSETS.get(name)
    if media_type is None:
        return Response(status_code=404)
    body = (_STATIC / name).read_text(encoding="utf-8")
    return Response(body, media_type=media_type, headers={"Cache-Control": "no-cache"})


__all__ = ["WebChatInput", "WebChatSettings"]
