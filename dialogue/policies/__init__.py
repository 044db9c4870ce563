"""Dialogue policies: from a conversation's states to the next action.

``PolicyEnsemble.build(config.policies)`` creates the configured policies
(``registry.POLICIES``), ``train(stories + rules, domain)`` fits them and
``predict(tracker, domain)`` returns the winning :class:`PolicyPrediction`.
``predict_next``/``teacher_force`` replay known conversations (test stories).

The names below load on first use: importing the policy errors (as the project
loader does) must not import the policies, their featurizer or numpy.
"""

from typing import TYPE_CHECKING

from plugins import lazy_attributes

if TYPE_CHECKING:
    from dialogue.policies.ensemble import PolicyEnsemble
    from dialogue.policies.errors import (
        PolicyConfigError,
        PolicyError,
        PolicyLoadError,
        RuleContradictionError,
        TrainingDataError,
    )
    from dialogue.policies.featurize import State, states_for_prediction, training_examples
    from dialogue.policies.generator import TrainingConversation, generate_conversations
    from dialogue.policies.registry import POLICIES, UNSUPPORTED_POLICIES, TrainablePolicy
    from dialogue.policies.teacher import ActionCheck, NextAction, predict_next, teacher_force

_MODULES = {
    "POLICIES": "registry",
    "UNSUPPORTED_POLICIES": "registry",
    "ActionCheck": "teacher",
    "NextAction": "teacher",
    "PolicyConfigError": "errors",
    "PolicyEnsemble": "ensemble",
    "PolicyError": "errors",
    "PolicyLoadError": "errors",
    "RuleContradictionError": "errors",
    "State": "featurize",
    "TrainablePolicy": "registry",
    "TrainingConversation": "generator",
    "TrainingDataError": "errors",
    "generate_conversations": "generator",
    "predict_next": "teacher",
    "states_for_prediction": "featurize",
    "teacher_force": "teacher",
    "training_examples": "featurize",
}


__getattr__ = lazy_attributes(
    "dialogue.policies", {name: f"dialogue.policies.{m}" for name, m in _MODULES.items()}
)


__all__ = [
    "POLICIES",
    "UNSUPPORTED_POLICIES",
    "ActionCheck",
    "NextAction",
    "PolicyConfigError",
    "PolicyEnsemble",
    "PolicyError",
    "PolicyLoadError",
    "RuleContradictionError",
    "State",
    "TrainablePolicy",
    "TrainingConversation",
    "TrainingDataError",
    "generate_conversations",
    "predict_next",
    "states_for_prediction",
    "teacher_force",
    "training_examples",
]
