"""Errors raised by the dialogue policies.

Every error this package raises on purpose derives from :class:`PolicyError`,
itself a :class:`dialogue.errors.DialogueError`::

    PolicyError
    ├── PolicyConfigError        a ``policies:`` entry is unusable: unknown name, bad option
    ├── TrainingDataError        stories or rules cannot be turned into conversations
    │   └── RuleContradictionError  two rules predict different actions in the same situation
    └── PolicyLoadError          a persisted ensemble or policy file is missing or damaged
"""

from __future__ import annotations

from dialogue.errors import DialogueError


class PolicyError(DialogueError):
    """Base of every error the policies raise on purpose."""


class PolicyConfigError(PolicyError, ValueError):
    """A policy entry of ``config.yml`` names an unknown policy or holds an invalid option."""


class TrainingDataError(PolicyError):
    """Stories or rules break a structural rule (e.g. a checkpoint inside a rule)."""


class RuleContradictionError(TrainingDataError):
    """Rules disagree about the next action; the message names every pair and their sources."""


class PolicyLoadError(PolicyError):
    """A persisted policy cannot be read back; the message names the file."""


class UnsupportedPolicyWarning(UserWarning):
    """A Rasa policy Parley does not have is named in ``config.yml`` and is skipped."""
