"""Errors of the NLG package.

::

    NLGError
    ├── NLGConfigError        bad ``nlg:`` options in endpoints.yml, a model or folder not found
    ├── NLGDataError          a ``data/nlg/*.jsonl`` line that is not a training example (file:line)
    └── GenerationError       a language model failed to produce a reply
        └── BackendUnavailable   a remote backend could not be reached or answered badly

    NLGConfigWarning (a UserWarning)  an option that cannot take effect; the bot still runs

A failed generation never ends the conversation: the LLM NLG sends the template instead.
"""

from __future__ import annotations


class NLGError(Exception):
    """Base of every NLG error."""


class NLGConfigError(NLGError):
    """The ``nlg:`` configuration cannot be used (the message says which option and why)."""


class NLGDataError(NLGError):
    """Fine-tuning data that cannot be used; the message names the file and line."""


class GenerationError(NLGError):
    """A language model failed to produce a reply."""


class BackendUnavailable(GenerationError):
    """A remote model server could not be reached, or answered with an error."""


class NLGConfigWarning(UserWarning):
    """An ``nlg:`` option that cannot take effect (a response the domain lacks); the bot runs."""
