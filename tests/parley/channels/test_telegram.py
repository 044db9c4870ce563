"""The Telegram channel: updates with the webhook secret in, Bot API calls out.

Telegram's Bot API is played by a loopback server answering as
https://core.telegram.org/bots/api documents: ``{"ok": true, "result": ...}``, or
``{"ok": false, "error_code", "description"}`` with that HTTP status.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from nlg.interfaces import BotMessage
from parley.channels import channels_from_credentials
from parley.channels.telegram import TelegramInput, webhook_secret
from parley.errors import ChannelError
from parley.server import create_app
from tests.parley.channels.fake_api import FakeApi, FakeRequest, FakeResponse, running_fake_api
from tests.parley.doubles import EchoAgent

TOKEN = "490161424:AAGlRxinBRtKGb21_rlOEMtDFZMXBl6EC0o"
WEBHOOK = "/webhooks/telegram/webhook"
MENU = BotMessage(
    text="What can I do for you?",
    buttons=({"title": "Track my order", "payload": "/track_order"},),
    image="https://example.com/menu.png",
)


def bot_api(request: FakeRequest) -> FakeResponse:
    token, _, method = request.path.removeprefix("/bot").partition("/")
    if token != TOKEN:
        return FakeResponse(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    args = request.json() or {}
    if method in ("setWebhook", "answerCallbackQuery"):
        return FakeResponse(200, {"ok": True, "result": True})
    if not args.get("chat_id"):
        return _bad("Bad Request: chat_id is empty")
    if method == "sendMessage" and not args.get("text"):
        return _bad("Bad Request: message text is empty")
    if method not in ("sendMessage", "sendPhoto"):
        return FakeResponse(404, {"ok": False, "error_code": 404, "description": "Not Found"})
    result = {"message_id": next(_ids), "chat": {"id": args["chat_id"]}, "date": 1700000000}
    return FakeResponse(200, {"ok": True, "result": {**result, **args}})


_ids = itertools.count(1)


def _bad(description: str) -> FakeResponse:
    return FakeResponse(400, {"ok": False, "error_code": 400, "description": description})


def update(text: str = "hello", chat: int = 777, **extra: Any) -> dict[str, Any]:
    message = {
        "message_id": 5,
        "from": {"id": chat, "is_bot": False, "first_name": "Ann"},
        "chat": {"id": chat, "type": "private"},
        "date": 1700000000,
        "text": text,
    }
    return {"update_id": 1000, "message": message, **extra}


@pytest.fixture
def fake() -> Iterator[FakeApi]:
    with running_fake_api(bot_api) as api:
        yield api


@pytest.fixture
def agent() -> EchoAgent:
    return EchoAgent({"menu": [MENU]})


def channel_for(fake: FakeApi, **settings: Any) -> TelegramInput:
    credentials = {"access_token": TOKEN, "telegram_api_url": fake.url, **settings}
    [channel] = channels_from_credentials({"telegram": credentials})
    assert isinstance(channel, TelegramInput)
    return channel


@pytest.fixture
async def client(fake: FakeApi, agent: EchoAgent) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(agent, [channel_for(fake)])
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        yield client


def secret_headers(secret: str | None = None) -> dict[str, str]:
    channel_secret = webhook_secret(
        TelegramInput.from_credentials({"access_token": TOKEN}).settings
    )
    return {"X-Telegram-Bot-Api-Secret-Token": secret or channel_secret}


def sent(fake: FakeApi) -> list[tuple[str, Any]]:
    return [(r.path.rsplit("/", 1)[1], r.json()) for r in fake.requests if "/send" in r.path]


async def test_a_message_is_answered_through_the_bot_api(
    client: httpx.AsyncClient, fake: FakeApi, agent: EchoAgent
) -> None:
    response = await client.post(WEBHOOK, json=update("hello"), headers=secret_headers())

    assert response.status_code == 200
    assert sent(fake) == [("sendMessage", {"chat_id": "777", "text": "echo: hello"})]
    [message] = agent.received
    assert (message.sender_id, message.input_channel) == ("777", "telegram")


async def test_buttons_become_an_inline_keyboard_and_a_click_is_the_payload(
    client: httpx.AsyncClient, fake: FakeApi, agent: EchoAgent
) -> None:
    await client.post(WEBHOOK, json=update("menu"), headers=secret_headers())
    keyboard = {"inline_keyboard": [[{"text": "Track my order", "callback_data": "/track_order"}]]}
    assert sent(fake) == [
        ("sendMessage", {"chat_id": "777", "text": MENU.text, "reply_markup": keyboard}),
        ("sendPhoto", {"chat_id": "777", "photo": "https://example.com/menu.png"}),
    ]

    click = {
        "update_id": 1001,
        "callback_query": {
            "id": "cb1",
            "from": {"id": 777, "is_bot": False, "first_name": "Ann"},
            "message": {"message_id": 9, "chat": {"id": 777, "type": "private"}, "date": 1},
            "data": "/track_order",
        },
    }
    await client.post(WEBHOOK, json=click, headers=secret_headers())

    assert agent.received[-1].text == "/track_order"
    assert any(r.path.endswith("/answerCallbackQuery") for r in fake.requests)


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}])
async def test_an_update_without_the_webhook_secret_is_refused(
    client: httpx.AsyncClient, fake: FakeApi, agent: EchoAgent, headers: dict[str, str]
) -> None:
    response = await client.post(WEBHOOK, json=update("hello"), headers=headers)

    assert response.status_code == 403
    assert agent.received == [] and fake.requests == []


async def test_a_configured_secret_token_is_the_one_required(
    fake: FakeApi, agent: EchoAgent
) -> None:
    app = create_app(agent, [channel_for(fake, secret_token="my-secret_1")])
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.post(WEBHOOK, json=update(), headers=secret_headers())).is_client_error
        ok = await client.post(WEBHOOK, json=update(), headers=secret_headers("my-secret_1"))
    assert ok.status_code == 200


async def test_the_webhook_is_registered_with_its_secret_at_start_up(fake: FakeApi) -> None:
    channel = channel_for(fake, webhook_url="https://bot.example.com/webhooks/telegram/webhook")
    await channel.set_webhook()

    [request] = fake.requests
    assert request.path == f"/bot{TOKEN}/setWebhook"
    assert request.json() == {
        "url": "https://bot.example.com/webhooks/telegram/webhook",
        "secret_token": webhook_secret(channel.settings),
    }


async def test_messages_from_bots_and_other_updates_are_ignored(
    client: httpx.AsyncClient, fake: FakeApi, agent: EchoAgent
) -> None:
    from_bot = update("hi")
    from_bot["message"]["from"]["is_bot"] = True
    for body in (from_bot, {"update_id": 3, "edited_message": update()["message"]}):
        assert (await client.post(WEBHOOK, json=body, headers=secret_headers())).status_code == 200
    assert agent.received == [] and fake.requests == []


async def test_a_refused_reply_is_logged_and_the_update_still_acknowledged(
    fake: FakeApi, agent: EchoAgent, caplog: pytest.LogCaptureFixture
) -> None:
    channel = TelegramInput.from_credentials(
        {"access_token": "123:wrong", "telegram_api_url": fake.url, "secret_token": "s"}
    )
    transport = httpx.ASGITransport(create_app(agent, [channel]))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post(WEBHOOK, json=update(), headers=secret_headers("s"))

    assert response.status_code == 200
    assert "sendMessage: Unauthorized" in caplog.text


def test_rasa_credentials_are_accepted_and_a_missing_token_refused() -> None:
    rasa = {"access_token": TOKEN, "verify": "your_bot", "webhook_url": "your_url.com/webhook"}
    assert isinstance(TelegramInput.from_credentials(rasa), TelegramInput)
    with pytest.raises(ChannelError, match="access_token"):
        channels_from_credentials({"telegram": {"verify": "your_bot"}})


def test_the_server_registers_the_webhook_when_it_starts(fake: FakeApi, agent: EchoAgent) -> None:
    from starlette.testclient import TestClient

    channel = channel_for(fake, webhook_url="https://bot.example.com/webhooks/telegram/webhook")
    with TestClient(create_app(agent, [channel])):
        pass

    assert [r.path for r in fake.requests] == [f"/bot{TOKEN}/setWebhook"]
