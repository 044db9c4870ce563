"""Scoring a model on held-out NLG examples: perplexity, BLEU, ROUGE-L and the guard.

* **perplexity**: ``exp`` of the mean loss per reply token (teacher forcing);
* **BLEU** (``sacrebleu``, corpus level) and **ROUGE-L** (``rouge-score``, mean
  F1, times 100) of greedy replies against the references;
* **guard**, on ``lead_in`` and ``rewrite`` examples, what the runtime would do
  with the greedy draft: the share the checks accept (``acceptance_rate``), the
  share of drafts that drop or change a fact of the template
  (``drafts_altering_facts``) and the facts altered in what would be sent
  (``facts_altered``, refused drafts fall back to the template).

Greedy replies come from the runtime's lean decoder for Llama-family models.

:func:`side_by_side` pairs two models' replies for people to read.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch

from nlg.backends.llama import LlamaDecoder
from nlg.finetune.examples import NLGExample
from nlg.finetune.training import encode, mean_loss
from nlg.guard import FactGuard, Verdict
from nlg.leadin import check_leadin, first_sentence

LEADIN_WIDER_BY_WORDS = 16  # the runtime widens the guard's length limit by a lead-in's words


@dataclass(frozen=True)
class Scores:
    examples: int
    perplexity: float
    bleu: float
    rouge_l: float
    guarded: int
    acceptance_rate: float | None
    drafts_altering_facts: int
    facts_altered: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "perplexity": round(self.perplexity, 3),
            "bleu": round(self.bleu, 2),
            "rouge_l": round(self.rouge_l, 2),
            "guarded_examples": self.guarded,
            "acceptance_rate": self.acceptance_rate,
            "drafts_altering_facts": self.drafts_altering_facts,
            "facts_altered": self.facts_altered,
        }


def perplexity(model: Any, tokenizer: Any, examples: Sequence[NLGExample], size: int = 8) -> float:
    rows = [encode(tokenizer, e, 512) for e in examples]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    model.eval()
    return math.exp(mean_loss(model, rows, pad, size))


def generate(
    model: Any, tokenizer: Any, examples: Sequence[NLGExample], max_new_tokens: int, size: int = 8
) -> list[str]:
    """Greedy replies in batches of ``size``; a lead-in is cut to its first sentence.

    Llama-family models decode with the runtime's lean decoder (float32), others
    with ``model.generate``.
    """
    replies: list[str] = []
    model.eval()
    for start in range(0, len(examples), size):
        group = examples[start : start + size]
        prompts = [list(encode(tokenizer, e, 0).ids[:-1]) for e in group]
        budget = 16 if group[0].kind == "lead_in" else max_new_tokens
        if LlamaDecoder.supports(model):
            rows = _lean_greedy(model, prompts, budget, tokenizer.eos_token_id)
        else:
            rows = _hf_greedy(model, tokenizer, prompts, budget)
        for example, row in zip(group, rows, strict=True):
            text = tokenizer.decode(row, skip_special_tokens=True).strip()
            replies.append(first_sentence(text) if example.kind == "lead_in" else text)
    return replies


def _lean_greedy(
    model: Any, prompts: list[list[int]], max_new_tokens: int, eos: int
) -> list[list[int]]:
    decoder = LlamaDecoder(model, torch.float32)
    rows: list[list[int]] = [[] for _ in prompts]
    done = [False] * len(prompts)
    with torch.inference_mode():
        logits = decoder.start(prompts, max_new_tokens)
        for _ in range(max_new_tokens):
            tokens = logits.argmax(-1)
            for n, token in enumerate(tokens.tolist()):
                done[n] = done[n] or token == eos
                if not done[n]:
                    rows[n].append(token)
            if all(done):
                break
            logits = decoder.step(tokens)
    return rows


def _hf_greedy(
    model: Any, tokenizer: Any, prompts: list[list[int]], max_new_tokens: int
) -> list[list[int]]:
    device = next(model.parameters()).device
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    longest = max(len(p) for p in prompts)
    ids = torch.tensor([[pad] * (longest - len(p)) + p for p in prompts], device=device)
    mask = torch.tensor([[0] * (longest - len(p)) + [1] * len(p) for p in prompts])
    with torch.no_grad():
        out = model.generate(
            input_ids=ids,
            attention_mask=mask.to(device),
            max_new_tokens=max_new_tokens,
            do_sample=False,
            pad_token_id=pad,
            eos_token_id=tokenizer.eos_token_id,
        )
    return [row.tolist() for row in out[:, longest:]]


def guard_verdict(example: NLGExample, reply: str) -> tuple[str, Verdict]:
    """What the runtime would check for ``reply``: the text it would send, and the verdict."""
    guard = FactGuard()
    if example.kind == "lead_in":
        verdict = check_leadin(reply, example.customer, example.template)
        text = f"{reply} {example.template}"
        if verdict.ok:
            words = max(len(example.template.split()), 1)
            ratio = max(guard.max_ratio, (words + LEADIN_WIDER_BY_WORDS) / words)
            verdict = replace(guard, max_ratio=ratio).check(example.template, text, [])
        return text, verdict
    return reply, guard.check(example.template, reply, [])


def score(
    model: Any,
    tokenizer: Any,
    examples: Sequence[NLGExample],
    max_new_tokens: int = 96,
    batch_size: int = 8,
) -> tuple[Scores, list[str]]:
    """The scores of ``model`` on ``examples``, and its greedy replies (for side-by-sides).

    Replies are decoded ``batch_size`` at a time: larger batches decode faster on
    the lean decoder (replies may differ only where float rounding flips a tie).
    """
    import sacrebleu
    from rouge_score import rouge_scorer

    replies = generate(model, tokenizer, examples, max_new_tokens, batch_size)
    references = [e.target for e in examples]
    bleu = sacrebleu.corpus_bleu(replies, [references]).score if replies else 0.0
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    rouge = [
        scorer.score(r, h)["rougeL"].fmeasure for r, h in zip(references, replies, strict=True)
    ]
    accepted = altered_drafts = altered_sent = guarded = 0
    for example, reply in zip(examples, replies, strict=True):
        if example.kind not in ("lead_in", "rewrite"):
            continue
        guarded += 1
        text, verdict = guard_verdict(example, reply)
        changed = _facts_changed(example.template, text)
        accepted += verdict.ok
        altered_drafts += changed
        altered_sent += changed and verdict.ok
    scores = Scores(
        examples=len(examples),
        perplexity=perplexity(model, tokenizer, examples) if examples else math.nan,
        bleu=bleu,
        rouge_l=100 * sum(rouge) / max(len(rouge), 1),
        guarded=guarded,
        acceptance_rate=round(accepted / guarded, 3) if guarded else None,
        drafts_altering_facts=altered_drafts,
        facts_altered=altered_sent,
    )
    return scores, replies


def _facts_changed(template: str, text: str) -> bool:
    from nlg.facts import extract_facts

    return any(fact not in text for fact in extract_facts(template))


def side_by_side(
    examples: Sequence[NLGExample], base: Sequence[str], tuned: Sequence[str], limit: int = 20
) -> list[dict[str, str]]:
    return [
        {
            "kind": e.kind,
            "customer": e.customer or e.prompt[-1].content,
            "reference": e.target,
            "base": b,
            "tuned": t,
        }
        for e, b, t in list(zip(examples, base, tuned, strict=True))[:limit]
    ]


def markdown_page(title: str, summary: dict[str, Any], rows: Sequence[dict[str, str]]) -> str:
    lines = [f"# {title}", "", "| metric | base | fine-tuned |", "|---|---|---|"]
    base, tuned = summary.get("base", {}), summary.get("tuned", {})
    for key in base:
        lines.append(f"| {key} | {base[key]} | {tuned.get(key, '')} |")
    lines += ["", "| kind | customer | reference | base | fine-tuned |", "|---|---|---|---|---|"]
    for row in rows:
        cells = [row[k] for k in ("kind", "customer", "reference", "base", "tuned")]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return html.escape(" ".join(text.split())).replace("|", "\\|")[:400]
