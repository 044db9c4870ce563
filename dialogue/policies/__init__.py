"""Dialogue policies: from a conversation's states to the next action.

``PolicyEnsemble.build(config.policies)`` creates the configured policies
(``registry.POLICIES``), ``train(stories + rules, domain)`` fits them and
``predict(tracker, domain)`` returns the winning :class:`PolicyPrediction`.
``predict_next``/``teacher_force`` replay known conversations (test stories).
"""

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
