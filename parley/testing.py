"""``parley test``: run test stories through the trained bot, turn by turn.

Each story is replayed with teacher forcing: the user's text goes through the
real NLU (and slot mappings), then for every expected action the policies
predict the next action from the story so far. The first turn where the bot
would do something else fails the story; the story's own events are what the
conversation continues with, so one mistake does not hide the next story.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from actions.extract import extract_slots
from actions.retrieval import selected_response, selected_response_key
from dialogue.domain import RETRIEVAL_SEPARATOR, Domain
from dialogue.events import (
    ACTION_LISTEN,
    ACTION_SESSION_START,
    ActionExecuted,
    ActiveLoop,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from dialogue.interfaces import NextActionPredictor
from dialogue.policies import predict_next
from dialogue.stories import ActionStep, ActiveLoopStep, SlotStep, Story, UserStep
from dialogue.tracker import ConversationId, Tracker
from nlu.interfaces import Entity, IntentPrediction, Interpreter, ParseResult
from nlu.payloads import parse_payload


@dataclass(frozen=True)
class TurnFailure:
    kind: str  # "intent", "entities" or "action"
    line: int | None
    expected: str
    predicted: str


@dataclass(frozen=True)
class StoryResult:
    name: str
    source: str
    failure: TurnFailure | None
    user_turns: int
    intents_correct: int
    mistakes: tuple[TurnFailure, ...] = ()
    """Every wrong turn; the story goes on with its own events after each, as in Rasa."""
    actions: tuple[tuple[str, str], ...] = ()
    """(expected, predicted) for every action of the story, ``action_listen`` included."""

    @property
    def passed(self) -> bool:
        return self.failure is None


@dataclass(frozen=True)
class StoryTester:
    domain: Domain
    interpreter: Interpreter
    policy: NextActionPredictor

    def run(self, story: Story) -> StoryResult:
        tracker = Tracker(ConversationId(f"test: {story.name}"), (), self.domain.initial_slots)
        tracker = tracker.appended(*_session_start())
        turns = correct = 0
        mistakes: list[TurnFailure] = []
        actions: list[tuple[str, str]] = []
        for step in story.steps:
            listens = isinstance(step, UserStep) and tracker.state.latest_action != ACTION_LISTEN
            tracker, failure = self._step(tracker, step)
            if isinstance(step, UserStep):
                turns += 1
                correct += failure is None or failure.kind != "intent"
            if listens or isinstance(step, ActionStep):
                expected = step.name if isinstance(step, ActionStep) else ACTION_LISTEN
                wrong = failure is not None and failure.kind == "action"
                actions.append((expected, failure.predicted if failure and wrong else expected))
            if failure is not None:
                mistakes.append(failure)
        if story.steps and tracker.state.latest_action != ACTION_LISTEN:  # the bot must wait
            tracker, failure = self._expect_action(tracker, ACTION_LISTEN, None)
            actions.append((ACTION_LISTEN, failure.predicted if failure else ACTION_LISTEN))
            mistakes += [failure] if failure is not None else []
        first = mistakes[0] if mistakes else None
        return StoryResult(
            story.name, story.source, first, turns, correct, tuple(mistakes), tuple(actions)
        )

    def _step(self, tracker: Tracker, step: object) -> tuple[Tracker, TurnFailure | None]:
        if isinstance(step, UserStep):
            return self._user(tracker, step)
        if isinstance(step, ActionStep):
            tracker, failure = self._expect_action(tracker, step.name, step.line)
            recorded = _retrieval_action(step.name, self.domain) or step.name
            return tracker.appended(ActionExecuted(name=recorded)), failure
        if isinstance(step, SlotStep):
            return tracker.appended(SlotSet(name=step.name, value=step.value)), None
        if isinstance(step, ActiveLoopStep):
            return tracker.appended(ActiveLoop(name=step.name)), None
        return tracker, None

    def _user(self, tracker: Tracker, step: UserStep) -> tuple[Tracker, TurnFailure | None]:
        if tracker.state.latest_action != ACTION_LISTEN:
            tracker, failure = self._expect_action(tracker, ACTION_LISTEN, step.line)
            tracker = tracker.appended(ActionExecuted(name=ACTION_LISTEN))
            if failure is not None:
                return tracker, failure
        parse = self._parse(step)
        failure = self._understanding_failure(step, parse)
        if failure is not None:  # the story goes on with what the user meant, as in Rasa
            parse = _gold_parse(step, parse)
        tracker = tracker.appended(UserUttered(text=step.text, parse_data=parse))
        tracker = tracker.appended(*extract_slots(self.domain, tracker.state))
        return tracker, failure

    def _understanding_failure(self, step: UserStep, parse: ParseResult) -> TurnFailure | None:
        predicted_intent = _full_intent(parse, step.intent)
        if step.intent is not None and predicted_intent != step.intent:
            predicted = predicted_intent or "(none)"
            return TurnFailure("intent", step.line, step.intent, predicted)
        if step.text is not None and _entity_set(parse.entities) != _entity_set(step.entities):
            expected, predicted = _describe(step.entities), _describe(parse.entities)
            return TurnFailure("entities", step.line, expected, predicted)
        return None

    def _parse(self, step: UserStep) -> ParseResult:
        if step.text is None:  # a plain `intent:` step: nothing to understand
            intent = IntentPrediction(step.intent or "", 1.0)
            return ParseResult(text="", intent=intent, entities=step.entities)
        payload = parse_payload(step.text, self.domain.intent_names)
        return payload or self.interpreter.parse(step.text)

    def _expect_action(
        self, tracker: Tracker, name: str, line: int | None
    ) -> tuple[Tracker, TurnFailure | None]:
        """Predict the next action; a form the story does not run is taken as having rejected."""
        step = predict_next(self.policy, tracker, self.domain, expected=name)
        predicted = step.prediction.action or ACTION_LISTEN
        if _retrieval_action(name, self.domain) == predicted:  # expected: utter_faq/<key>
            latest = step.tracker.latest_message
            predicted = (
                selected_response(latest.parse_data if latest else None, predicted) or predicted
            )
        failure = None if predicted == name else TurnFailure("action", line, name, predicted)
        return step.tracker, failure


def _gold_parse(step: UserStep, parse: ParseResult) -> ParseResult:
    """``parse`` with the story's intent (its base, for a retrieval intent) and entities."""
    intent = parse.intent
    if step.intent is not None:
        intent = IntentPrediction(step.intent.split(RETRIEVAL_SEPARATOR, 1)[0], 1.0)
    entities = step.entities if step.text is not None else parse.entities
    return replace(parse, intent=intent, entities=entities)


def _retrieval_action(name: str, domain: Domain) -> str | None:
    """``utter_faq`` for a response name ``utter_faq/ask_name`` of a retrieval action."""
    base = name.split(RETRIEVAL_SEPARATOR, 1)[0]
    return base if base != name and base in domain.retrieval_actions else None


def _full_intent(parse: ParseResult, expected: str | None) -> str | None:
    """The predicted intent; ``faq/<key>`` (with the ResponseSelector's key) when the story
    expects a retrieval intent's full name, as ``rasa test`` compares them."""
    intent = parse.intent_name
    if expected is None or RETRIEVAL_SEPARATOR not in expected or intent is None:
        return intent
    return selected_response_key(parse, intent) or intent


def _session_start() -> list[Event]:
    return [
        ActionExecuted(name=ACTION_SESSION_START),
        SessionStarted(),
        ActionExecuted(name=ACTION_LISTEN),
    ]


def _entity_set(entities: Sequence[Entity]) -> set[tuple[str, str, str | None]]:
    return {(e.entity, str(e.value), e.role) for e in entities}


def _describe(entities: Sequence[Entity]) -> str:
    parts = sorted(f"{e.entity}={e.value}" + (f"#{e.role}" if e.role else "") for e in entities)
    return ", ".join(parts) or "(none)"


def summary(results: Sequence[StoryResult]) -> dict[str, Any]:
    passed = sum(r.passed for r in results)
    turns = sum(r.user_turns for r in results)
    return {
        "stories": len(results),
        "passed": passed,
        "failed": len(results) - passed,
        "accuracy": passed / len(results) if results else 1.0,
        "user_turns": turns,
        "intent_accuracy": sum(r.intents_correct for r in results) / turns if turns else 1.0,
    }


def failure_lines(results: Sequence[StoryResult]) -> list[str]:
    lines = []
    for r in results:
        if r.failure is None:
            continue
        f = r.failure
        where = r.source.rsplit(":", 1)[0] + f":{f.line}" if f.line else r.source
        lines.append(
            f"{where}: story {r.name!r}: expected {f.kind} {f.expected!r}, "
            f"predicted {f.predicted!r}"
        )
    return lines


def write_report(results: Sequence[StoryResult], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    report = {
        "summary": summary(results),
        "stories": [
            {
                "name": r.name,
                "source": r.source,
                "passed": r.passed,
                "failure": asdict(r.failure) if r.failure else None,
            }
            for r in results
        ],
    }
    path = out / "story_report.json"
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    (out / "failed_stories.txt").write_text("\n".join(failure_lines(results)) + "\n", "utf-8")
    return path
