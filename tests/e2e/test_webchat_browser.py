"""The web chat page in a real browser (Debian's Chromium, driven by Playwright).

A small trained bot is served over real HTTP by uvicorn. Its greeting is
rephrased by the LLM NLG, so the answer streams token by token over
``/webhooks/rest/stream``; the language model is ``nlg.testing.ScriptedGenerator``
(paced like a model decoding), which keeps the words the browser must show fixed.
The browser types a message, sees the draft grow and settle into the final
answer, clicks a button, reloads into the same conversation, and the test reads
that conversation back through the token-protected API. A screenshot goes to
``results/webchat.png``.
"""

from __future__ import annotations

import asyncio
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

    def __init__(self, project: Path) -> None:
        self.project = project
        self.url = f"http://127.0.0.1:{free_port()}"
        self.server: uvicorn.Server | None = None
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ServedBot:
        self.thread.start()
        deadline = time.monotonic() + 60
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
