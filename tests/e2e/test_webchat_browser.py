"""The web chat page in a real browser (Debian's Chromium, driven by Playwright).

A small trained bot is served over real HTTP by uvicorn. Its greeting is
rephrased by the LLM NLG and the page talks to ``/webhooks/rest/stream``. In the
first test the language model is ``nlg.testing.ScriptedGenerator`` (paced like a
model decoding) and writes a false fact in its second sentence: not one of its
words may ever appear in the page, which shows the checked template; the
browser then clicks a button, reloads into the same conversation, and the test
reads that conversation back through the token-protected API. A screenshot goes
to ``results/webchat.png``.

In the second test the words come from the real bundled model (SmolLM2 through
``nlg: {type: llm, backend: transformers}`` in ``endpoints.yml``): whatever it
writes, the page shows only what the server sent as final, which is a checked
lead-in before the template, or the template. A screenshot goes to
``results/webchat_llm.png``.
"""

from __future__ import annotations

import asyncio
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
# The draft's second sentence invents an offer: the whole draft must be refused, unseen.
FALSE_DRAFT = "Hello there! How can I help you today? Everything is 50% off until Friday."
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
            model = ScriptedGenerator({GREETING: FALSE_DRAFT}, delay=0.12)
            rewrite = LLMSettings(rephrase_style="rewrite", candidates=1)
            agent = replace(agent, nlg=LLMNLG(TemplateNLG(agent.domain.responses), model, rewrite))
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


def test_a_refused_draft_never_reaches_the_browser_and_buttons_work(bot: Path) -> None:
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
            expect(log.locator(".chat-bot .chat-text").first).to_have_text(GREETING)
            drafts: list[str] = page.evaluate("window.drafts")
            page_text = page.locator("body").inner_text()
            assert drafts == [], f"unchecked text was shown: {drafts}"
            assert (
                "50%" not in page_text and "Friday" not in page_text and "there!" not in page_text
            )

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
    assert streamed == ""  # a rephrasing is shown only once checked, as one message
    assert all(final["text"].startswith(text.strip()) for text in drafts if text), drafts
    assert shown_text == final["text"]

    (bot_event,) = [e for e in tracker["events"] if e["event"] == "bot"]
    assert bot_event["text"] == final["text"]
    nlg = bot_event["metadata"]["nlg"]
    assert nlg["mode"] == "rephrase"
    if nlg["source"] == "llm":  # a checked lead-in in front of the unchanged template
        assert final["text"].endswith(f" {GREETING}") and final["text"] != GREETING
    else:  # every draft was refused: the template, and the reasons are recorded
        assert nlg["source"] == "template" and nlg["reason"], nlg
        assert final["text"] == GREETING


def sse_events(body: str) -> list[tuple[str, dict[str, Any]]]:
    """The ``(event, data)`` pairs of a server-sent event stream."""
    events = []
    for block in body.replace("\r\n", "\n").strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events
