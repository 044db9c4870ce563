"""``parley test nlg``: the base and the fine-tuned NLG model on the held-out NLG examples.

The held-out examples are the validation split ``parley train nlg`` set aside
(same examples, share and seed), so the tuned model has never trained on them.
Writes ``nlg_report.json`` (perplexity, BLEU, ROUGE-L, guard acceptance and facts
altered on rephrase examples, for both models, and a side-by-side sample) and
``nlg_report.md``, the same as a page a person can read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nlg.backends.model_files import load_causal_lm
from nlg.config import project_path
from nlg.finetune import split_examples
from nlg.finetune.evaluation import markdown_page, score, side_by_side
from nlg.finetune.training import pick_device
from parley.errors import ParleyError
from parley.model import load_model, resolve_model
from parley.nlg_training import llm_options, nlg_examples
from parley.project import Project

REPORT = "nlg_report.json"
PAGE = "nlg_report.md"


def evaluate_nlg(root: Path, model: Path | None, out: Path, sample: int = 20) -> dict[str, Any]:
    """Score both models and write the reports into ``out``; the report, as written."""
    project = Project.load(root)
    options = llm_options(project)
    if options is None or options.finetune is None:
        raise ParleyError(
            "endpoints.yml does not fine-tune a local NLG model; add nlg: {finetune: {...}}"
        )
    archive = resolve_model(model, root / "models")
    adapter = load_model(archive).nlg_adapter
    if adapter is None:
        raise ParleyError(f"{archive} has no fine-tuned NLG model; run `parley train nlg`")
    finetune = options.finetune
    _, held = split_examples(
        nlg_examples(project, options), finetune.validation_share, finetune.seed
    )
    if not held:
        raise ParleyError("there are no held-out NLG examples to score")
    source = str(project_path(options.model, root)) if options.model else None
    device = pick_device(finetune.device)
    results, replies = {}, {}
    for name, merged in (("base", None), ("tuned", adapter)):
        lm, tokenizer = load_causal_lm(source, device, adapter=merged)
        scores, replies[name] = score(lm, tokenizer, held)
        results[name] = scores.as_dict()
    report = {
        "model": archive.name,
        "held_out_examples": len(held),
        **results,
        "side_by_side": side_by_side(held, replies["base"], replies["tuned"], sample),
    }
    write_report(report, out)
    return report


def write_report(report: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / REPORT).write_text(json.dumps(report, indent=2), encoding="utf-8")
    title = f"NLG model {report['model']}: base vs fine-tuned"
    (out / PAGE).write_text(markdown_page(title, report, report["side_by_side"]), "utf-8")


def summary(report: dict[str, Any]) -> str:
    lines = [f"{'metric':<24}{'base':>12}{'fine-tuned':>12}"]
    for key in ("perplexity", "bleu", "rouge_l", "acceptance_rate", "facts_altered"):
        lines.append(f"{key:<24}{report['base'][key]!s:>12}{report['tuned'][key]!s:>12}")
    return "\n".join(lines)
