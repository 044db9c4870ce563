"""The ``nlg:`` section of ``endpoints.yml`` for ``type: llm``, typed and validated once.

Every key is optional; an unknown key is an error. Relative paths (``knowledge``,
``model``) are relative to the project folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nlg.errors import NLGConfigError
from nlg.prompts import DEFAULT_PERSONA


class FinetuneOptions(BaseModel):
    """``nlg: {finetune: {...}}``: `parley train` adapts the local model to the project (LoRA).

    Skip it for one run with ``parley train --skip-nlg`` or ``PARLEY_SKIP_NLG_TRAINING=1``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_minutes: float = Field(default=8.0, gt=0, description="Stop training after this long.")
    epochs: int = Field(default=3, ge=1)
    batch_size: int = Field(default=8, ge=1)
    learning_rate: float = Field(default=1e-3, gt=0)
    lora_rank: int = Field(default=8, ge=1)
    lora_alpha: int = Field(default=16, gt=0)
    lora_layers: int | None = Field(
        default=8,
        ge=1,
        description="Adapt only the top N transformer layers (None: all); faster on CPU.",
    )
    validation_share: float = Field(default=0.1, gt=0, lt=1)
    eval_every: int = Field(default=20, ge=1, description="Steps between validation losses.")
    patience: int = Field(
        default=2, ge=1, description="Stop after this many evaluations without gain."
    )
    max_examples: int = Field(default=400, ge=2)
    per_response: int = Field(default=12, ge=1, description="Customer messages used per response.")
    max_target_tokens: int = Field(default=160, ge=4)
    seed: int = Field(default=0)
    device: str = Field(default="auto", description="auto: CUDA when present, else the CPU.")
    serve: bool = Field(
        default=True, description="Serve the fine-tuned model; false: the base model."
    )


class LLMOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: str = Field("transformers", description="Text generator: transformers or openai.")
    rephrase: Literal["flagged", "all", "none"] = Field(
        "flagged", description="Reword responses with `metadata: {rephrase: true}`, all, or none."
    )
    rephrase_style: Literal["lead_in", "rewrite"] = Field(
        "lead_in",
        description="lead_in: a checked acknowledgement before the unchanged template; "
        "rewrite: the model rewords the template.",
    )
    answer_responses: list[str] = Field(
        default_factory=list, description="Responses answered from the knowledge folder."
    )
    knowledge: str | None = Field(None, description="Folder of Markdown/text files.")
    encoder: str | None = Field(None, description="Sentence encoder dir; bundled MiniLM if unset.")
    system_prompt: str = Field(DEFAULT_PERSONA, description="Persona, scope and refusal style.")
    history_turns: int = Field(4, ge=0)
    history_tokens: int = Field(200, ge=0)
    candidates: int = Field(4, ge=1, le=8, description="Drafts per rephrasing, one batch.")
    leadin_tokens: int = Field(24, ge=4, le=64)
    constrain_leadins: bool = Field(
        True, description="Decode lead-ins only from words the lead-in check accepts."
    )
    generate_answers: bool = Field(
        True, description="Let the model word FAQ answers; false: extract passage sentences."
    )
    answer_min_score: float = Field(
        0.5, ge=-1, le=1, description="Answer only when one knowledge sentence is this close."
    )
    route_min_score: float = Field(
        0.5,
        ge=-1,
        le=1,
        description="A message this close to a knowledge sentence is answered from knowledge...",
    )
    route_below_confidence: float = Field(
        0.9, ge=0, le=1, description="...unless NLU is at least this sure of its intent."
    )
    temperature: float = Field(0.7, gt=0, le=2)
    max_new_tokens: int = Field(60, ge=1, le=512)
    deadline: float = Field(6.0, gt=0, description="Seconds per response before the template.")
    top_passages: int = Field(2, ge=1)
    min_passage_score: float = Field(0.35, ge=-1, le=1)
    # transformers backend
    model: str | None = Field(None, description="HF model dir or .gguf; bundled SmolLM2 if unset.")
    device: str = "auto"
    dtype: Literal["auto", "int4", "int8", "float32", "bfloat16", "float16"] = Field(
        "auto", description="auto: bfloat16 on a GPU, int4 (else int8) weights on a CPU."
    )
    threads: int | None = Field(None, ge=1)
    max_batch: int = Field(32, ge=1)
    max_wait_ms: float = Field(5.0, ge=0)
    decoder: Literal["auto", "lean", "transformers"] = "auto"
    adapter: str | None = Field(
        None, description="LoRA adapter folder merged into the model at load (set by parley)."
    )
    finetune: FinetuneOptions | None = Field(
        None, description="Fine-tune the local model on the project at `parley train`."
    )
    # openai backend
    url: str | None = Field(None, description="Base URL of an OpenAI-compatible server (…/v1).")
    api_key: str | None = None
    timeout: float = Field(30.0, gt=0)


def parse_options(options: Mapping[str, Any], source: str = "endpoints.yml") -> LLMOptions:
    try:
        return LLMOptions.model_validate(dict(options))
    except ValidationError as e:
        problems = "; ".join(
            f"nlg.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        raise NLGConfigError(f"{source}: {problems}") from e


def project_path(value: str, root: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else root / path
