"""Which customer messages lead to which response, read from stories, rules and test stories.

A response's contexts are the texts of the user turn before it: the turn's own
text (test stories, end-to-end stories) or the NLU examples of its intent. A
response only custom actions send (an order's status) gets the messages that
lead to custom actions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from dialogue.stories import ActionStep, OrStep, Story, UserStep


def story_contexts(
    stories: Iterable[Story],
    responses: Iterable[str],
    texts_by_intent: Mapping[str, Sequence[str]],
) -> dict[str, tuple[str, ...]]:
    """Response name to customer messages, each once, in a stable spread-out order."""
    wanted = set(responses)
    found: dict[str, list[str]] = {name: [] for name in wanted}
    before_custom: list[str] = []
    for story in stories:
        said: list[str] = []
        for step in story.steps:
            if isinstance(step, (UserStep, OrStep)):
                said = _texts(step, texts_by_intent)
            elif isinstance(step, ActionStep) and said:
                if step.name in wanted:
                    found[step.name] += said
                elif step.name.startswith("action_") and step.name != "action_listen":
                    before_custom += said
    return {name: _spread(texts or before_custom) for name, texts in sorted(found.items())}


def _texts(step: UserStep | OrStep, texts_by_intent: Mapping[str, Sequence[str]]) -> list[str]:
    steps = (
        [a for a in step.alternatives if isinstance(a, UserStep)]
        if isinstance(step, OrStep)
        else [step]
    )
    texts: list[str] = []
    for user in steps:
        if user.text:
            texts.append(user.text)
        elif user.intent:
            texts += texts_by_intent.get(user.intent, ())
    return texts


def _spread(texts: Sequence[str]) -> tuple[str, ...]:
    """Each text once, ordered by a hash of it: a prefix samples every intent, reproducibly."""
    unique = dict.fromkeys(t.strip() for t in texts if t.strip())
    return tuple(sorted(unique, key=lambda t: hashlib.sha256(t.encode()).hexdigest()))
