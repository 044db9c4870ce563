"""Teacher forcing: predict each action of a known conversation from the gold history.

:func:`predict_next` mirrors how Rasa evaluates test stories with loops: when the
policies want to run the active loop but the story does something else, the loop
is taken to have rejected its execution (its validation failed), and the
prediction is made again from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dialogue.domain import Domain
from dialogue.events import ActionExecuted, ActionExecutionRejected, Event
from dialogue.interfaces import NextActionPredictor, PolicyPrediction
from dialogue.tracker import ConversationId, Tracker


@dataclass(frozen=True)
class NextAction:
    prediction: PolicyPrediction
    tracker: Tracker  # what was predicted from: the input, plus the loop's rejection if assumed


@dataclass(frozen=True)
class ActionCheck:
    expected: str
    predicted: str | None
    policy: str
    confidence: float

    @property
    def correct(self) -> bool:
        return self.expected == self.predicted


def predict_next(
    predictor: NextActionPredictor, tracker: Tracker, domain: Domain, expected: str | None = None
) -> NextAction:
    """The next action; with ``expected``, an unwanted active-loop prediction is rejected first.

    Continue the conversation from the returned tracker, so later predictions see
    the rejection as a live conversation would.
    """
    prediction = predictor.predict(tracker, domain)
    loop = tracker.state.active_loop
    if expected is None or loop is None or prediction.action != loop or expected == loop:
        return NextAction(prediction, tracker)
    rejected = tracker.appended(
        ActionExecutionRejected(
            name=loop, policy=prediction.policy, confidence=prediction.confidence
        )
    )
    return NextAction(predictor.predict(rejected, domain), rejected)


def teacher_force(
    predictor: NextActionPredictor, events: Sequence[Event], domain: Domain
) -> list[ActionCheck]:
    """Predict every ``ActionExecuted`` of ``events`` from the events before it."""
    tracker = Tracker(ConversationId("teacher-forcing"), (), domain.initial_slots)
    checks: list[ActionCheck] = []
    for event in events:
        if isinstance(event, ActionExecuted):
            step = predict_next(predictor, tracker, domain, expected=event.name)
            prediction = step.prediction
            checks.append(
                ActionCheck(event.name, prediction.action, prediction.policy, prediction.confidence)
            )
            tracker = step.tracker
        tracker = tracker.appended(event)
    return checks
