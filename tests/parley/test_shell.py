"""``parley shell``: a conversation in the terminal, read and printed line by line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from nlg.interfaces import BotMessage
from parley.shell import PROMPT, run_shell, terminal_input
from tests.parley.doubles import EchoAgent, ScriptedTerminal
from tests.parley.test_rest_stream import (
    SCRIPT,
    SCRIPT_BREAKING_A_FACT,
    SCRIPT_FALSE_SECOND_SENTENCE,
    agent_for,
    train_shop_bot_with_rephrasing,
)

MENU = BotMessage(
    text="What can I do for you?",
    buttons=(
        {"title": "Track my order", "payload": "/track_order"},
        {"title": "Talk to a human", "payload": "/human_handoff"},
    ),
)


async def converse(agent: EchoAgent, *lines: str | BaseException) -> list[str]:
    """What the shell prints, after its banner, for these typed lines."""
    terminal = ScriptedTerminal(*lines)
    await run_shell(agent, input_fn=terminal.input, output_fn=terminal.print)
    return terminal.printed[1:]


async def test_each_line_is_answered_with_the_bots_text() -> None:
    agent = EchoAgent({"hello": [BotMessage(text="Hi! How can I help?")]})

    printed = await converse(agent, "hello", "bye", "/stop")

    assert printed == ["Hi! How can I help?", "echo: bye"]


async def test_the_banner_says_how_to_leave_and_every_read_is_prompted() -> None:
    terminal = ScriptedTerminal("hello", "/stop")

    await run_shell(EchoAgent(), input_fn=terminal.input, output_fn=terminal.print)

    assert "/stop" in terminal.printed[0]
    assert terminal.prompts == [PROMPT, PROMPT] and PROMPT.startswith("Your input ->")


async def test_buttons_are_numbered_and_typing_a_number_sends_its_payload() -> None:
    agent = EchoAgent({"menu": [MENU], "/track_order": [BotMessage(text="Your order number?")]})

    printed = await converse(agent, "menu", "1", "/stop")

    assert printed == [
        "What can I do for you?",
        "1: Track my order (/track_order)",
        "2: Talk to a human (/human_handoff)",
        "Your order number?",
    ]
    assert [m.text for m in agent.received] == ["menu", "/track_order"]


async def test_buttons_are_numbered_across_all_replies_of_a_turn() -> None:
    second = BotMessage(text="Or:", quick_replies=({"title": "Cancel", "payload": "/cancel"},))
    agent = EchoAgent({"menu": [MENU, second]})

    printed = await converse(agent, "menu", "3", "/stop")

    assert "3: Cancel (/cancel)" in printed
    assert agent.received[-1].text == "/cancel"


async def test_a_number_without_a_matching_button_is_sent_as_typed() -> None:
    agent = EchoAgent({"menu": [MENU]})

    await converse(agent, "menu", "7", "42", "/stop")

    assert [m.text for m in agent.received] == ["menu", "7", "42"]


async def test_images_attachments_and_custom_payloads_are_printed() -> None:
    reply = BotMessage(
        text="Here it is",
        image="https://example.com/parcel.png",
        attachment="invoice.pdf",
        custom={"map": "berlin"},
    )
    agent = EchoAgent({"show": [reply]})

    printed = await converse(agent, "show", "/stop")

    assert printed == [
        "Here it is",
        "Image: https://example.com/parcel.png",
        "Attachment: invoice.pdf",
        'Custom: {"map": "berlin"}',
    ]


@pytest.mark.parametrize(
    "ending", [KeyboardInterrupt(), EOFError()], ids=["ctrl-c", "end-of-input"]
)
async def test_ctrl_c_and_end_of_input_end_the_session_cleanly(ending: BaseException) -> None:
    agent = EchoAgent()

    printed = await converse(agent, "hello", ending, "never read")

    assert printed == ["echo: hello", ""]
    assert [m.text for m in agent.received] == ["hello"]


async def test_messages_come_from_the_given_sender_on_the_cmdline_channel() -> None:
    agent = EchoAgent()
    terminal = ScriptedTerminal("hello")

    await run_shell(agent, "tester", input_fn=terminal.input, output_fn=terminal.print)

    (message,) = agent.received
    assert (message.sender_id, message.input_channel) == ("tester", "cmdline")
    assert (await agent.tracker(message.sender_id)).latest_message is not None


async def test_blank_lines_are_not_sent() -> None:
    agent = EchoAgent()

    await converse(agent, "", "   ", "hello", "/stop")

    assert [m.text for m in agent.received] == ["hello"]


async def test_the_terminal_is_read_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("hello\n"))

    assert await terminal_input(PROMPT) == "hello"
    with pytest.raises(EOFError):
        await terminal_input(PROMPT)


class TestStreamedAnswers:
    """With an LLM NLG, the shell prints only checked text: a refused draft never shows."""

    async def test_a_checked_rewording_is_printed_once(self, tmp_path: Path) -> None:
        terminal = await converse_with_llm(tmp_path, SCRIPT, "where is PO-12345")

        shown = "".join(terminal.written) + "\n".join(terminal.printed[1:])
        assert shown.strip() == "Good news: order PO-12345 is on its way to you!"

    @pytest.mark.parametrize(
        "script",
        [SCRIPT_BREAKING_A_FACT, SCRIPT_FALSE_SECOND_SENTENCE],
        ids=["changed order number", "false fact in the second sentence"],
    )
    async def test_not_one_token_of_a_refused_draft_is_shown(
        self, tmp_path: Path, script: dict[str, str]
    ) -> None:
        terminal = await converse_with_llm(tmp_path, script, "where is PO-12345")

        shown = "".join(terminal.written) + "\n".join(terminal.printed[1:])
        assert "PO-54321" not in shown and "$5" not in shown and "2 days" not in shown
        assert shown.strip() == "Order PO-12345 is on its way."


async def converse_with_llm(root: Path, script: dict[str, str], text: str) -> ScriptedTerminal:
    agent = agent_for(train_shop_bot_with_rephrasing(root), script)
    terminal = ScriptedTerminal(text, "/stop")
    await run_shell(
        agent, input_fn=terminal.input, output_fn=terminal.print, write_fn=terminal.write
    )
    return terminal
