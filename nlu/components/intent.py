"""Intent classifiers: a linear model over sentence features, and exact keywords."""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import Field, StrictBool, StrictInt

from nlu.components.linear import LinearOptions, LinearSettings
from nlu.components.options import ComponentOptions, read_options
from nlu.components.rasa_options import options_of
from nlu.components.sentence import SentenceClassifier, require
from nlu.components.storage import read_json_object, write_json
from nlu.components.tokenizer import covered_text
from nlu.errors import TrainingDataError
from nlu.interfaces import IntentPrediction, Message, TrainingData

logger = logging.getLogger(__name__)

RETRIEVAL_SEPARATOR = "/"
DEFAULT_RANKING_LENGTH = 10


def base_intent(intent: str) -> str:
    """``faq/shipping`` -> ``faq``: retrieval intents are classified by their base intent."""
    return intent.split(RETRIEVAL_SEPARATOR, 1)[0]


def _words_of(keyword: str) -> str:
    """``What is your name`` for ``What is your name?``: the tokenizer drops final punctuation
    from the text that is searched, and Rasa's match of such a keyword ignores it too."""
    return keyword.strip(string.punctuation + string.whitespace) or keyword


def labelled(data: TrainingData, messages: Sequence[Message]) -> list[tuple[Message, str]]:
    """The training messages that have an intent, paired with it."""
    return [(m, e.intent) for m, e in zip(messages, data.examples, strict=True) if e.intent]


class LinearIntentOptions(LinearOptions):
    """``C`` (number or list to choose from by cross-validation, default 30), ``max_iter``,
    ``class_weight``, ``random_state``, ``ranking_length`` (default 10)."""

    rasa_options: ClassVar[frozenset[str]] = options_of(
        "LogisticRegressionClassifier", "SklearnIntentClassifier", "MitieIntentClassifier"
    )

    ranking_length: StrictInt = Field(DEFAULT_RANKING_LENGTH, ge=1)


class LinearIntentClassifier:
    """Multinomial logistic regression on all sentence-level features (options in
    :class:`LinearIntentOptions`). Messages without tokens get no intent."""

    name: ClassVar[str] = "LogisticRegressionClassifier"
    options_model: ClassVar[type[ComponentOptions]] = LinearIntentOptions

    def __init__(
        self, settings: LinearSettings, ranking_length: int = DEFAULT_RANKING_LENGTH
    ) -> None:
        self.settings = settings
        self.ranking_length = ranking_length
        self.classifier: SentenceClassifier | None = None

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        parsed = read_options(LinearIntentOptions, cls.name, options)
        return cls(parsed.linear_settings(), parsed.ranking_length)

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        pairs = labelled(data, messages)
        if not pairs:
            raise TrainingDataError("the training data has no intent examples to classify")
        labels = [base_intent(intent) for _, intent in pairs]
        self.classifier = SentenceClassifier.fit([m for m, _ in pairs], labels, self.settings)

    def process(self, messages: Sequence[Message]) -> None:
        classifier = require(self.classifier, self.name)
        tokenized = [m for m in messages if m.tokens]
        for message, ranking in zip(tokenized, classifier.rankings(tokenized), strict=True):
            predictions = [IntentPrediction(name, p) for name, p in ranking]
            message.intent = predictions[0]
            message.intent_ranking = predictions[: self.ranking_length]

    def persist(self, directory: Path) -> None:
        require(self.classifier, self.name).save(directory)

    def restore(self, directory: Path) -> None:
        """Read what :meth:`persist` wrote into this (untrained) classifier."""
        self.classifier = SentenceClassifier.load(directory)

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        classifier = cls.create(config, "")
        classifier.restore(directory)
        return classifier


class KeywordOptions(ComponentOptions):
    """``case_sensitive`` (default true)."""

    rasa_options: ClassVar[frozenset[str]] = options_of("KeywordIntentClassifier")

    case_sensitive: StrictBool = True


class KeywordIntentClassifier:
    """An example's whole text found as words in the message gives its intent (confidence 1).

    Keywords claimed by two intents are dropped. Without a match the message keeps whatever
    intent earlier classifiers gave it.
    """

    name: ClassVar[str] = "KeywordIntentClassifier"
    options_model: ClassVar[type[ComponentOptions]] = KeywordOptions
    KEYWORDS_FILE = "keywords.json"

    def __init__(self, case_sensitive: bool = True) -> None:
        self.case_sensitive = case_sensitive
        self.keywords: dict[str, str] = {}
        self._patterns: list[tuple[re.Pattern[str], str]] = []

    @classmethod
    def create(cls, options: Mapping[str, Any], key: str) -> Self:
        return cls(read_options(KeywordOptions, cls.name, options).case_sensitive)

    def _use(self, keywords: Mapping[str, str]) -> None:
        self.keywords = dict(keywords)
        flags = 0 if self.case_sensitive else re.IGNORECASE
        ordered = sorted(self.keywords.items(), key=lambda item: (-len(item[0]), item[0]))
        self._patterns = [
            (re.compile(rf"(?<!\w){re.escape(_words_of(keyword))}(?!\w)", flags), intent)
            for keyword, intent in ordered
        ]

    def train(self, data: TrainingData, messages: Sequence[Message]) -> None:
        claims: dict[str, set[str]] = {}
        for example in data.examples:
            text = example.text.strip()
            if example.intent and text:
                claims.setdefault(text, set()).add(base_intent(example.intent))
        ambiguous = sorted(text for text, intents in claims.items() if len(intents) > 1)
        if ambiguous:
            logger.warning("%s: dropping keywords of several intents: %s", self.name, ambiguous)
        self._use({text: intents.pop() for text, intents in claims.items() if len(intents) == 1})

    def process(self, messages: Sequence[Message]) -> None:
        for message in messages:
            text = covered_text(message)
            intent = next((i for pattern, i in self._patterns if pattern.search(text)), None)
            if intent is not None:
                message.intent = IntentPrediction(intent, 1.0)
                message.intent_ranking = [message.intent]

    def persist(self, directory: Path) -> None:
        write_json(directory / self.KEYWORDS_FILE, {"keywords": self.keywords})

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        stored = read_json_object(directory / cls.KEYWORDS_FILE, "keywords")
        classifier = cls.create(config, "")
        classifier._use({str(k): str(v) for k, v in dict(stored["keywords"]).items()})
        return classifier
