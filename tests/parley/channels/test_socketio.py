"""The Socket.IO channel speaks Rasa's ``socketio`` protocol to the real python-socketio client,
over uvicorn on a loopback port: sessions, messages in, ``bot_uttered`` out, JWT on connect."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import socketio

from nlg.interfaces import BotMessage
from parley.channels import channels_from_credentials
from parley.channels.socketio import SocketIOInput, socketio_messages
from parley.errors import ChannelError
from parley.security import ApiAuth, ApiSecurity, sign_jwt
from parley.server import create_app
from tests.parley.channels.live_server import serving
from tests.parley.doubles import EchoAgent

pytestmark = pytest.mark.slow

MENU = BotMessage(
    text="Hello!\n\nWhat can I do for you?",
    buttons=({"title": "Track my order", "payload": "/track_order"}, {"title": "Bye"}),
)


class Widget:
    """A web-chat widget: the real Socket.IO client, collecting what the bot emits."""

    def __init__(self, bot_event: str = "bot_uttered") -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: asyncio.Queue[Any] = asyncio.Queue()
        self.sessions: asyncio.Queue[Any] = asyncio.Queue()
        self.client.on(bot_event, self.received.put)
        self.client.on("session_confirm", self.sessions.put)

    async def next(self) -> Any:
        return await asyncio.wait_for(self.received.get(), 5)

    async def session(self, session_id: str | None = None) -> Any:
        await self.client.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(self.sessions.get(), 5)


@asynccontextmanager
async def bot(
    agent: EchoAgent, credentials: dict[str, Any] | None = None, **app: Any
) -> AsyncIterator[str]:
    channels = channels_from_credentials({"socketio": credentials, "rest": None})
    async with serving(create_app(agent, channels, **app)) as url:
        yield url


@asynccontextmanager
async def connected(
    url: str, widget: Widget, transports: Sequence[str] | None = None, **connect: Any
) -> AsyncIterator[Widget]:
    await widget.client.connect(url, transports=transports, wait_timeout=5, **connect)
    try:
        yield widget
    finally:
        await widget.client.disconnect()


@pytest.fixture
def agent() -> EchoAgent:
    return EchoAgent({"menu": [MENU]})


@pytest.mark.parametrize("transports", [None, ["websocket"]], ids=["polling", "websocket"])
async def test_a_session_message_gets_the_bots_reply_in_its_session(
    agent: EchoAgent, transports: list[str] | None
) -> None:
    async with (
        bot(agent, {"session_persistence": True}) as url,
        connected(url, Widget(), transports) as widget,
    ):
        assert await widget.session("abc123") == "abc123"
        await widget.client.emit(
            "user_uttered",
            {"message": "hello there", "session_id": "abc123", "metadata": {"page": "/faq"}},
        )
        assert await widget.next() == {"text": "echo: hello there"}

    [message] = agent.received
    assert (message.sender_id, message.input_channel) == ("abc123", "socketio")
    assert message.metadata == {"page": "/faq"}


async def test_a_session_survives_a_reconnect_when_it_persists(agent: EchoAgent) -> None:
    async with bot(agent, {"session_persistence": True}) as url:
        async with connected(url, Widget()) as first:
            session = await first.session()
        async with connected(url, Widget()) as second:
            assert await second.session(session) == session
            await second.client.emit("user_uttered", {"message": "hi", "session_id": session})
            await second.next()

    assert [m.sender_id for m in agent.received] == [session]
    assert len(session) == 32  # a fresh id when the widget has none


async def test_without_persistence_the_socket_is_the_conversation(agent: EchoAgent) -> None:
    async with bot(agent) as url, connected(url, Widget()) as widget:
        await widget.client.emit("user_uttered", {"message": "hi", "session_id": "ignored"})
        await widget.next()
        sid = widget.client.get_sid()

    assert [m.sender_id for m in agent.received] == [sid]


async def test_with_persistence_a_message_without_session_is_ignored(agent: EchoAgent) -> None:
    async with bot(agent, {"session_persistence": True}) as url, connected(url, Widget()) as widget:
        await widget.session("s1")
        await widget.client.emit("user_uttered", {"message": "hi"})
        await widget.client.emit("user_uttered", {"message": "again", "session_id": "s1"})
        assert await widget.next() == {"text": "echo: again"}

    assert [m.text for m in agent.received] == ["again"]


async def test_buttons_arrive_as_quick_replies_on_the_last_paragraph(agent: EchoAgent) -> None:
    async with (
        bot(agent, {"user_message_evt": "ask", "bot_message_evt": "say"}) as url,
        connected(url, Widget(bot_event="say")) as widget,
    ):
        await widget.client.emit("ask", {"message": "menu"})
        first, second = await widget.next(), await widget.next()

    assert first == {"text": "Hello!"}
    assert second == {
        "text": "What can I do for you?",
        "quick_replies": [
            {"content_type": "text", "title": "Track my order", "payload": "/track_order"},
            {"content_type": "text", "title": "Bye", "payload": "Bye"},
        ],
    }


def test_images_attachments_and_custom_payloads_take_rasas_shapes() -> None:
    message = BotMessage(image="https://x/cat.png", attachment={"type": "file"}, custom={"a": 1})
    assert socketio_messages(message) == [
        {"attachment": {"type": "image", "payload": {"src": "https://x/cat.png"}}},
        {"attachment": {"type": "file"}},
        {"a": 1},
    ]
    assert socketio_messages(BotMessage(custom={"data": {"card": 2}})) == [{"card": 2}]


class TestJwt:
    KEY = "widget-secret"

    async def test_a_client_with_a_token_signed_with_the_key_connects(
        self, agent: EchoAgent
    ) -> None:
        token = sign_jwt({"user": {"username": "ann"}}, self.KEY)
        async with (
            bot(agent, {"jwt_key": self.KEY}) as url,
            connected(url, Widget(), auth={"token": token}) as widget,
        ):
            await widget.client.emit("user_uttered", {"message": "hi"})
            assert await widget.next() == {"text": "echo: hi"}

    @pytest.mark.parametrize(
        "auth",
        [None, {"token": "not-a-jwt"}, {"token": sign_jwt({"user": {}}, "other-key")}],
        ids=["no-token", "malformed", "wrong-key"],
    )
    async def test_a_client_without_a_valid_token_is_refused(
        self, agent: EchoAgent, auth: dict[str, str] | None
    ) -> None:
        async with bot(agent, {"jwt_key": self.KEY}) as url:
            with pytest.raises(socketio.exceptions.ConnectionError):
                await Widget().client.connect(url, auth=auth, wait_timeout=5)

        assert agent.received == []


async def test_api_authentication_leaves_socketio_and_the_status_route_open(
    agent: EchoAgent,
) -> None:
    security = ApiSecurity(auth=ApiAuth(token="api-secret"))
    async with bot(agent, security=security) as url, connected(url, Widget()) as widget:
        await widget.client.emit("user_uttered", {"message": "hi"})
        assert await widget.next() == {"text": "echo: hi"}
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/webhooks/socketio/")).json() == {"status": "ok"}
            assert (await client.get("/conversations/x/tracker")).status_code == 401


def test_rasa_socketio_credentials_are_accepted_and_unknown_keys_refused() -> None:
    rasa = {
        "user_message_evt": "user_uttered",
        "bot_message_evt": "bot_uttered",
        "session_persistence": True,
        "socketio_path": "/socket.io",
        "metadata_key": "customData",
    }
    [channel] = channels_from_credentials({"socketio": rasa})
    assert isinstance(channel, SocketIOInput) and channel.settings.metadata_key == "customData"
    with pytest.raises(ChannelError, match="sesion_persistence"):
        channels_from_credentials({"socketio": {"sesion_persistence": True}})
