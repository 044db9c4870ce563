"""``credentials.yml`` of a Rasa project never stops the server: every Rasa channel name
works or is skipped with a warning naming it; a misspelt name is still an error."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import httpx
import pytest

from parley.channels import CHANNELS, channels_from_credentials
from parley.channels.registry import RASA_CHANNELS
from parley.errors import ChannelError
from parley.project import load_credentials
from tests.conftest import require_shared

SHARED = Path(os.environ.get("PARLEY_SHARED", Path(__file__).resolve().parents[4] / "shared"))
UNAVAILABLE = sorted(name for name in RASA_CHANNELS if name not in CHANNELS)


def test_the_moodbot_credentials_start_every_channel_parley_has_and_name_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = require_shared(SHARED / "rasa-bots" / "test_moodbot" / "credentials.yml")
    credentials = load_credentials(path)

    with caplog.at_level(logging.WARNING, logger="parley.channels.registry"):
        channels = channels_from_credentials(credentials, source=str(path))

    built = [channel.name for channel in channels]
    skipped = [name for name in credentials if name not in built]
    assert "slack" in built
    assert {"mattermost", "webexteams", "rocketchat"} <= set(skipped)
    for name in skipped:
        assert f"'{name}'" in caplog.text, name
    assert str(path) in caplog.text


@pytest.mark.parametrize("name", UNAVAILABLE, ids=UNAVAILABLE)
def test_a_rasa_channel_parley_lacks_is_skipped_with_a_warning_naming_it(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="parley.channels.registry"):
        channels = channels_from_credentials({"rest": None, name: {"anything": "x"}})

    assert [channel.name for channel in channels] == ["rest"]
    assert f"'{name}'" in caplog.text
    assert "skips it" in caplog.text


def test_the_rasa_entry_is_described_as_rasa_x_chat_not_rasa_pro(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="parley.channels.registry"):
        channels_from_credentials({"rasa": {"url": "http://localhost:5002/api"}})

    assert "Rasa X" in caplog.text
    assert "Rasa Pro" not in caplog.text


@pytest.mark.parametrize(
    "name",
    ["no_such_module.MyInput", "rasa.core.channels.custom.MyInput", f"{__name__}.NoSuchInput"],
    ids=["no-module", "rasa-module", "no-class"],
)
def test_a_custom_channel_class_that_does_not_import_is_skipped_with_a_warning(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="parley.channels.registry"):
        channels = channels_from_credentials({name: {"token": "x"}, "rest": None})

    assert [channel.name for channel in channels] == ["rest"]
    assert name in caplog.text


def test_a_misspelt_channel_name_is_still_an_error() -> None:
    with pytest.raises(ChannelError, match="'telegrm'"):
        channels_from_credentials({"telegrm": {"access_token": "x"}})


def test_invalid_settings_of_a_channel_parley_has_are_still_an_error() -> None:
    with pytest.raises(ChannelError, match="slack"):
        channels_from_credentials({"slack": {"slack_token": "xoxb-1"}})


def test_every_channel_parley_has_serves_beside_the_others_in_one_app() -> None:
    from starlette.testclient import TestClient

    from parley.server import create_app
    from tests.parley.doubles import EchoAgent

    credentials = {
        "rest": None,
        "socketio": {"session_persistence": True},
        "slack": {"slack_token": "xoxb-1", "slack_signing_secret": "s"},
        "telegram": {"access_token": "1:x"},
        "twilio": {"account_sid": "AC1", "auth_token": "t", "twilio_number": "+1555"},
        "facebook": {"verify": "v", "secret": "s", "page-access-token": "p"},
        "botframework": {"app_id": "a", "app_password": "p"},
        "mattermost": {"url": "https://chat.example.com/api/v4", "token": "t"},
    }
    channels = channels_from_credentials(credentials)
    with TestClient(create_app(EchoAgent(), channels)) as client:
        for channel in channels:
            assert client.get(f"/webhooks/{channel.name}/").json() == {"status": "ok"}
        polling = client.get("/socket.io/", params={"EIO": "4", "transport": "polling"})

    assert [c.name for c in channels] == [n for n in credentials if n != "mattermost"]
    assert polling.status_code == 200 and '"sid"' in polling.text
    clients = [getattr(channel, "client", None) for channel in channels]
    http_clients = [c for c in clients if isinstance(c, httpx.AsyncClient)]
    assert len(http_clients) == 3 and all(c.is_closed for c in http_clients)  # at shutdown


def test_rasa_slack_keys_without_effect_are_dropped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rasa = {
        "slack_token": "xoxb-1",
        "slack_signing_secret": "s",
        "proxy": "http://proxy:3128",
        "errors_ignore_retry": ["http_timeout"],
    }
    with caplog.at_level(logging.WARNING, logger="parley.channels.registry"):
        [channel] = channels_from_credentials({"slack": rasa})

    assert channel.name == "slack"
    assert "'errors_ignore_retry', 'proxy'" in caplog.text and "no effect" in caplog.text
