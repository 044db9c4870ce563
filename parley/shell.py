"""Talk to an agent in the terminal: ``parley shell``.

:func:`run_shell` prompts ``Your input ->``, sends each line to the agent and
prints the replies: text, images, attachments, custom payloads and numbered
buttons. Typing a button's number sends its payload. ``/stop``, end of input
(Ctrl-D) or Ctrl-C ends the session.

Replies stream: checked sentences of an LLM answer appear as they are released,
and the rest of the message follows once it is final. Nothing unchecked is ever
written (see :mod:`nlg.verified`); should a final message not begin with what was
streamed, it is printed whole after it, marked ``(checked answer)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from dialogue.tracker import ConversationId
from nlg.interfaces import BotMessage
from nlg.streaming import MessageChunk, TokenChunk
from parley.interfaces import Agent, UserMessage

SHELL_CHANNEL = "cmdline"
PROMPT = "Your input -> "
STOP_COMMAND = "/stop"

InputFn = Callable[[str], Awaitable[str]]
OutputFn = Callable[[str], None]
WriteFn = Callable[[str], None]
REPLACED_MARK = "(checked answer) "


def write_stdout(text: str) -> None:
    """Write a piece of a line (a streamed token) and show it at once."""
    sys.stdout.write(text)
    sys.stdout.flush()


async def terminal_input(prompt: str) -> str:
    """``input(prompt)`` without blocking the event loop.

    The read runs on a daemon thread rather than through ``asyncio.to_thread``, so
    that Ctrl-C (which cancels the awaiting task) does not leave the program
    waiting at exit for a line the user will never type.
    """
    loop = asyncio.get_running_loop()
    line: asyncio.Future[str] = loop.create_future()

    def settle(value: str | None, error: BaseException | None) -> None:
        if line.done():
            return
        if error is not None:
            line.set_exception(error)
        else:
            line.set_result(value or "")

    def read() -> None:
        try:
            value, error = input(prompt), None
        except BaseException as e:  # EOFError or KeyboardInterrupt, handed to the awaiting task
            value, error = None, e
        with contextlib.suppress(RuntimeError):  # the loop closed while the user was typing
            loop.call_soon_threadsafe(settle, value, error)

    threading.Thread(target=read, name="parley-shell-input", daemon=True).start()
    return await line


async def run_shell(
    agent: Agent,
    sender_id: str = "shell",
    input_fn: InputFn = terminal_input,
    output_fn: OutputFn = print,
    write_fn: WriteFn = write_stdout,
) -> None:
    """Converse with ``agent`` as ``sender_id`` until ``/stop``, end of input or Ctrl-C.

    ``input_fn`` is awaited with the prompt and returns one line, raising
    ``EOFError`` at end of input or ``KeyboardInterrupt``; either ends the session.
    ``output_fn`` prints one line; ``write_fn`` writes a streamed piece of one
    (the line is ended with ``write_fn("\\n")``). Under ``asyncio.run``, Ctrl-C instead cancels
    this coroutine and ``asyncio.run`` raises ``KeyboardInterrupt``, which the
    caller turns into a quiet exit.
    """
    output_fn(f"Bot loaded. Type a message and press enter (use '{STOP_COMMAND}' to exit).")
    payloads: list[str] = []
    while True:
        try:
            line = (await input_fn(PROMPT)).strip()
        except (EOFError, KeyboardInterrupt):
            output_fn("")
            return
        if line == STOP_COMMAND:
            return
        if not line:
            continue
        text = _chosen_payload(line, payloads) or line
        message = UserMessage(text, ConversationId(sender_id), input_channel=SHELL_CHANNEL)
        payloads = await _stream_turn(agent, message, output_fn, write_fn)


async def _stream_turn(
    agent: Agent, message: UserMessage, output_fn: OutputFn, write_fn: WriteFn
) -> list[str]:
    """Show one turn as it happens; the payloads of the buttons shown, in numbered order."""
    payloads: list[str] = []
    draft = ""
    async for chunk in agent.stream_message(message):
        match chunk:
            case TokenChunk(text=text):
                write_fn(text)
                draft += text
            case MessageChunk(message=reply):
                if draft:
                    write_fn("\n")
                lines = _reply_lines(reply, first_button=len(payloads) + 1)
                if draft and reply.text is not None:
                    shown = reply.text.strip() == draft.strip()
                    lines = lines[1:] if shown else [REPLACED_MARK + lines[0], *lines[1:]]
                for line in lines:
                    output_fn(line)
                payloads.extend(str(button.get("payload", "")) for button in _buttons(reply))
                draft = ""
    return payloads


def _chosen_payload(line: str, payloads: Sequence[str]) -> str | None:
    """The payload of button number ``line`` of the latest replies, if it is one."""
    if line.isdigit() and 1 <= int(line) <= len(payloads):
        return payloads[int(line) - 1]
    return None


def _reply_lines(reply: BotMessage, first_button: int) -> list[str]:
    lines: list[str] = []
    if reply.text is not None:
        lines.append(reply.text)
    if reply.image is not None:
        lines.append(f"Image: {reply.image}")
    if reply.attachment is not None:
        lines.append(f"Attachment: {_as_text(reply.attachment)}")
    if reply.custom is not None:
        lines.append(f"Custom: {_as_text(reply.custom)}")
    for number, button in enumerate(_buttons(reply), start=first_button):
        lines.append(f"{number}: {button.get('title', '')} ({button.get('payload', '')})")
    return lines


def _buttons(reply: BotMessage) -> Sequence[Mapping[str, Any]]:
    return reply.buttons or reply.quick_replies


def _as_text(value: Any) -> str:
    if isinstance(value, Mapping):
        return json.dumps(dict(value), ensure_ascii=False, default=str)
    return str(value)
