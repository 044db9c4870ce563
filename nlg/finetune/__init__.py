"""Fine-tuning the local NLG model on a project's own dialogue data (LoRA adapters).

:mod:`~nlg.finetune.examples` builds the training set in the runtime's prompts,
:mod:`~nlg.finetune.training` trains and saves the adapter,
:mod:`~nlg.finetune.evaluation` scores base and tuned models side by side, and
:mod:`~nlg.finetune.bitext` reads the Bitext customer-support set for the bench.
The training names load on first use: building the examples (as ``parley train``
does to fingerprint them) must not import torch.
"""

from typing import TYPE_CHECKING, Any

from nlg.finetune.examples import NLGExample, NLGSources, build_examples, split_examples
from nlg.finetune.transcripts import Transcript, Turn, load_transcripts

if TYPE_CHECKING:
    from nlg.finetune.training import Trainer, TrainReport, lora_model, save_adapter


def __getattr__(name: str) -> Any:
    if name in {"Trainer", "TrainReport", "lora_model", "save_adapter"}:
        from nlg.finetune import training

        return getattr(training, name)
    raise AttributeError(f"module 'nlg.finetune' has no attribute {name!r}")


__all__ = [
    "NLGExample",
    "NLGSources",
    "TrainReport",
    "Trainer",
    "Transcript",
    "Turn",
    "build_examples",
    "load_transcripts",
    "lora_model",
    "save_adapter",
    "split_examples",
]
