"""What a turn costs as one conversation grows; prints JSON.

Usage: ``python bench/turn_growth.py [--project DIR] [--turns 130] [--store sqlite|memory]``

The project (default: ``$PARLEY_SHARED/rasa-bots/initial-project``, the ``rasa init``
bot) is copied and trained in a temporary folder. One conversation then plays
``--turns`` turns in process, twice, each on a fresh store: with the tracker cache
(each turn reads only the new events and carries the derived state forward), and with
it off (each turn reads all events and derives the state again, as before). For each,
the median wall and CPU milliseconds of turns 5-25 and of the last 20 turns, and their
ratio: a flat cost has a ratio near 1. ``--text`` sends words through the NLU;
by default the turns are intent payloads (``/greet``), so the dialogue's own cost shows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from served_bot import copy_trained_project

from dialogue.interfaces import TrackerStore
from dialogue.stores import InMemoryTrackerStore, SQLTrackerStore
from dialogue.stores.cache import TrackerCache
from dialogue.tracker import ConversationId
from parley.agent import BotAgent
from parley.interfaces import UserMessage
from parley.runtime import build_agent

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PARLEY_SHARED") or ROOT.parent / "shared")
PAYLOADS = ["/greet", "/mood_unhappy", "/affirm", "/mood_great", "/deny", "/goodbye"]
TEXTS = ["hello", "I am sad", "yes", "great", "no", "bye"]


async def play(agent: BotAgent, turns: int, messages: list[str]) -> dict[str, Any]:
    wall: list[float] = []
    cpu: list[float] = []
    sender = ConversationId(f"growth-{time.time_ns()}")
    for i in range(turns):
        started, started_cpu = time.perf_counter(), time.process_time()
        await agent.handle_message(UserMessage(text=messages[i % len(messages)], sender_id=sender))
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    events = len(await agent.store.retrieve(sender))
    return {"events": events, "wall_ms": _growth(wall), "cpu_ms": _growth(cpu)}


def _growth(values: list[float]) -> dict[str, float]:
    early, late = statistics.median(values[5:25]), statistics.median(values[-20:])
    ratio = round(late / early, 2)
    return {"early_p50": round(early, 2), "late_p50": round(late, 2), "ratio": ratio}


async def open_store(kind: str, folder: Path, name: str) -> TrackerStore:
    if kind == "memory":
        return InMemoryTrackerStore()
    return await SQLTrackerStore.connect(f"sqlite+aiosqlite:///{folder / name}.db")


async def main(args: argparse.Namespace) -> dict[str, Any]:
    messages = TEXTS if args.text else PAYLOADS
    result: dict[str, Any] = {"cores": os.cpu_count(), "turns": args.turns, "store": args.store}
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "bot"
        copy_trained_project(args.project, project)
        base = await build_agent(project)
        await base.store.close()
        for name, size in (("cached", 256), ("read_whole", 0)):
            agent = replace(base, store=await open_store(args.store, Path(tmp), name))
            agent.trackers = TrackerCache(agent.store, size=size)
            await play(agent, 10, messages)  # warm-up: first parses, first queries
            result[name] = await play(agent, args.turns, messages)
            await agent.store.close()
    result["late_cpu_cached_over_read_whole"] = round(
        result["cached"]["cpu_ms"]["late_p50"] / result["read_whole"]["cpu_ms"]["late_p50"], 2
    )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=SHARED / "rasa-bots" / "initial-project")
    parser.add_argument("--turns", type=int, default=130)
    parser.add_argument("--store", choices=["sqlite", "memory"], default="sqlite")
    parser.add_argument("--text", action="store_true", help="words through the NLU")
    print(json.dumps(asyncio.run(main(parser.parse_args()))))
