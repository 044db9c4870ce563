"""Other ways to tell unknown intents apart, scored on the held-out-intent protocol.

``bench/nlu_banking77.py --held-out-intents --scores`` trains the classifier without the
held-out intents and, besides the calibrated confidence that ``FallbackClassifier`` reads,
scores every test message with scores proposed for out-of-distribution detection: the largest
logit, the energy (log-sum-exp of the logits), the lead of the top intent, and the cosine
similarity of the message's sentence vector to the nearest training message (of any intent,
and of the predicted intent). For each score it prints the share of unknown-intent messages
refused when at most 1, 2 or 3 points of known-intent accuracy may be lost (a refused known
message that was classified wrong costs nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nlu import TrainingExample
from nlu.interfaces import Message
from nlu.pipeline import NLUPipeline

CHUNK = 256
POINTS = (0.01, 0.02, 0.03)


def _vectors(nlu: NLUPipeline, examples: Sequence[TrainingExample]) -> tuple[Any, Any, Any]:
    """The classifier's logits, confidences and unit sentence vectors for ``examples``."""
    from nlu.components.joint_inputs import PreparedInputs

    *before, (_, last) = nlu.steps
    classifier: Any = last  # the joint classifier, trained without a FallbackClassifier
    logits, vectors = [], []
    for begin in range(0, len(examples), CHUNK):
        messages = [Message(text=e.text) for e in examples[begin : begin + CHUNK]]
        for _, component in before:
            component.process(messages)
        batch = PreparedInputs.build(messages, classifier.inputs).batch(range(len(messages)))
        sentences = classifier.network.sentence_vectors(batch)
        logits.append(classifier.head.logits(batch.sentence_sparse, sentences))
        vectors.append(sentences / np.linalg.norm(sentences, axis=1, keepdims=True))
    stacked = np.concatenate(logits)
    return stacked, classifier._confidences(stacked), np.concatenate(vectors)


def _recall_within(score: np.ndarray, right: np.ndarray, unknown: np.ndarray) -> list[float]:
    """The most unknown messages refused (score below a threshold) at each of ``POINTS``."""
    base = right[~unknown].mean()
    best = [0.0] * len(POINTS)
    for threshold in np.unique(np.quantile(score, np.linspace(0, 1, 501))):
        kept = score >= threshold
        accuracy = (right & kept)[~unknown].mean()
        refused = float((~kept)[unknown].mean())
        for i, points in enumerate(POINTS):
            if accuracy >= base - points:
                best[i] = max(best[i], refused)
    return [round(b, 4) for b in best]


def scope_scores(
    nlu: NLUPipeline, train: Sequence[TrainingExample], test: Sequence[TrainingExample]
) -> dict[str, Any]:
    """Unknown-intent recall at 1/2/3 points of known-intent accuracy, for each score."""
    classifier: Any = nlu.steps[-1][1]
    labels = list(classifier.labels)
    _, _, train_vectors = _vectors(nlu, train)
    train_gold = np.asarray([labels.index(e.intent) for e in train])
    logits, confidences, vectors = _vectors(nlu, test)
    predicted = logits.argmax(1)
    gold = [e.intent for e in test]
    unknown = np.asarray([g not in labels for g in gold])
    right = np.asarray([labels[p] == g for p, g in zip(predicted, gold, strict=True)])
    similarity = vectors @ train_vectors.T
    same_intent = np.where(train_gold[None, :] == predicted[:, None], similarity, -1.0)
    ordered = np.sort(confidences, axis=1)
    shifted = logits - logits.max(1, keepdims=True)
    scores = {
        "confidence": ordered[:, -1],
        "lead_over_second": ordered[:, -1] - ordered[:, -2],
        "max_logit": logits.max(1),
        "energy": logits.max(1) + np.log(np.exp(shifted).sum(1)),
        "nearest_training_message": similarity.max(1),
        "nearest_of_predicted_intent": same_intent.max(1),
    }
    return {
        "points": list(POINTS),
        "unknown_recall": {n: _recall_within(s, right, unknown) for n, s in scores.items()},
    }
