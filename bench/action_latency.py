"""Added latency of a custom action on a remote action server versus in process.

Runs the same rasa_sdk action (the test project's ``action_issue_refund``: one
response rendered with a value, one text message with a button, one slot event)
``--calls`` times through each executor, one call at a time, against the same
conversation of ``--history`` events: in process (``actions_module``) and on a
real rasa_sdk action server started with ``parley run actions`` on loopback.
Prints one JSON object with medians and 95th percentiles in milliseconds.

    python bench/action_latency.py [--calls 200] [--history 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from actions.inprocess import InProcessActions
from actions.interfaces import ActionContext, CustomActionExecutor
from actions.remote import RemoteActions, RemoteSettings
from dialogue.domain import Domain, normalise_domain
from dialogue.events import ACTION_LISTEN, ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from dialogue.tracker import ConversationId, Tracker
from nlg.template import TemplateNLG
from nlu.interfaces import IntentPrediction, ParseResult

REPO = Path(__file__).resolve().parents[1]
PROJECT = REPO / "tests" / "actions" / "sdk_project"
MODULE = "refund_actions"
DOMAIN = Domain.model_validate(
    normalise_domain(
        {
            "intents": ["ask_refund"],
            "slots": {"order_number": {"type": "text", "mappings": []}},
            "responses": {"utter_order_status": [{"text": "Order {order_number} is on its way."}]},
            "actions": ["action_issue_refund"],
        }
    )
)


def conversation(history: int) -> Tracker:
    events: list[Event] = [SlotSet(name="order_number", value="PO-12345")]
    for turn in range(history // 3):
        parse = ParseResult(text=f"message {turn}", intent=IntentPrediction("ask_refund", 0.9))
        events += [
            UserUttered(text=f"message {turn}", parse_data=parse),
            BotUttered(text=f"reply {turn}"),
            ActionExecuted(name=ACTION_LISTEN),
        ]
    return Tracker(ConversationId("bench"), tuple(events), DOMAIN.initial_slots)


async def timed_calls(
    executor: CustomActionExecutor, context: ActionContext, calls: int
) -> list[float]:
    await executor.run("action_issue_refund", context)  # warm up (imports, connection)
    durations = []
    for _ in range(calls):
        started = time.perf_counter()
        await executor.run("action_issue_refund", context)
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def summary(durations: list[float]) -> dict[str, float]:
    ordered = sorted(durations)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
    }


def start_action_server() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "parley", "run", "actions", "--actions", MODULE]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).raise_for_status()
            return process, f"http://127.0.0.1:{port}/webhook"
        except httpx.HTTPError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise TimeoutError("the action server did not start")


async def measure(calls: int, history: int, url: str) -> dict[str, Any]:
    context = ActionContext(conversation(history), DOMAIN, TemplateNLG(DOMAIN.responses))
    in_process = await timed_calls(InProcessActions.load(MODULE, PROJECT), context, calls)
    remote = RemoteActions(RemoteSettings(url=url))
    try:
        over_http = await timed_calls(remote, context, calls)
    finally:
        await remote.close()
    local, far = summary(in_process), summary(over_http)
    return {
        "benchmark": "action_latency",
        "calls": calls,
        "history_events": len(context.tracker.events),
        "cores": os.cpu_count(),
        "in_process": local,
        "remote": far,
        "added_by_remote_ms": {
            "median_ms": round(far["median_ms"] - local["median_ms"], 3),
            "p95_ms": round(far["p95_ms"] - local["p95_ms"], 3),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--history", type=int, default=40)
    args = parser.parse_args()
    process, url = start_action_server()
    try:
        result = asyncio.run(measure(args.calls, args.history, url))
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
