"""LinearPolicy: a small learned policy (the transformer policy is ``TEDPolicy``).

A multinomial logistic regression (scikit-learn, fixed seed, so training is
deterministic) over one-hot features of the last ``max_history`` states
(:class:`HistoryVectorizer`). It generalises where memoization has no exact
match, and votes for its most probable action with that probability.

It is registered as ``LinearPolicy``; TED's network options (``epochs``,
``constrain_similarities``, ...) are accepted and ignored. A bigger
learned policy plugs in the same way: implement ``from_config``/``train``/
``predict``/``persist``/``load``, reuse :class:`HistoryVectorizer`, and add the
class to ``dialogue.policies.registry.POLICIES``.

Prediction applies the stored weights with numpy (softmax, or the logistic
function for two classes, exactly as scikit-learn does), so a loaded policy
predicts exactly what the trained one did. scikit-learn is imported by training
and SciPy by prediction: building the policy from config.yml imports neither.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np
from pydantic import Field

from dialogue.domain import Domain
from dialogue.interfaces import PolicyPrediction
from dialogue.policies.errors import PolicyLoadError
from dialogue.policies.featurize import State, states_for_prediction, training_examples
from dialogue.policies.generator import TrainingConversation, generate_conversations
from dialogue.policies.options import PolicyOptions, parse_options
from dialogue.policies.persistence import (
    Array,
    field,
    read_arrays,
    read_json,
    write_arrays,
    write_json,
)
from dialogue.policies.vectorize import HistoryVectorizer
from dialogue.stories import Story
from dialogue.tracker import Tracker

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

log = logging.getLogger(__name__)

FILE = "linear_policy.json"
WEIGHTS = "linear_policy.npz"


class LinearPolicyOptions(PolicyOptions):
    priority: int = 1
    max_history: int = Field(5, ge=1)
    C: float = Field(10.0, gt=0, description="Inverse regularisation strength.")
    max_iter: int = Field(1000, ge=1)
    random_seed: int = 42
    use_rules: bool = Field(False, description="Also learn from rules, not only stories.")


@dataclass(frozen=True)
class LinearModel:
    """Weights of a fitted classifier: ``coef`` is (classes or 1, features)."""

    classes: tuple[str, ...]
    coef: Array
    intercept: Array

    def probabilities(self, x: csr_matrix) -> Array:
        from scipy.special import expit, softmax

        scores = np.asarray(x @ self.coef.T, dtype=np.float64) + self.intercept
        if len(self.classes) == 2 and self.coef.shape[0] == 1:
            positive = expit(scores[:, 0])
            return np.column_stack([1.0 - positive, positive])
        return np.asarray(softmax(scores, axis=1), dtype=np.float64)


class LinearPolicy:
    """Predicts the most probable next action under a linear model of recent states."""

    name: ClassVar[str] = "LinearPolicy"

    def __init__(
        self,
        options: LinearPolicyOptions,
        vectorizer: HistoryVectorizer | None = None,
        model: LinearModel | None = None,
    ) -> None:
        self.options = options
        self.priority = options.priority
        self.vectorizer = vectorizer or HistoryVectorizer(options.max_history, ())
        self.model = model

    @property
    def highest_vote_priority(self) -> int:
        """No vote of this policy has a higher priority, nor a confidence above 1."""
        return self.priority

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        given = dict(config)
        if given.get("max_history", 0) is None:  # TED's "whole history"; a window is needed here
            given.pop("max_history")
        return cls(parse_options(LinearPolicyOptions, cls.name, given))

    def train(self, stories: Sequence[Story], domain: Domain) -> None:
        """Fit on stories (and rules with ``use_rules``); fewer than two actions: abstain."""
        from sklearn.linear_model import LogisticRegression

        histories, actions = self._examples(stories, domain)
        self.vectorizer = HistoryVectorizer.fit(histories, self.options.max_history)
        classes = sorted(set(actions))
        if len(classes) < 2:
            log.warning("%s: fewer than two actions to learn; it will abstain", self.name)
            self.model = None
            return
        classifier = LogisticRegression(
            C=self.options.C, max_iter=self.options.max_iter, random_state=self.options.random_seed
        )
        classifier.fit(self.vectorizer.transform(histories), actions)
        self.model = LinearModel(
            tuple(str(c) for c in classifier.classes_),
            np.asarray(classifier.coef_, dtype=np.float64),
            np.asarray(classifier.intercept_, dtype=np.float64),
        )

    def _examples(
        self, stories: Sequence[Story], domain: Domain
    ) -> tuple[list[tuple[State, ...]], list[str]]:
        kinds = ("story", "rule") if self.options.use_rules else ("story",)
        histories: list[tuple[State, ...]] = []
        actions: list[str] = []
        for conversation in generate_conversations(s for s in stories if s.kind in kinds):
            for states, action in training_examples(conversation.events, domain):
                history = _own_states(conversation, states)
                if history:
                    histories.append(history)
                    actions.append(action)
        return histories, actions

    def predict(self, tracker: Tracker, domain: Domain) -> PolicyPrediction:
        if self.model is None:
            return PolicyPrediction.abstain(self.name, self.priority)
        states = states_for_prediction(tracker, domain)
        probabilities = self.model.probabilities(self.vectorizer.transform([states]))[0]
        best = int(np.argmax(probabilities))
        confidence = min(1.0, float(probabilities[best]))
        return PolicyPrediction(self.model.classes[best], confidence, self.name, self.priority)

    def persist(self, directory: Path) -> None:
        model = self.model
        write_json(
            directory / FILE,
            {
                "vocabulary": list(self.vectorizer.vocabulary),
                "classes": list(model.classes) if model else None,
            },
        )
        if model is not None:
            write_arrays(directory / WEIGHTS, {"coef": model.coef, "intercept": model.intercept})

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        policy = cls.from_config(config)
        path = directory / FILE
        data = read_json(path)
        vocabulary = [str(name) for name in field(data, "vocabulary", list, path)]
        policy.vectorizer = HistoryVectorizer(policy.options.max_history, vocabulary)
        if data.get("classes") is None:
            return policy
        classes = tuple(str(name) for name in field(data, "classes", list, path))
        arrays = read_arrays(directory / WEIGHTS, ("coef", "intercept"))
        coef, intercept = arrays["coef"], arrays["intercept"]
        rows = 1 if len(classes) == 2 else len(classes)
        if coef.shape != (rows, len(vocabulary)) or intercept.shape != (rows,):
            raise PolicyLoadError(f"{directory / WEIGHTS}: weights do not fit {path.name}")
        policy.model = LinearModel(classes, coef, intercept)
        return policy


def _own_states(conversation: TrainingConversation, states: tuple[State, ...]) -> tuple[State, ...]:
    """A rule that may match anywhere says nothing about what came before it."""
    return states if conversation.conversation_start else states[1:]
