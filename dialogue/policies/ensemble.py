"""The policy ensemble: build the configured policies, train them, and pick one vote.

Selection (:meth:`PolicyEnsemble.predict`):

1. a pending ``FollowupAction`` is predicted as is;
2. after :data:`MAX_ACTIONS_WITHOUT_USER` actions since the user's latest message
   the bot listens (loop guard);
3. otherwise every policy votes; a vote for the action rejected just now is
   dropped; the highest confidence wins, ties go to the higher priority, then
   to the policy listed first;
4. below the core fallback threshold (RulePolicy's ``core_fallback_threshold``,
   0.3 by default) the core fallback action runs instead. With RulePolicy's
   ``enable_fallback_prediction: false`` there is no threshold, and the bot
   listens when no policy votes at all.

Persisted as ``ensemble.json`` (each policy's ``config.yml`` entry and folder)
plus one folder per policy.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from dialogue.domain import Domain
from dialogue.events import (
    ACTION_LISTEN,
    ActionExecuted,
    ActionExecutionRejected,
    Event,
    UserUttered,
)
from dialogue.interfaces import PolicyPrediction
from dialogue.policies.errors import PolicyConfigError, PolicyLoadError, UnsupportedPolicyWarning
from dialogue.policies.persistence import field, read_json, write_json
from dialogue.policies.registry import (
    POLICIES,
    UNSUPPORTED_POLICIES,
    TrainablePolicy,
    create_policy,
)
from dialogue.policies.rule import DEFAULT_FALLBACK_ACTION, RulePolicy
from dialogue.stories import Story
from dialogue.tracker import Tracker

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

DEFAULT_POLICIES: tuple[Mapping[str, Any], ...] = (
    {"name": "MemoizationPolicy"},
    {"name": "RulePolicy"},
    {"name": "TEDPolicy", "max_history": 5},
)
"""What Rasa trains when ``policies:`` is empty."""

DEFAULT_CORE_FALLBACK_THRESHOLD = 0.3
MAX_ACTIONS_WITHOUT_USER = 10
FORCED_PRIORITY = 100  # follow-up actions and the loop guard outrank every policy
FOLLOWUP_POLICY = "FollowupAction"
LOOP_GUARD_POLICY = "LoopGuard"
CORE_FALLBACK_POLICY = "CoreFallback"
ENSEMBLE_FILE = "ensemble.json"
FORMAT = 1


class ConfigEntry(Protocol):
    """A typed ``policies:`` entry (e.g. ``parley.project.config.ComponentConfig``)."""

    def as_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Member:
    config: Mapping[str, Any]  # the ``policies:`` entry, ``name`` included
    policy: TrainablePolicy

    @property
    def name(self) -> str:
        return str(self.config["name"])


class PolicyEnsemble:
    """The configured policies, asked together for the next action."""

    def __init__(self, members: Sequence[Member]) -> None:
        if not members:
            raise PolicyConfigError("no usable dialogue policy is configured")
        self.members = tuple(members)
        self.fallback_action, self.fallback_threshold = _core_fallback(self.members)

    @property
    def policies(self) -> tuple[TrainablePolicy, ...]:
        return tuple(member.policy for member in self.members)

    @classmethod
    def build(
        cls, policies_config: Iterable[Mapping[str, Any] | ConfigEntry] | None
    ) -> PolicyEnsemble:
        """Create the policies of ``config.yml``'s ``policies:``; empty or None: Rasa's defaults.

        Unsupported Rasa policies are skipped with a warning naming them; unknown
        names and invalid options raise :class:`PolicyConfigError`.
        """
        entries = [_as_dict(entry) for entry in policies_config or ()]
        members: list[Member] = []
        for entry in entries or [dict(d) for d in DEFAULT_POLICIES]:
            reason = UNSUPPORTED_POLICIES.get(str(entry.get("name")))
            if reason is not None:
                message = f"policy {entry['name']!r} is not supported and is skipped: {reason}"
                warnings.warn(message, UnsupportedPolicyWarning, stacklevel=2)
                continue
            members.append(Member(entry, create_policy(entry)))
        return cls(members)

    def train(
        self, stories: Sequence[Story], domain: Domain, progress: Progress | None = None
    ) -> None:
        """Train every policy on ``stories`` (stories and rules; test stories are ignored).

        ``progress`` hears one message as each policy starts training.
        """
        stories = list(stories)
        for number, member in enumerate(self.members, start=1):
            if progress is not None:
                progress(f"training {member.name} ({number}/{len(self.members)})")
            member.policy.train(stories, domain)

    def predict(self, tracker: Tracker, domain: Domain) -> PolicyPrediction:
        """The next action for ``tracker`` (see the module docstring for how it is chosen)."""
        state = tracker.state
        if state.followup_action is not None:
            return PolicyPrediction(state.followup_action, 1.0, FOLLOWUP_POLICY, FORCED_PRIORITY)
        if _actions_since_user(tracker.applied) >= MAX_ACTIONS_WITHOUT_USER:
            log.warning("%d actions without user input; listening", MAX_ACTIONS_WITHOUT_USER)
            return PolicyPrediction(ACTION_LISTEN, 1.0, LOOP_GUARD_POLICY, FORCED_PRIORITY)
        best = self._best_vote(tracker, domain, _rejected_action(tracker.applied))
        if best is not None and best[1].confidence >= self.fallback_threshold:
            return best[1]
        if self.fallback_threshold == 0.0:  # fallback disabled, and nobody voted
            return PolicyPrediction(ACTION_LISTEN, 0.0, CORE_FALLBACK_POLICY, 0)
        confidence = best[1].confidence if best else 0.0
        return PolicyPrediction(self.fallback_action, confidence, CORE_FALLBACK_POLICY, 0)

    def _best_vote(
        self, tracker: Tracker, domain: Domain, rejected: str | None
    ) -> tuple[int, PolicyPrediction] | None:
        """The winning vote and its member's index. Members are asked in order, and the
        asking stops once no later member could win: the best vote has full confidence
        and a priority no later member's votes can exceed (a rule's answer spares the
        learned policy's forward pass; the winner is the one asking all would give)."""
        best: tuple[int, PolicyPrediction] | None = None
        for index, member in enumerate(self.members):
            if best is not None and _unbeatable(best[1], self._ceilings[index]):
                break
            vote = member.policy.predict(tracker, domain)
            if vote.action is None or vote.action == rejected:
                continue
            if best is None or (vote.confidence, vote.priority) > (
                best[1].confidence,
                best[1].priority,
            ):
                best = (index, vote)
        return best

    @cached_property
    def _ceilings(self) -> tuple[float, ...]:
        """For each member, the highest priority that it or a later member can vote with
        (infinite from a policy that does not declare ``highest_vote_priority``)."""
        ceilings: list[float] = []
        highest = float("-inf")
        for member in reversed(self.members):
            declared = getattr(member.policy, "highest_vote_priority", None)
            highest = max(highest, float("inf") if declared is None else float(declared))
            ceilings.append(highest)
        return tuple(reversed(ceilings))

    def persist(self, directory: Path) -> None:
        """Write ``ensemble.json`` and one folder per policy under ``directory``."""
        index = []
        for number, member in enumerate(self.members):
            folder = f"{number}_{member.name}"
            member.policy.persist(directory / folder)
            index.append({"config": dict(member.config), "directory": folder})
        write_json(directory / ENSEMBLE_FILE, {"format": FORMAT, "policies": index})

    @classmethod
    def load(cls, directory: Path) -> PolicyEnsemble:
        """Load what :meth:`persist` wrote; a missing or damaged file is a PolicyLoadError."""
        path = directory / ENSEMBLE_FILE
        data = read_json(path)
        if data.get("format") != FORMAT:
            raise PolicyLoadError(f"{path}: unsupported ensemble format {data.get('format')!r}")
        members = [
            _load_member(item, directory, path) for item in field(data, "policies", list, path)
        ]
        return cls(members)


def _as_dict(entry: Mapping[str, Any] | ConfigEntry) -> dict[str, Any]:
    return dict(entry) if isinstance(entry, Mapping) else entry.as_dict()


def _load_member(item: Any, directory: Path, path: Path) -> Member:
    if not isinstance(item, Mapping):
        raise PolicyLoadError(f"{path}: damaged ensemble file (a policy entry is not an object)")
    config = field(item, "config", dict, path)
    folder = field(item, "directory", str, path)
    name = str(config.get("name"))
    if name not in POLICIES:
        raise PolicyLoadError(f"{path}: unknown policy {name!r}; known: {', '.join(POLICIES)}")
    return Member(config, POLICIES.get(name).load(config, directory / folder))


def _core_fallback(members: Sequence[Member]) -> tuple[str, float]:
    rule_policy = next((m.policy for m in members if isinstance(m.policy, RulePolicy)), None)
    if rule_policy is None:
        return DEFAULT_FALLBACK_ACTION, DEFAULT_CORE_FALLBACK_THRESHOLD
    options = rule_policy.options
    threshold = options.core_fallback_threshold if options.enable_fallback_prediction else 0.0
    return options.core_fallback_action_name, threshold


def _actions_since_user(events: Sequence[Event]) -> int:
    count = 0
    for event in reversed(events):
        if isinstance(event, UserUttered):
            break
        count += isinstance(event, ActionExecuted) and event.name != ACTION_LISTEN
    return count


def _unbeatable(best: PolicyPrediction, ceiling: float) -> bool:
    """No vote of the members still to ask can beat ``best``: the policies that declare
    a ceiling vote with confidences of at most 1, and an equal vote of a later member
    loses the tie."""
    return best.confidence >= 1.0 and best.priority >= ceiling


def _rejected_action(events: Sequence[Event]) -> str | None:
    """The action that just refused to run, if the latest action event is a rejection."""
    latest = next(
        (e for e in reversed(events) if isinstance(e, ActionExecuted | ActionExecutionRejected)),
        None,
    )
    return latest.name if isinstance(latest, ActionExecutionRejected) else None
