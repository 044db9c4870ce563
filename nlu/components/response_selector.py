"""Choose the response key (``faq/shipping``) of a retrieval intent (``faq``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import Field, StrictInt, StrictStr

from nlu.components.intent import DEFAULT_RANKING_LENGTH, RETRIEVAL_SEPARATOR, base_intent, labelled
from nlu.components.linear import LinearOptions, LinearSettings
from nlu.components.options import ComponentOptions, read_options
from nlu.components.rasa_options import options_of
from nlu.components.sentence import Ranking, SentenceClassifier
from nlu.components.storage import read_json_object, write_json
from nlu.interfaces import Message, TrainingData

logger = logging.getLogger(__name__)

DEFAULT_SELECTOR = "default"
SETTINGS_FILE = "selector.json"


class ResponseSelectorOptions(LinearOptions):
    """``retrieval_intent`` (train on that base intent only; default: all of them),
    ``ranking_length`` and the linear-model options (``C``, ...). Rasa's neural-network
    options (``epochs``, ...) have no effect."""

    rasa_options: ClassVar[frozenset[str]] = options_of("ResponseSelector")

    retrieval_intent: StrictStr | None = None
    ranking_length: StrictInt = Field(DEFAULT_RANKING_LENGTH, ge=1)


class ResponseSelector:
    """A linear model over sentence features, trained on the examples of retrieval intents.

    Options in :class:`ResponseSelectorOptions`. Writes Rasa's ``response_selector``
    shape: ``all_retrieval_intents``, one entry under the ``retrieval_intent`` (or, without
    it, one per base intent, ranked within that intent) and the same overall choice under
    ``default``.
    """

    name: ClassVar[str] = "ResponseSelector"
    options_model: ClassVar[type[ComponentOptions]] = ResponseSelectorOptions

    def __init__(
        self,
        retrieval_intent: str | None,
        settings: LinearSettings,
        ranking_length: int = DEFAULT_RANKING_LENGTH,
    ) -> None:
        self.retrieval_intent = retrieval_intent
        self.settings = settings
        self.ranking_length = ranking_length
        self.classifier: SentenceClassifier | None = None

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        parsed = read_options(ResponseSelectorOptions, cls.name, options)
        return cls(parsed.retrieval_intent, parsed.linear_settings(), parsed.ranking_length)

    def _selects(self, intent: str) -> bool:
        return RETRIEVAL_SEPARATOR in intent and self.retrieval_intent in (
            None,
            base_intent(intent),
        )

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        pairs = [(m, intent) for m, intent in labelled(data, messages) if self._selects(intent)]
        if not pairs:
            logger.info("%s: no retrieval intent examples; nothing to select", self.name)
            self.classifier = None
            return
        labels = [intent for _, intent in pairs]
        self.classifier = SentenceClassifier.fit([m for m, _ in pairs], labels, self.settings)

    def process(self, messages: Sequence[Message]) -> None:
        tokenized = [m for m in messages if m.tokens]
        if self.classifier is None or not tokenized:
            return
        bases = sorted({base_intent(label) for label in self.classifier.model.labels})
        for message, ranking in zip(tokenized, self.classifier.rankings(tokenized), strict=True):
            output = message.response_selector
            output["all_retrieval_intents"] = sorted(
                {*output.get("all_retrieval_intents", ()), *bases}
            )
            if self.retrieval_intent is None:
                for base in bases:
                    output[base] = self._selection(_within(ranking, base))
            else:
                output[self.retrieval_intent] = self._selection(ranking)
            output[DEFAULT_SELECTOR] = self._selection(ranking)

    def _selection(self, ranking: Ranking) -> dict[str, Any]:
        key, confidence = ranking[0]
        return {
            "response": {
                "intent_response_key": key,
                "responses": None,
                "confidence": confidence,
                "utter_action": f"utter_{key}",
            },
            "ranking": [
                {"intent_response_key": k, "confidence": c}
                for k, c in ranking[: self.ranking_length]
            ],
        }

    def persist(self, directory: Path) -> None:
        write_json(directory / SETTINGS_FILE, {"trained": self.classifier is not None})
        if self.classifier is not None:
            self.classifier.save(directory)

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        selector = cls.create(config, "")
        if read_json_object(directory / SETTINGS_FILE, "trained")["trained"]:
            selector.classifier = SentenceClassifier.load(directory)
        return selector


def _within(ranking: Ranking, base: str) -> Ranking:
    """The keys of one base intent, their probabilities renormalised to sum to one."""
    kept = [(key, p) for key, p in ranking if base_intent(key) == base]
    total = sum(p for _, p in kept) or 1.0
    return [(key, p / total) for key, p in kept]
