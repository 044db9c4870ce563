"""The shared Rasa bots, unmodified, trained and served by ``parley run``: a live REST
conversation with each (formbot's, with its form validator, is in test_formbot_actions.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import require_shared
from tests.e2e.conftest import SHARED, Server, parley

pytestmark = pytest.mark.slow

RASA_BOTS = SHARED / "rasa-bots"
MOODBOT_TWILIO_TOKEN = "e231c197493a7122d475b4xxxxxxxxxx"  # its credentials.yml's


def serve(bot: str, tmp_path: Path) -> Iterator[Server]:
    project = shutil.copytree(require_shared(RASA_BOTS / bot), tmp_path / bot)
    trained = parley("train", cwd=project)
    assert trained.returncode == 0, trained.stderr
    server = Server(project)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def say(server: Server, sender: str, text: str) -> list[dict[str, object]]:
    reply = httpx.post(
        f"{server.url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    answer: list[dict[str, object]] = reply.json()
    return answer


def texts(messages: list[dict[str, object]]) -> list[object]:
    return [m.get("text") for m in messages]


@pytest.fixture
def initial_project(tmp_path: Path) -> Iterator[Server]:
    yield from serve("initial-project", tmp_path)


def test_the_initial_project_talks_over_rest_with_its_own_credentials(
    initial_project: Server,
) -> None:
    assert texts(say(initial_project, "ann", "hello")) == ["Hey! How are you?"]
    assert texts(say(initial_project, "ann", "/mood_great")) == ["Great, carry on!"]
    assert texts(say(initial_project, "ann", "are you a bot?")) == [
        "I am a bot, powered by Rasa."
    ]


@pytest.fixture
def response_selector_bot(tmp_path: Path) -> Iterator[Server]:
    yield from serve("test_response_selector_bot", tmp_path)


def test_the_response_selector_bot_answers_each_retrieval_question_with_its_response(
    response_selector_bot: Server,
) -> None:
    names = {"hello, my name is retrieval bot.", "Oh yeah, I am called the retrieval bot."}
    weather = {
        "Oh, it does look sunny right now in Berlin.",
        "I am not sure of the whole week but I can see the sun is out today.",
    }

    asked_name = say(response_selector_bot, "bo", "What is your name?")
    asked_weather = say(response_selector_bot, "bo", "What's the weather like today?")

    assert asked_name[0]["text"] in names  # an image, if the variation has one, follows
    assert asked_weather[0]["text"] in weather
    assert all(m.get("text") in (None, *names) for m in asked_name)
    assert all(m.get("text") in (None, *weather) for m in asked_weather)
    assert texts(say(response_selector_bot, "bo", "bye")) == ["Bye"]


@pytest.fixture
def e2e_bot(tmp_path: Path) -> Iterator[Server]:
    yield from serve("test_e2ebot", tmp_path)


def test_the_end_to_end_bot_says_its_stories_bot_texts(e2e_bot: Server) -> None:
    trained_texts = {"hi joe!", "hi bob!", "I'm glad", "oh dear..."}

    after_name = texts(say(e2e_bot, "cy", "my name is bob"))
    after_mood = texts(say(e2e_bot, "cy", "I am feeling happy"))

    assert len(after_name) == 1 and after_name[0] in {"hi joe!", "hi bob!"}
    assert len(after_mood) == 1 and after_mood[0] in trained_texts


@pytest.fixture
def moodbot(tmp_path: Path) -> Iterator[Server]:
    yield from serve("test_moodbot", tmp_path)


def test_the_moodbot_starts_with_its_rasa_credentials_and_answers_a_signed_twilio_sms(
    moodbot: Server,
) -> None:
    """Its credentials.yml (no rest entry) names Twilio, Slack, Telegram, Facebook and three
    channels Parley lacks: it starts, says which it skips, and answers on Twilio. The reply's
    delivery to Twilio's API fails here (no internet); the turn is in the tracker."""
    url = f"{moodbot.url}/webhooks/twilio/webhook"
    sms = {"From": "+15550001111", "To": "+440123456789", "Body": "hello", "MessageSid": "SM1"}
    signature = RequestValidator(MOODBOT_TWILIO_TOKEN).compute_signature(url, sms)

    unsigned = httpx.post(url, data=sms, timeout=30)
    forged = httpx.post(url, data=sms, headers={"X-Twilio-Signature": "AAAA"}, timeout=30)
    signed = httpx.post(url, data=sms, headers={"X-Twilio-Signature": signature}, timeout=30)
    tracker = httpx.get(f"{moodbot.url}/conversations/%2B15550001111/tracker", timeout=30)
    process = moodbot.process
    moodbot.kill()
    log = process.stderr.read().decode() if process and process.stderr else ""

    assert (unsigned.status_code, forged.status_code, signed.status_code) == (403, 403, 200)
    events = tracker.json()["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["hello"]
    assert [e["text"] for e in events if e["event"] == "bot"] == ["Hey! How are you?"]
    assert all(name in log for name in ("mattermost", "webexteams", "rocketchat")), log
