"""The policies ``config.yml`` may name, and the Rasa policies Parley knows but skips.

``POLICIES`` maps each config name to a policy class, imported when first named:
``TEDPolicy`` is the transformer policy, ``LinearPolicy`` the logistic regression
that stood in for it. Names in :data:`UNSUPPORTED_POLICIES` are skipped with a
warning by the ensemble; any other unknown name is a :class:`PolicyConfigError`
listing the known ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, Self

from dialogue.interfaces import Policy
from dialogue.policies.errors import PolicyConfigError
from plugins import Registry, UnknownPluginError


class TrainablePolicy(Policy, Protocol):
    """A :class:`Policy` the ensemble can create from its ``policies:`` entry."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        """A fresh, untrained policy; invalid options raise :class:`PolicyConfigError`."""
        ...


POLICIES: Registry[type[TrainablePolicy]] = Registry("policy")
POLICIES.add_lazy("RulePolicy", "dialogue.policies.rule:RulePolicy")
POLICIES.add_lazy("MemoizationPolicy", "dialogue.policies.memoization:MemoizationPolicy")
POLICIES.add_lazy(
    "AugmentedMemoizationPolicy", "dialogue.policies.memoization:AugmentedMemoizationPolicy"
)
POLICIES.add_lazy("LinearPolicy", "dialogue.policies.linear:LinearPolicy")
POLICIES.add_lazy("TEDPolicy", "dialogue.policies.ted:TEDPolicy")

UNSUPPORTED_POLICIES: Mapping[str, str] = {
    "UnexpecTEDIntentPolicy": "Parley does not predict action_unlikely_intent",
    "FormPolicy": "removed in Rasa 3; RulePolicy runs forms",
    "MappingPolicy": "removed in Rasa 3; write rules instead",
    "FallbackPolicy": "removed in Rasa 3; RulePolicy's core fallback replaces it",
    "TwoStageFallbackPolicy": "removed in Rasa 3; use rules with action_two_stage_fallback",
}


def create_policy(config: Mapping[str, Any]) -> TrainablePolicy:
    """Create the policy a ``policies:`` entry names (``{"name": ..., **options}``)."""
    name = config.get("name")
    if not isinstance(name, str) or not name:
        raise PolicyConfigError(f"a policies entry has no name: {dict(config)!r}")
    try:
        cls = POLICIES.get(name)
    except UnknownPluginError as e:
        raise PolicyConfigError(str(e)) from e
    return cls.from_config(config)
