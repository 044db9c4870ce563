"""What fine-tuning the NLG model buys, before and after; prints JSON.

Usage: ``python bench/nlg_finetune.py [--only bitext|bot] [--device auto|cpu|cuda]
[--train-size N] [--eval-size N] [--epochs N] [--batch-size N] [--learning-rate LR]``

* **bitext**: the Bitext customer-support set (``$PARLEY_SHARED/data/bitext``), a
  fixed 90/10 split by instruction (:mod:`nlg.finetune.bitext`). The bundled
  model is scored on the held-out part (perplexity, BLEU, ROUGE-L of greedy
  replies of at most ``--max-new-tokens``), fine-tuned with LoRA on the training
  part, and scored again. ``--train-size`` / ``--eval-size`` take seeded samples
  of the two parts (0: all of it). The CPU subset, which finishes in under 20
  minutes on 2 cores: ``--train-size 400 --eval-size 80 --epochs 1`` (the
  defaults); on a GPU: ``--train-size 0 --eval-size 0 --epochs 2``.
* **bot**: the reference bot as ``parley train`` fine-tunes it (the project at
  ``--project`` is copied and trained there if it has no model). Every
  conversation of ``bench/nlg_cases.py`` is played through the bot with the base
  model (``finetune: {serve: false}``) and with the tuned one: guard acceptance
  on rephrase-flagged turns, share of sent replies that differ from their
  template, facts altered, added latency (``bench/nlg_quality.py``'s measure).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nlg_cases import CONVERSATIONS
from nlg_quality import rephrase_run
from served_bot import copy_trained_project

from dialogue.stores import InMemoryTrackerStore
from nlg.backends.model_files import load_causal_lm
from nlg.config import FinetuneOptions
from nlg.finetune.bitext import bitext_examples
from nlg.finetune.evaluation import score, side_by_side
from nlg.finetune.examples import sample, split_examples
from nlg.finetune.training import Trainer, lora_model, pick_device
from nlg.prompts import DEFAULT_PERSONA
from nlg.template import TemplateNLG
from parley.runtime import build_agent

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PARLEY_SHARED") or ROOT.parent / "shared")


def bitext_run(args: argparse.Namespace) -> dict[str, Any]:
    train, held = bitext_examples(args.bitext, DEFAULT_PERSONA)
    if args.train_size:
        train = sample(train, args.train_size, seed=0)
    if args.eval_size:
        held = sample(held, args.eval_size, seed=0)
    fit, validation = split_examples(train, 0.05, seed=0)
    device = pick_device(args.device)
    model, tokenizer = load_causal_lm(None, device)
    started = time.monotonic()
    before, base_replies = score(model, tokenizer, held, args.max_new_tokens, args.generate_batch)
    options = FinetuneOptions(
        max_minutes=args.max_minutes,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        lora_layers=args.lora_layers or None,
        eval_every=args.eval_every,
        max_target_tokens=args.max_target_tokens,
        device=device,
    )
    tuned = lora_model(model, options)
    report = Trainer(tuned, tokenizer, options).train(fit, validation, show=True)
    merged = tuned.merge_and_unload()
    after, tuned_replies = score(merged, tokenizer, held, args.max_new_tokens, args.generate_batch)
    return {
        "device": device,
        "train_examples": len(fit),
        "validation_examples": len(validation),
        "held_out_examples": len(held),
        "max_new_tokens": args.max_new_tokens,
        "training": asdict(report),
        "before": _reference_scores(before.as_dict()),
        "after": _reference_scores(after.as_dict()),
        "perplexity_ratio": round(after.perplexity / before.perplexity, 3),
        "rouge_l_gain": round(after.rouge_l - before.rouge_l, 2),
        "bleu_gain": round(after.bleu - before.bleu, 2),
        "seconds": round(time.monotonic() - started, 1),
        "examples": side_by_side(held, base_replies, tuned_replies, args.examples),
    }


def _reference_scores(scores: dict[str, Any]) -> dict[str, Any]:
    return {k: scores[k] for k in ("examples", "perplexity", "bleu", "rouge_l")}


async def bot_run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "bot"
        started = time.monotonic()
        copy_trained_project(args.project, project)
        trained_s = time.monotonic() - started
        os.environ.setdefault("PARLEY_SHOP_DB_URL", f"sqlite+aiosqlite:///{project / 'shop.db'}")
        base_endpoints = project / "endpoints_base.yml"
        text = (project / "endpoints.yml").read_text()
        base_endpoints.write_text(text.replace("  finetune:\n", "  finetune:\n    serve: false\n"))
        results = {}
        for name, endpoints in (("before", base_endpoints), ("after", None)):
            agent = await build_agent(project, endpoints_path=endpoints)
            llm = replace(agent, store=InMemoryTrackerStore())
            plain = replace(
                llm, nlg=TemplateNLG(llm.domain.responses), store=InMemoryTrackerStore()
            )
            try:
                results[name] = await rephrase_run(llm, plain, args.limit)
                results[name]["model"] = getattr(agent.nlg, "model_id", None) or _model_id(agent)
            finally:
                await llm.close()
    return {"copy_and_train_s": round(trained_s, 1), **results}


def _model_id(agent: Any) -> str | None:
    inner = getattr(agent.nlg, "inner", None) or getattr(agent.nlg, "nlg", None)
    generator = getattr(inner, "generator", None)
    return getattr(generator, "model_id", None)


def main(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"cores": os.cpu_count()}
    if args.only in (None, "bitext"):
        result["bitext"] = bitext_run(args)
    if args.only in (None, "bot"):
        result["reference_bot"] = asyncio.run(bot_run(args))
    return result


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["bitext", "bot"], default=None)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--bitext", type=Path, default=SHARED / "data" / "bitext")
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--train-size", type=int, default=400, help="0: the whole 90%%")
    parser.add_argument("--eval-size", type=int, default=80, help="0: the whole 10%%")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--lora-layers", type=int, default=8, help="top layers adapted; 0: all")
    parser.add_argument("--eval-every", type=int, default=10)
    parser.add_argument("--max-minutes", type=float, default=11.0)
    parser.add_argument("--max-target-tokens", type=int, default=256)
    parser.add_argument("--max-new-tokens", type=int, default=160)
    parser.add_argument(
        "--generate-batch", type=int, default=32, help="held-out replies decoded at once"
    )
    parser.add_argument("--examples", type=int, default=10, help="side-by-side pairs to print")
    parser.add_argument("--limit", type=int, default=len(CONVERSATIONS))
    return parser.parse_args()


if __name__ == "__main__":
    print(json.dumps(main(arguments()), indent=1))
