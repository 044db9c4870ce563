"""The web chat channel serves its page and files; conversations run through the REST channel."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from parley.channels import RestInput, channels_from_credentials
from parley.channels.webchat import WebChatInput
from parley.errors import ChannelError
from parley.server import create_app
from tests.parley.doubles import EchoAgent

PAGE = "/webhooks/webchat/"


async def client_for(webchat: WebChatInput) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(EchoAgent(), [RestInput(), webchat])
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        yield client


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    [webchat] = channels_from_credentials({"webchat": {"title": "Outfitters <help>"}})
    assert isinstance(webchat, WebChatInput)
    async for client in client_for(webchat):
        yield client


async def test_the_page_is_served_with_its_title_escaped(client: httpx.AsyncClient) -> None:
    response = await client.get(PAGE)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>Outfitters &lt;help&gt;</title>" in response.text
    assert "<help>" not in response.text


async def test_the_page_loads_only_its_own_scripts(client: httpx.AsyncClient) -> None:
    policy = (await client.get(PAGE)).headers["content-security-policy"]

    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy


async def test_the_page_talks_to_the_rest_channel_and_streams_by_default(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get(PAGE)).text

    assert 'data-stream-url="../rest/stream"' in page
    assert 'data-webhook-url="../rest/webhook"' in page
    assert 'data-stream="true"' in page


async def test_streaming_can_be_turned_off() -> None:
    async for client in client_for(WebChatInput.from_credentials({"stream": False})):
        assert 'data-stream="false"' in (await client.get(PAGE)).text


async def test_the_page_has_a_labelled_input_and_a_live_log(client: httpx.AsyncClient) -> None:
    page = (await client.get(PAGE)).text

    assert '<label for="chat-input"' in page
    assert 'role="log"' in page and 'aria-live="polite"' in page


@pytest.mark.parametrize(
    ("name", "media_type"), [("chat.js", "text/javascript"), ("chat.css", "text/css")]
)
async def test_the_script_and_styles_are_served(
    client: httpx.AsyncClient, name: str, media_type: str
) -> None:
    response = await client.get(f"{PAGE}static/{name}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert len(response.text) > 500


@pytest.mark.parametrize("name", ["index.html", "..%2F__init__.py", "secrets.txt"])
async def test_nothing_else_is_served_from_the_static_folder(
    client: httpx.AsyncClient, name: str
) -> None:
    assert (await client.get(f"{PAGE}static/{name}")).status_code == 404


def test_unknown_settings_are_an_error_naming_them() -> None:
    with pytest.raises(ChannelError, match="colour"):
        channels_from_credentials({"webchat": {"colour": "blue"}})
