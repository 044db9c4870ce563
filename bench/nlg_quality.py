"""How much the LLM NLG gives customers of the reference bot, and what it costs; prints JSON.

Usage: ``python bench/nlg_quality.py [--project .] [--model PATH_OR_GGUF] [--limit N]``

Two agents serve the same trained reference bot, in process: one with the
project's ``nlg:`` settings (LLM), one with templates only. Every conversation of
``bench/nlg_cases.py`` is played through both; the bots' dialogue is the same,
so their messages pair up one to one.

* **rephrase**: for each rephrase-flagged turn, whether the LLM's message differs
  from the template and passed the guard (``source: llm``), whether any fact of
  the template is missing from what was sent (``facts_altered``), and the added
  latency: the LLM turn's time minus the template turn's time.
* **faq**: answerable questions are correct when the reply contains the expected
  words; unanswerable ones must get an honest "don't know" offering a person;
  a false fact is a number, price, date, id, link or email in a reply that
  neither the knowledge folder nor the domain's templates contain.
* **guard**: reject and accept rates per category (``bench/guard_rates.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nlg_cases import ANSWERABLE, CONVERSATIONS, HONEST_REFUSAL, UNANSWERABLE
from served_bot import copy_trained_project

from dialogue.stores import InMemoryTrackerStore
from dialogue.tracker import ConversationId
from nlg.guard import extract_facts
from nlg.interfaces import BotMessage
from nlg.template import TemplateNLG
from parley.agent import BotAgent
from parley.interfaces import UserMessage
from parley.runtime import build_agent

ROOT = Path(__file__).resolve().parents[1]


async def play(
    agent: BotAgent, sender: str, texts: list[str]
) -> list[tuple[float, list[BotMessage]]]:
    turns = []
    for text in texts:
        start = time.perf_counter()
        messages = await agent.handle_message(UserMessage(text, ConversationId(sender)))
        turns.append((time.perf_counter() - start, messages))
    return turns


def _nlg(message: BotMessage) -> dict[str, Any]:
    note = message.metadata.get("nlg")
    return note if isinstance(note, dict) else {}


async def rephrase_run(llm: BotAgent, plain: BotAgent, limit: int) -> dict[str, Any]:
    flagged, sent, facts_altered, added, examples = 0, 0, 0, [], []
    refusals: dict[str, int] = {}
    for n, texts in enumerate(CONVERSATIONS[:limit]):
        with_llm = await play(llm, f"r{n}", texts)
        with_templates = await play(plain, f"r{n}", texts)
        for (t_llm, got), (t_plain, want) in zip(with_llm, with_templates, strict=True):
            for message, template in zip(got, want, strict=False):
                note = _nlg(message)
                if note.get("mode") != "rephrase":
                    continue
                flagged += 1
                added.append(t_llm - t_plain)
                text, original = message.text or "", template.text or ""
                facts_altered += any(f not in text for f in extract_facts(original))
                if note.get("source") == "llm" and text != original:
                    sent += 1
                    examples.append({"template": original, "sent": text})
                for category in note.get("refusals", []):
                    refusals[category] = refusals.get(category, 0) + 1
    ordered = sorted(added)
    return {
        "conversations": min(limit, len(CONVERSATIONS)),
        "rephrase_flagged_turns": flagged,
        "acceptance_rate": round(sent / max(flagged, 1), 3),
        "sent_differs_from_template": round(sent / max(flagged, 1), 3),
        "facts_altered": facts_altered,
        "added_latency_median_s": round(statistics.median(ordered), 3) if ordered else None,
        "added_latency_p95_s": round(ordered[int(0.95 * (len(ordered) - 1))], 3)
        if ordered
        else None,
        "refusals_by_reason": refusals,
        "examples": examples[:10],
    }


def known_facts(root: Path, agent: BotAgent) -> str:
    knowledge = " ".join(p.read_text() for p in sorted((root / "knowledge").glob("*")))
    templates = " ".join(
        variant.text or "" for variants in agent.domain.responses.values() for variant in variants
    )
    return f"{knowledge} {templates}"


def false_facts(text: str, allowed: str) -> list[str]:
    return [f for f in extract_facts(text) if f not in allowed]


def _correct(text: str, expected: str) -> bool:
    lowered = text.lower()
    return any(option.lower() in lowered for option in expected.split("|"))


async def faq_run(llm: BotAgent, allowed: str) -> dict[str, Any]:
    correct, honest, false, examples, wrong = 0, 0, 0, [], []
    for n, (question, expected) in enumerate(ANSWERABLE):
        reply = " ".join(m.text or "" for _, ms in await play(llm, f"q{n}", [question]) for m in ms)
        false += bool(false_facts(reply, allowed))
        if _correct(reply, expected):
            correct += 1
            examples.append({"question": question, "answer": reply})
        else:
            wrong.append({"question": question, "answer": reply})
    for n, question in enumerate(UNANSWERABLE):
        reply = " ".join(m.text or "" for _, ms in await play(llm, f"u{n}", [question]) for m in ms)
        false += bool(false_facts(reply, allowed))
        honest += all(word in reply.lower() for word in HONEST_REFUSAL)
        if not all(word in reply.lower() for word in HONEST_REFUSAL):
            wrong.append({"question": question, "answer": reply})
    return {
        "answerable": len(ANSWERABLE),
        "answered_correctly": correct,
        "answered_correctly_rate": round(correct / len(ANSWERABLE), 3),
        "unanswerable": len(UNANSWERABLE),
        "honest_refusals": honest,
        "honest_refusal_rate": round(honest / len(UNANSWERABLE), 3),
        "false_facts": false,
        "examples": examples[:5],
        "misses": wrong,
    }


def guard_section() -> dict[str, Any] | None:
    try:
        from guard_rates import guard_rates  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    result: dict[str, Any] = guard_rates()
    return result


async def main(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "bot"
        copy_trained_project(args.project, project)
        if args.model:
            endpoints = (project / "endpoints.yml").read_text()
            endpoints = re.sub(
                r"(?m)^  backend: transformers$",
                f"  backend: transformers\n  model: {args.model}",
                endpoints,
            )
            (project / "endpoints.yml").write_text(endpoints)
        os.environ.setdefault("PARLEY_SHOP_DB_URL", f"sqlite+aiosqlite:///{project / 'shop.db'}")
        llm = await build_agent(project)
        llm = replace(llm, store=InMemoryTrackerStore())
        plain = replace(llm, nlg=TemplateNLG(llm.domain.responses), store=InMemoryTrackerStore())
        try:
            rephrase = await rephrase_run(llm, plain, args.limit)
            faq = await faq_run(llm, known_facts(project, llm))
        finally:
            await llm.close()
    return {
        "cores": os.cpu_count(),
        "model": args.model or "bundled SmolLM2-135M-Instruct",
        "rephrase": rephrase,
        "faq": faq,
        "guard": guard_section(),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--model", default=None, help="model folder or .gguf (default: bundled)")
    parser.add_argument("--limit", type=int, default=len(CONVERSATIONS))
    print(json.dumps(asyncio.run(main(parser.parse_args())), indent=1))
