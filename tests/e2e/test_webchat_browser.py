"""The web chat page in a real browser (Debian's Chromium, driven by Playwright).

A small trained bot is served over real HTTP by uvicorn. Its greeting is
rephrased by the LLM NLG, so the answer streams token by token over
``/webhooks/rest/stream``. In the first test the language model is
``nlg.testing.ScriptedGenerator`` (paced like a model decoding), which keeps the
words the browser must show fixed: the browser types a message, sees the draft
grow and settle into the final answer, clicks a button, reloads into the same
conversation, and the test reads that conversation back through the
token-protected API. A screenshot goes to ``results/webchat.png``.

In the second test the words come from the real bundled model (SmolLM2 through
``nlg: {type: llm, backend: transformers}`` in ``endpoints.yml``): whatever it
writes, the draft must grow token by token and settle into the message the
server sent, which is the model's text if the fact guard passed it and the
template otherwise. A screenshot goes to ``results/webchat_llm.png``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from nlg.llm import LLMNLG, LLMSettings
from nlg.template import TemplateNLG
from nlg.testing import ScriptedGenerator
from parley.channels import RestInput
from parley.channels.webchat import WebChatInput
from parley.runtime import build_agent
from parley.security import ApiAuth, ApiSecurity, RateLimit
from parley.server import create_app
from tests.e2e.conftest import free_port
from tests.parley.bots import SHOP_BOT, train_bot, write_bot

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
RESULTS = Path(__file__).resolve().parents[2] / "results"
TOKEN = "browser-test-token"
GREETING = "Hello! How can I help?"
REPHRASED = "Hello there! How can I help you today?"
DOMAIN = SHOP_BOT["domain.yml"].replace(
    """          utter_greet:
            - text: "Hello! How can I help?"
""",
    """          utter_greet:
            - text: "Hello! How can I help?"
              metadata:
                rephrase: true
              buttons:
                - title: "Where is my order?"
                  payload: "/order_status"
                - title: "I want a refund"
                  payload: "/ask_refund"
""",
)
# The real model, kept short; the deadline is generous so that the guard, not a busy
# CI machine's clock, decides between the model's words and the template.
LLM_ENDPOINTS = """\
nlg:
  type: llm
  backend: transformers
  rephrase: flagged
  max_new_tokens: 12
  deadline: 60
"""
# Records every text a streaming draft shows, so the test can see it grow.
WATCH_DRAFTS = """
window.drafts = [];
new MutationObserver(() => {
  for (const draft of document.querySelectorAll('.chat-draft .chat-text')) {
    window.drafts.push(draft.textContent);
  }
}).observe(document.getElementById('chat-log'),
            {subtree: true, childList: true, characterData: true});
"""


class ServedBot:
    """The trained bot behind uvicorn, in a thread with its own event loop."""

    def __init__(self, project: Path, scripted: bool = True) -> None:
        self.project = project
        self.scripted = scripted
        self.url = f"http://127.0.0.1:{free_port()}"
        self.server: uvicorn.Server | None = None
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ServedBot:
        self.thread.start()
        # Loading the real model may first convert its GGUF weights (once per cache).
        deadline = time.monotonic() + (60 if self.scripted else 300)
        while time.monotonic() < deadline and self.failure is None:
            if self.server is not None and self.server.started:
                return self
            time.sleep(0.1)
        raise RuntimeError(f"the server did not start: {self.failure!r}")

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.should_exit = True
        self.thread.join(timeout=30)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as e:
            self.failure = e
            raise

    async def _serve(self) -> None:
        agent = await build_agent(self.project)
        if self.scripted:
            model = ScriptedGenerator({GREETING: REPHRASED}, delay=0.12)
            agent = replace(
                agent, nlg=LLMNLG(TemplateNLG(agent.domain.responses), model, LLMSettings())
            )
        security = ApiSecurity(auth=ApiAuth(token=TOKEN), rate_limit=RateLimit(60, 60))
        app = create_app(
            agent,
            [RestInput(), WebChatInput.from_credentials({"title": "Outfitters help"})],
            security=security,
        )
        port = int(self.url.rsplit(":", 1)[1])
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        try:
            await self.server.serve()
        finally:
            await agent.close()


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = write_bot(tmp_path_factory.mktemp("webchat"), {**SHOP_BOT, "domain.yml": DOMAIN})
    train_bot(project)
    return project


@pytest.fixture(scope="module")
def llm_bot(bot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trained bot again, its replies worded by the real bundled model."""
    project = tmp_path_factory.mktemp("webchat_llm") / "bot"
    shutil.copytree(bot, project)
    (project / "endpoints.yml").write_text(LLM_ENDPOINTS, encoding="utf-8")
    return project


def test_a_customer_chats_in_the_browser_with_streamed_answers_and_buttons(bot: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium", pytrace=False)
    from playwright.sync_api import expect, sync_playwright

    with ServedBot(bot) as served, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 800, "height": 700})
            page.goto(f"{served.url}/webhooks/webchat/")
            expect(page.get_by_role("heading", name="Outfitters help")).to_be_visible()
            page.evaluate(WATCH_DRAFTS)

            page.get_by_label("Your message").fill("hello")
            page.get_by_role("button", name="Send").click()

            log = page.get_by_role("log")
            expect(log.locator(".chat-bot .chat-text").first).to_have_text(REPHRASED)
            drafts: list[str] = page.evaluate("window.drafts")
            shown = [text for text in dict.fromkeys(drafts) if text]
            assert len(shown) >= 3, f"the answer did not stream: {shown}"
            assert all(REPHRASED.startswith(text.rstrip()) for text in shown), shown

            page.get_by_role("button", name="Where is my order?").click()
            expect(log.locator(".chat-bot .chat-text").nth(1)).to_have_text(
                "What is your order number?"
            )
            conversation: str = page.evaluate("localStorage.getItem('parley.webchat.conversation')")
            RESULTS.mkdir(exist_ok=True)
            page.screenshot(path=str(RESULTS / "webchat.png"), full_page=True)

            page.reload()
            assert conversation == page.evaluate(
                "localStorage.getItem('parley.webchat.conversation')"
            )
        finally:
            browser.close()
        tracker = stored_conversation(served.url, conversation)

    user_texts = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert user_texts == ["hello", "/order_status"]


def stored_conversation(url: str, conversation: str) -> dict[str, Any]:
    tracker_url = f"{url}/conversations/{conversation}/tracker"
    assert httpx.get(tracker_url, timeout=10).status_code == 401
    response = httpx.get(tracker_url, params={"token": TOKEN}, timeout=10)
    assert response.status_code == 200, response.text
    tracker: dict[str, Any] = response.json()
    return tracker


def test_the_real_model_streams_its_answer_into_the_browser(llm_bot: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium", pytrace=False)
    from playwright.sync_api import expect, sync_playwright

    with ServedBot(llm_bot, scripted=False) as served, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 800, "height": 700})
            page.goto(f"{served.url}/webhooks/webchat/")
            page.evaluate(WATCH_DRAFTS)

            page.get_by_label("Your message").fill("hi there")
            with page.expect_response(lambda r: r.url.endswith("/webhooks/rest/stream")) as sent:
                page.get_by_role("button", name="Send").click()
            answer = page.get_by_role("log").locator(".chat-bot").first
            expect(answer).not_to_have_class("chat-draft", timeout=90_000)
            expect(answer.get_by_role("button", name="Where is my order?")).to_be_visible()
            events = sse_events(sent.value.text())
            drafts: list[str] = page.evaluate("window.drafts")
            shown_text = answer.locator(".chat-text").text_content()
            conversation: str = page.evaluate("localStorage.getItem('parley.webchat.conversation')")
            RESULTS.mkdir(exist_ok=True)
            page.screenshot(path=str(RESULTS / "webchat_llm.png"), full_page=True)
        finally:
            browser.close()
        tracker = stored_conversation(served.url, conversation)

    streamed = "".join(data["text"] for name, data in events if name == "token")
    (final,) = [data for name, data in events if name == "message"]
    assert [name for name, _ in events][-1] == "done", events
    shown = [text for text in dict.fromkeys(drafts) if text]
    assert len(shown) >= 3, f"the model's answer did not stream: {shown}"
    assert all(a != b and b.startswith(a) for a, b in itertools.pairwise(shown)), shown
    assert streamed.startswith(shown[-1]), (shown, streamed)
    assert shown_text == final["text"]

    (bot_event,) = [e for e in tracker["events"] if e["event"] == "bot"]
    assert bot_event["text"] == final["text"]
    nlg = bot_event["metadata"]["nlg"]
    assert nlg["mode"] == "rephrase"
    if nlg["source"] == "llm":  # the guard passed the model's words: they are the answer
        assert final["text"] == streamed.strip() and "replaced" not in final
    else:  # the guard turned them down: the template replaced the draft
        assert nlg["source"] == "template" and nlg["replaced"] and nlg["reason"], nlg
        assert final["text"] == GREETING and final["replaced"] is True


def sse_events(body: str) -> list[tuple[str, dict[str, Any]]]:
    """The ``(event, data)`` pairs of a server-sent event stream."""
    events = []
    for block in body.replace("\r\n", "\n").strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events
