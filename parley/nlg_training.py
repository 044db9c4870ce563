"""The NLG part of a model archive: the local model fine-tuned on the project (``nlg/adapter``).

It is trained when ``endpoints.yml`` has ``nlg: {type: llm, backend: transformers,
finetune: {...}}``, and retrained only when its fingerprint changes: the training
examples (built from the responses, stories, rules, test stories, NLU examples,
knowledge folder and ``data/nlg/*.jsonl``), the options that shape training,
and the base model. ``parley train --skip-nlg`` or ``PARLEY_SKIP_NLG_TRAINING=1``
leaves it as it is.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from nlg.config import FinetuneOptions, LLMOptions, parse_options, project_path
from nlg.finetune.contexts import story_contexts
from nlg.finetune.examples import (
    Kind,
    NLGExample,
    NLGSources,
    build_examples,
    sample,
    split_examples,
)
from nlg.finetune.transcripts import load_transcripts
from nlg.knowledge import split_passages
from parley.project import Project
from parley.project.fingerprint import digest

if TYPE_CHECKING:
    from nlg.finetune.training import TrainReport

SKIP_ENV = "PARLEY_SKIP_NLG_TRAINING"
NLG_DATA = Path("data") / "nlg"
ADAPTER = "adapter"
KNOWLEDGE_SUFFIXES = (".md", ".txt")
# Options that change what is served or how long it may take, not what is learnt.
_NOT_FINGERPRINTED = {"serve", "max_minutes", "device"}


def skip_requested() -> bool:
    """Whether ``PARLEY_SKIP_NLG_TRAINING`` asks to leave the NLG model untrained."""
    return os.environ.get(SKIP_ENV, "").strip().lower() not in ("", "0", "false", "no")


def llm_options(project: Project) -> LLMOptions | None:
    """The project's ``nlg:`` options when it fine-tunes a local model, else ``None``."""
    nlg = project.endpoints.nlg
    if nlg is None or nlg.type not in ("llm", "LLMNaturalLanguageGenerator"):
        return None
    options = parse_options(
        nlg.model_dump(exclude_none=True, exclude_defaults=True, exclude={"type"})
    )
    if options.finetune is None or options.backend != "transformers":
        return None
    return options


def nlg_examples(project: Project, options: LLMOptions) -> list[NLGExample]:
    assert options.finetune is not None
    examples = build_examples(
        nlg_sources(project, options),
        options.system_prompt,
        kinds(options),
        options.finetune.per_response,
    )
    return sample(examples, options.finetune.max_examples, options.finetune.seed, _rank)


def _rank(example: NLGExample) -> int:
    """Which examples a capped training set keeps first: the project's own responses and
    knowledge, then the prompts the runtime sends, then plain transcript replies."""
    if not example.source.startswith(str(NLG_DATA)) and ".jsonl:" not in example.source:
        return 0
    return 1 if example.kind != "reply" else 2


def kinds(options: LLMOptions) -> set[Kind]:
    """The prompts the runtime will send with these options, and transcripts' replies."""
    found: set[Kind] = {"reply"}
    if options.rephrase != "none":
        found.add("lead_in" if options.rephrase_style == "lead_in" else "rewrite")
    if options.generate_answers and options.knowledge:
        found.add("answer")
    return found


def nlg_sources(project: Project, options: LLMOptions) -> NLGSources:
    domain = project.domain
    rephrased = {
        name: tuple(v.text for v in variants if v.text and not v.channel)
        for name, variants in domain.responses.items()
        if options.rephrase == "all" or any(v.metadata.get("rephrase") for v in variants)
    }
    rephrased = {name: texts for name, texts in rephrased.items() if texts}
    by_intent: dict[str, list[str]] = {}
    for example in project.nlu_data.examples:
        if example.intent:
            by_intent.setdefault(example.intent, []).append(example.text)
    stories = [*project.stories, *project.rules, *project.test_stories]
    questions = tuple(dict.fromkeys(e.text for e in project.nlu_data.examples))
    return NLGSources(
        templates=rephrased,
        contexts=story_contexts(stories, rephrased, by_intent),
        passages=_passages(project.root, options),
        questions=questions,
        transcripts=tuple(load_transcripts(project.root / NLG_DATA)),
    )


def _passages(root: Path, options: LLMOptions) -> tuple[str, ...]:
    if not options.knowledge:
        return ()
    folder = project_path(options.knowledge, root)
    files = sorted(p for p in folder.glob("*") if p.suffix in KNOWLEDGE_SUFFIXES)
    return tuple(
        p.text for f in files for p in split_passages(f.name, f.read_text(encoding="utf-8"))
    )


def nlg_fingerprint(examples: list[NLGExample], options: LLMOptions) -> str:
    assert options.finetune is not None
    training = options.finetune.model_dump(exclude=_NOT_FINGERPRINTED)
    return digest({"examples": examples, "finetune": training, "model": options.model})


def train_nlg(
    project: Project,
    options: LLMOptions,
    directory: Path,
    say: Callable[[str], None],
    show_progress: bool = True,
) -> TrainReport:
    """Fine-tune the local model on the project; the adapter goes to ``directory/adapter``."""
    from nlg.backends.model_files import load_causal_lm
    from nlg.finetune.training import Trainer, lora_model, pick_device, save_adapter

    finetune = options.finetune or FinetuneOptions()
    examples = nlg_examples(project, options)
    train, validation = split_examples(examples, finetune.validation_share, finetune.seed)
    say(f"NLG: fine-tuning on {len(train)} examples")
    model_path = project_path(options.model, project.root) if options.model else None
    device = pick_device(finetune.device)
    model, tokenizer = load_causal_lm(str(model_path) if model_path else None, device)
    tuned = lora_model(model, finetune)
    report = Trainer(tuned, tokenizer, finetune).train(train, validation, show_progress)
    save_adapter(tuned, directory / ADAPTER)
    return report
