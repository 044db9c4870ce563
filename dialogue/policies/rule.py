"""RulePolicy: rules, loops (forms) and Rasa's default behaviours, with full confidence.

Each prediction tries, in order:

1. default intents right after the user spoke: ``restart`` → ``action_restart``,
   ``back`` → ``action_back``, ``session_start`` → ``action_session_start``;
2. the active loop's happy path: unless the loop rejected its execution this turn,
   predict the loop, or ``action_listen`` right after the loop ran;
3. rules: the most specific rule key matching the end of the conversation. Inside
   an active loop, a general rule that would now listen hands back to the loop
   (unless a story says otherwise), and the loop is not re-predicted in the turn
   it rejected;
4. a form's default unhappy paths (``FormRecovery``) when no rule covers the
   message it rejected: an exit intent runs ``action_form_exit``; another
   message is answered with ``utter_<intent>`` or the form's
   ``side_question_response`` (an answer intent the form could not use first with
   its ``unclear_answer_response``), and then the form asks again. After a rule
   answered an exit intent, the form is left (``action_form_exit``). These votes
   have full confidence but priority :data:`RECOVERY_PRIORITY`: a memorised story
   (MemoizationPolicy, priority 3) wins, a learned policy's guess does not;
5. defaults: ``nlu_fallback`` → the core fallback action; a fresh conversation
   listens;
6. otherwise, when ``enable_fallback_prediction``, the core fallback action with
   confidence ``core_fallback_threshold``, which any more confident policy beats.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import Field

from dialogue.domain import ACTION_FORM_EXIT, FORM_EXIT_QUESTION, REQUESTED_SLOT, Domain, Form
from dialogue.events import (
    ACTION_LISTEN,
    ACTION_SESSION_START,
    ActionExecuted,
    ActionExecutionRejected,
    Event,
    LoopInterrupted,
    UserUttered,
)
from dialogue.interfaces import PolicyPrediction
from dialogue.policies.errors import PolicyLoadError, TrainingDataError
from dialogue.policies.featurize import State, states_for_prediction
from dialogue.policies.generator import generate_conversations
from dialogue.policies.options import PolicyOptions, parse_options
from dialogue.policies.persistence import read_json, write_json
from dialogue.policies.rule_lookup import RuleKey, RuleLookup
from dialogue.stories import OrStep, Story, UserStep
from dialogue.tracker import Tracker
from nlu.interfaces import INTENT_NLU_FALLBACK

log = logging.getLogger(__name__)

DEFAULT_FALLBACK_ACTION = "action_default_fallback"
DEFAULT_INTENT_ACTIONS: Mapping[str, str] = {
    "restart": "action_restart",
    "back": "action_back",
    "session_start": ACTION_SESSION_START,
}
FILE = "rule_policy.json"
RECOVERY_PRIORITY = 2


class RulePolicyOptions(PolicyOptions):
    priority: int = 6
    core_fallback_threshold: float = Field(0.3, ge=0.0, le=1.0)
    core_fallback_action_name: str = DEFAULT_FALLBACK_ACTION
    enable_fallback_prediction: bool = True
    restrict_rules: bool = True
    check_for_contradictions: bool = True


@dataclass(frozen=True)
class _Vote:
    action: str
    events: tuple[Event, ...] = ()
    priority: int | None = None  # the policy's own unless given


@dataclass(frozen=True)
class _Situation:
    """What the decision steps need to know about the conversation now."""

    states: tuple[State, ...]
    user_spoke: bool  # a user message came after the latest action
    intent: str | None
    loop: str | None
    loop_rejected: bool  # the active loop rejected its execution since the user spoke
    loop_interrupted: bool
    exit_question: bool  # the active form asked "shall I stop?"

    @property
    def now(self) -> State:
        return self.states[-1]

    @classmethod
    def of(cls, tracker: Tracker, domain: Domain) -> _Situation:
        state = tracker.state
        return cls(
            states=states_for_prediction(tracker, domain),
            user_spoke=_user_spoke(tracker.applied),
            intent=state.intent,
            loop=state.active_loop,
            loop_rejected=_rejected_this_turn(tracker.applied, state.active_loop),
            loop_interrupted=state.loop_interrupted,
            exit_question=state.slots.get(REQUESTED_SLOT) == FORM_EXIT_QUESTION,
        )


def _user_spoke(events: Sequence[Event]) -> bool:
    latest = next(
        (e for e in reversed(events) if isinstance(e, ActionExecuted | UserUttered)), None
    )
    return isinstance(latest, UserUttered)


def _rejected_this_turn(events: Sequence[Event], loop: str | None) -> bool:
    if loop is None:
        return False
    for event in reversed(events):
        if isinstance(event, ActionExecutionRejected) and event.name == loop:
            return True
        if isinstance(event, UserUttered) or (
            isinstance(event, ActionExecuted) and event.name == loop
        ):
            return False
    return False


class RulePolicy:
    """Predicts what rules, loops and default behaviours dictate; abstains otherwise."""

    name: ClassVar[str] = "RulePolicy"

    def __init__(self, options: RulePolicyOptions, lookup: RuleLookup | None = None) -> None:
        self.options = options
        self.priority = options.priority
        self.lookup = lookup or RuleLookup((), ())

    @property
    def highest_vote_priority(self) -> int:
        """No vote of this policy has a higher priority, nor a confidence above 1."""
        return max(self.priority, RECOVERY_PRIORITY)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        return cls(parse_options(RulePolicyOptions, cls.name, config))

    def train(self, stories: Sequence[Story], domain: Domain) -> None:
        """Learn rule keys from rules, and loop hints from rules and stories.

        Raises :class:`RuleContradictionError` naming both rules' sources when two
        rules predict different actions after the same states.
        """
        rules = [s for s in stories if s.is_rule]
        if self.options.restrict_rules:
            _check_one_user_turn(rules)
        training = [s for s in stories if s.kind in ("rule", "story")]
        conversations = generate_conversations(training)
        check = self.options.check_for_contradictions
        self.lookup = RuleLookup.build(conversations, domain, check=check)

    def predict(self, tracker: Tracker, domain: Domain) -> PolicyPrediction:
        situation = _Situation.of(tracker, domain)
        vote = (
            self._default_intent(situation)
            or self._loop_happy_path(situation)
            or self._rules(situation, domain)
            or _loop_recovery(situation, domain)
            or self._defaults(situation)
        )
        if vote is not None:
            priority = self.priority if vote.priority is None else vote.priority
            return PolicyPrediction(vote.action, 1.0, self.name, priority, vote.events)
        if self.options.enable_fallback_prediction:
            fallback = self.options.core_fallback_action_name
            threshold = self.options.core_fallback_threshold
            return PolicyPrediction(fallback, threshold, self.name, self.priority)
        return PolicyPrediction.abstain(self.name, self.priority)

    def _default_intent(self, situation: _Situation) -> _Vote | None:
        action = DEFAULT_INTENT_ACTIONS.get(situation.intent or "")
        return _Vote(action) if action is not None and situation.user_spoke else None

    def _loop_happy_path(self, situation: _Situation) -> _Vote | None:
        if situation.loop is None or situation.loop_rejected:
            return None
        if situation.now.prev_action == situation.loop:
            return _Vote(ACTION_LISTEN)
        return _Vote(situation.loop, self._loop_events(situation))

    def _loop_events(self, situation: _Situation) -> tuple[Event, ...]:
        """Tell the loop whether the user's latest message answers its question."""
        if not situation.user_spoke:
            return ()
        if "interrupted" in self.lookup.verdicts(situation.states):
            return () if situation.loop_interrupted else (LoopInterrupted(is_interrupted=True),)
        return (LoopInterrupted(is_interrupted=False),) if situation.loop_interrupted else ()

    def _rules(self, situation: _Situation, domain: Domain) -> _Vote | None:
        key = self.lookup.best(situation.states)
        if key is None:
            return None
        if situation.loop is None:
            return _Vote(key.action)
        return self._rule_inside_loop(situation, key, domain)

    def _rule_inside_loop(
        self, situation: _Situation, key: RuleKey, domain: Domain
    ) -> _Vote | None:
        loop = situation.loop or ""
        if key.action == ACTION_LISTEN and key.states[-1].active_loop is None:
            # a general rule has answered an interruption; rules rarely say "back to the
            # form", so that is implied unless a story continues differently
            if "no_loop" in self.lookup.verdicts(situation.states):
                return None
            form = domain.forms.get(loop)
            if form is not None and situation.intent in _exits(form):
                return _Vote(ACTION_FORM_EXIT, priority=RECOVERY_PRIORITY)
            return _Vote(loop)
        if key.action == loop and situation.loop_rejected and situation.user_spoke:
            return None
        return _Vote(key.action)

    def _defaults(self, situation: _Situation) -> _Vote | None:
        fallback = self.options.core_fallback_action_name
        if situation.user_spoke and situation.intent == INTENT_NLU_FALLBACK:
            return _Vote(fallback)
        if len(situation.states) == 1 and not situation.user_spoke:
            return _Vote(ACTION_LISTEN)
        return None

    def persist(self, directory: Path) -> None:
        write_json(directory / FILE, self.lookup.to_json())

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        path = directory / FILE
        data = read_json(path)
        try:
            lookup = RuleLookup.from_json(data)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise PolicyLoadError(f"{path}: damaged rule policy file ({e!r})") from e
        return cls(parse_options(RulePolicyOptions, cls.name, config), lookup)


def _exits(form: Form) -> tuple[str, ...]:
    return (*form.recovery.exit_intents, *form.recovery.handoff_intents)


def _loop_recovery(situation: _Situation, domain: Domain) -> _Vote | None:
    """What a form does by default with a message it rejected and no rule covers."""
    if situation.now.prev_action == ACTION_FORM_EXIT:
        return _Vote(ACTION_LISTEN)
    form = domain.forms.get(situation.loop or "")
    if form is None or not situation.loop_rejected:
        return None
    answers: tuple[str, ...] = (f"utter_{situation.intent}", form.recovery.side_question_response)
    if situation.intent in domain.answer_intents(form):  # meant as an answer, but unusable
        answers = (form.recovery.unclear_answer_response, *answers)
    if not situation.user_spoke:  # the side question is answered: back to the form
        answered = situation.now.prev_action in answers
        return _Vote(situation.loop or "", priority=RECOVERY_PRIORITY) if answered else None
    if situation.intent in _exits(form) or situation.exit_question:
        return _Vote(ACTION_FORM_EXIT, priority=RECOVERY_PRIORITY)
    answer = next((name for name in answers if name in domain.responses), None)
    return _Vote(answer, priority=RECOVERY_PRIORITY) if answer is not None else None


def _check_one_user_turn(rules: Sequence[Story]) -> None:
    for rule in rules:
        turns = sum(
            isinstance(step, UserStep)
            or (
                isinstance(step, OrStep) and any(isinstance(a, UserStep) for a in step.alternatives)
            )
            for step in rule.steps
        )
        if turns > 1:
            raise TrainingDataError(
                f"{rule.source}: rule {rule.name!r} has {turns} user turns; rules may have "
                "one (write a story, or set `restrict_rules: false` for RulePolicy)"
            )
