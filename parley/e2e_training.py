"""End-to-end stories: what ``- user: <text>`` steps teach the NLU model and the policies.

* A ``user:`` step that also names its ``intent:`` is one more NLU training example
  (:func:`story_examples`), as Rasa adds such turns to the NLU data.
* A ``user:`` step without an intent gets, for the policies, the intent the trained NLU
  model gives its text (:func:`with_understood_texts`): at run time the policies see that
  intent for the same words, so training and prediction see the same conversation.
  The stories also stay as written, read by their words (:func:`for_policies`): the
  intent alone cannot tell "my name is joe" from "my name is bob", and a policy that
  reads text (TEDPolicy) predicts from both readings, as Rasa's TED does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from dialogue.stories import OrStep, Step, Story, UserStep
from nlu.interfaces import Interpreter, TrainingData, TrainingExample


def story_examples(stories: Sequence[Story]) -> TrainingData:
    """The ``user:`` steps with an ``intent:`` of training stories and rules, as examples."""
    examples = [
        TrainingExample(step.text, step.intent, step.entities, source=_source(story, step))
        for story in stories
        for step in story.steps
        if isinstance(step, UserStep) and step.text and step.intent
    ]
    return TrainingData(examples=tuple(examples))


def has_untagged_texts(stories: Sequence[Story]) -> bool:
    return any(_untagged(step) for story in stories for step in story.steps)


def with_understood_texts(stories: Sequence[Story], interpreter: Interpreter) -> list[Story]:
    """``stories`` with each intent-less ``user:`` step given the NLU model's intent."""
    return [
        replace(story, steps=tuple(_understood(step, interpreter) for step in story.steps))
        if any(_untagged(step) for step in story.steps)
        else story
        for story in stories
    ]


def for_policies(stories: Sequence[Story], interpreter: Interpreter) -> list[Story]:
    """What the policies learn from: every story and rule with understood intents, plus
    the stories with intent-less ``user:`` text once more as written (never rules: a rule
    step without an intent would match any intent)."""
    as_written = [s for s in stories if s.kind == "story" and has_untagged_texts([s])]
    return [*with_understood_texts(stories, interpreter), *as_written]


def _understood(step: Step, interpreter: Interpreter) -> Step:
    if isinstance(step, UserStep) and _untagged(step):
        assert step.text is not None
        return replace(step, intent=interpreter.parse(step.text).intent_name)
    if isinstance(step, OrStep):
        alternatives = tuple(_understood(a, interpreter) for a in step.alternatives)
        return replace(step, alternatives=alternatives)  # type: ignore[arg-type]
    return step


def _untagged(step: Step) -> bool:
    return isinstance(step, UserStep) and step.intent is None and bool(step.text)


def _source(story: Story, step: UserStep) -> str:
    path = story.source.rsplit(":", 1)[0]
    return f"{path}:{step.line}" if step.line is not None else story.source
