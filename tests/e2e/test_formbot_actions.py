"""Rasa's form example (formbot), unmodified, with its ``validate_restaurant_form`` in rasa_sdk.

The project is copied as it is; only ``endpoints.yml``'s ``action_endpoint`` is
written, the one-line switch between the two deployments: a separate rasa_sdk
action server (``parley run actions``) or the bot's own process.

``parley test`` replays the three test stories with teacher forcing, as
``rasa test`` does: each story supplies the form's events, so no action runs and
the action endpoint plays no part. The same stories are therefore also played
live through the engine in both deployments, the user answering the form's
questions and the validator (``tests/e2e/formbot_actions``) checking each answer:
"klingon" food and a party of 0 are refused and asked again; "for three people"
becomes 3.0 (read by the validator, as no Duckling server gives the ``number``
entity) and "sitting outside" becomes ``True``, which no slot mapping of the
domain does on its own.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from dialogue.tracker import ConversationId
from parley.agent import BotAgent
from parley.interfaces import UserMessage
from parley.runtime import build_agent
from tests.conftest import require_shared
from tests.e2e.conftest import REPO, SHARED, free_port, parley

pytestmark = pytest.mark.slow

FORMBOT = SHARED / "rasa-bots" / "formbot"
ACTIONS_MODULE = "tests.e2e.formbot_actions"

GREET = "Hello! I am restaurant search assistant! How can I help?"
ASK_CUISINE = "What cuisine?"
ASK_PEOPLE = "How many people?"
ASK_SEATING = "Do you want to sit outside?"
ASK_PREFERENCES = "Please provide additional preferences"
ASK_FEEDBACK = "Please give your feedback on your experience so far"
WRONG_CUISINE = "Cuisine type is not in the database, please try again"
WRONG_PEOPLE = "Number of people should be a positive integer, please try again"
CHITCHAT = "chitchat"
SUBMIT = "All done!"
NO_WORRIES = "You are welcome :)"
FALLBACK = "Sorry, I didn't understand you, please try input something else"


def search(**slots: Any) -> str:
    """``utter_slots_values`` with the form's final values."""
    heading = "I am going to run a restaurant search using the following parameters:"
    return "\n".join([heading, *(f" - {name}: {value}" for name, value in slots.items())])


@dataclass(frozen=True)
class LiveStory:
    """A test story of tests/test_stories.yml played live: the user also answers the form."""

    name: str
    turns: tuple[tuple[str, tuple[str, ...]], ...]  # (user text, the bot's replies)
    slots: dict[str, Any]


HAPPY_PATH = LiveStory(
    "Happy path",
    (
        ("hi", (GREET,)),
        ("im looking for a restaurant", (ASK_CUISINE,)),
        ("klingon food", (WRONG_CUISINE, ASK_CUISINE)),
        ("afghan food", (ASK_PEOPLE,)),
        ("for three people", (ASK_SEATING,)),
        ("I prefer sitting outside", (ASK_PREFERENCES,)),
        ("no", (ASK_FEEDBACK,)),
        ("my feedback is great", (SUBMIT, search(
            cuisine="afghan", num_people=3.0, outdoor_seating=True,
            preferences="no additional preferences", feedback="great",
        ))),
        ("thanks", (NO_WORRIES,)),
    ),
    {"cuisine": "afghan", "num_people": 3.0, "outdoor_seating": True,
     "preferences": "no additional preferences", "feedback": "great"},
)  # fmt: skip

PROVIDING_REQUESTED_VALUE = LiveStory(
    "Happy path with message providing requested value",
    (
        ("hi", (GREET,)),
        ("im looking for a restaurant", (ASK_CUISINE,)),
        ("afghan food", (ASK_PEOPLE,)),
        ("for 0 people", (WRONG_PEOPLE, ASK_PEOPLE)),
        ("2 people", (ASK_SEATING,)),
        ("yes", (ASK_PREFERENCES,)),
        ("a quiet table", (ASK_FEEDBACK,)),
        ("it was terrible", (SUBMIT, search(
            cuisine="afghan", num_people=2.0, outdoor_seating=True,
            preferences="a quiet table", feedback="terrible",
        ))),
        ("thanks", (NO_WORRIES,)),
    ),
    {"cuisine": "afghan", "num_people": 2.0, "outdoor_seating": True,
     "preferences": "a quiet table", "feedback": "terrible"},
)  # fmt: skip

UNHAPPY_PATH = LiveStory(
    "unhappy path",
    (
        ("hi", (GREET,)),
        ("im looking for a restaurant", (ASK_CUISINE,)),
        ("can you share your boss with me?", (CHITCHAT, ASK_CUISINE)),
        ("im looking for thai food", (ASK_PEOPLE,)),
        ("book for seven people", (ASK_SEATING,)),
        ("I would like to seat inside please", (ASK_PREFERENCES,)),
        ("no", (ASK_FEEDBACK,)),
        ("i consider it success", (SUBMIT, search(
            cuisine="thai", num_people=7.0, outdoor_seating=False,
            preferences="no additional preferences", feedback="success",
        ))),
        ("thanks", (NO_WORRIES,)),
    ),
    {"cuisine": "thai", "num_people": 7.0, "outdoor_seating": False,
     "preferences": "no additional preferences", "feedback": "success"},
)  # fmt: skip

LIVE_STORIES = [HAPPY_PATH, PROVIDING_REQUESTED_VALUE, UNHAPPY_PATH]


def copy_formbot(target: Path, action_endpoint: str) -> Path:
    """The formbot's files as they are, but for endpoints.yml's action_endpoint."""
    project = shutil.copytree(require_shared(FORMBOT), target)
    (project / "endpoints.yml").write_text(f"action_endpoint:\n  {action_endpoint}\n", "utf-8")
    return project


def deploy(trained: Path, target: Path, action_endpoint: str) -> Path:
    """A fresh copy of the formbot with the trained model and the given action_endpoint."""
    project = copy_formbot(target, action_endpoint)
    shutil.copytree(trained / "models", project / "models")
    return project


class FormbotActionServer:
    """``parley run actions`` (rasa_sdk) serving ``ACTIONS_MODULE`` on a loopback port."""

    def __init__(self, project: Path, log: Path) -> None:
        self.project, self.log = project, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> FormbotActionServer:
        command = [sys.executable, "-m", "parley", "run", "actions", "--actions", ACTIONS_MODULE]
        path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*command, "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=self.project,
                env={**os.environ, "PYTHONPATH": path},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Sanic runs a worker process: kill the group
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the action server exited:\n{self.log.read_text('utf-8')}")
            try:
                httpx.get(self.url.replace("/webhook", "/health"), timeout=1).raise_for_status()
                return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise TimeoutError(f"the action server did not start:\n{self.log.read_text('utf-8')}")

    def kill(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
            self.process = None


@pytest.fixture(scope="module")
def trained_formbot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The formbot, trained once; endpoints.yml serves the validator in process."""
    project = copy_formbot(
        tmp_path_factory.mktemp("formbot") / "formbot", f"actions_module: {ACTIONS_MODULE}"
    )
    trained = parley("train", cwd=project)
    assert trained.returncode == 0, trained.stderr
    return project


@pytest.fixture(scope="module")
def action_server(
    trained_formbot: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FormbotActionServer]:
    log = tmp_path_factory.mktemp("action-server") / "rasa_sdk.log"
    server = FormbotActionServer(trained_formbot, log).start()
    yield server
    server.kill()


@pytest.fixture(params=["action server", "in process"])
def deployment(request: pytest.FixtureRequest, trained_formbot: Path, tmp_path: Path) -> Path:
    """The trained formbot, its action_endpoint naming the action server or the module."""
    endpoint = f"actions_module: {ACTIONS_MODULE}"
    if request.param == "action server":
        endpoint = f"url: {request.getfixturevalue('action_server').url}"
    return deploy(trained_formbot, tmp_path / "formbot", endpoint)


@pytest.fixture
async def bot(deployment: Path) -> AsyncIterator[BotAgent]:
    agent = await build_agent(deployment)
    yield agent
    await agent.close()


def test_the_formbot_passes_its_three_test_stories(trained_formbot: Path) -> None:
    tested = parley("test", cwd=trained_formbot)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "3/3 passed" in tested.stdout


@pytest.mark.parametrize("story", LIVE_STORIES, ids=lambda story: story.name)
async def test_a_test_story_played_live_fills_the_form_through_the_validator(
    story: LiveStory, bot: BotAgent
) -> None:
    sender = ConversationId(story.name)
    for text, replies in story.turns:
        answered = await bot.handle_message(UserMessage(text=text, sender_id=sender))
        assert [message.text for message in answered] == list(replies), f"after {text!r}"

    tracker = await bot.tracker(sender)
    assert {name: tracker.state.slots[name] for name in story.slots} == story.slots
    assert tracker.state.active_loop is None


async def test_without_its_action_server_the_form_cannot_validate_and_the_bot_falls_back(
    action_server: FormbotActionServer, trained_formbot: Path, tmp_path: Path
) -> None:
    """The validation above came from that server: stopped, the same request gets utter_default.

    It stops the module's action server, so it comes after the tests that use it.
    """
    project = deploy(trained_formbot, tmp_path / "formbot", f"url: {action_server.url}")
    action_server.kill()
    agent = await build_agent(project)
    try:
        sender = ConversationId("no action server")
        await agent.handle_message(UserMessage(text="hi", sender_id=sender))
        answered = await agent.handle_message(
            UserMessage(text="im looking for a restaurant", sender_id=sender)
        )
        tracker = await agent.tracker(sender)
    finally:
        await agent.close()
    assert [message.text for message in answered] == [FALLBACK]
    assert tracker.state.active_loop is None
