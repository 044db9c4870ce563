"""Build the inputs of an action from text: a domain from YAML, a conversation from events.

Tests read as "given this domain and conversation, when the action runs, then
these events come out"; :func:`described` turns events into tuples such as
``("slot", "city", "Berlin")`` so expectations need no timestamps.
"""

from __future__ import annotations

import random
import textwrap
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import yaml

from actions.errors import ActionNotFound
from actions.interfaces import ActionContext
from dialogue.domain import Domain, normalise_domain
from dialogue.events import (
    ACTION_LISTEN,
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    BotUttered,
    Event,
    FollowupAction,
    SlotSet,
    UserUttered,
    event_name,
)
from dialogue.tracker import ConversationId, Tracker
from nlg.template import TemplateNLG
from nlu.interfaces import Entity, IntentPrediction, ParseResult


def domain_from(text: str) -> Domain:
    """A domain from ``domain.yml`` text, validated as the project loader does."""
    return Domain.model_validate(normalise_domain(yaml.safe_load(textwrap.dedent(text))))


def entity(name: str, value: Any, role: str | None = None, group: str | None = None) -> Entity:
    return Entity(entity=name, value=value, role=role, group=group)


def user(intent: str | None, *entities: Entity, text: str | None = None) -> UserUttered:
    """The user's message as the NLU understood it."""
    said = text if text is not None else f"/{intent}"
    parse = ParseResult(
        text=said,
        intent=IntentPrediction(intent, 0.95) if intent else None,
        entities=entities,
    )
    return UserUttered(text=said, parse_data=parse)


def listen() -> ActionExecuted:
    return ActionExecuted(name=ACTION_LISTEN)


def ran(action: str) -> ActionExecuted:
    return ActionExecuted(name=action)


def slot(name: str, value: Any) -> SlotSet:
    return SlotSet(name=name, value=value)


def bot(text: str) -> BotUttered:
    return BotUttered(text=text)


def conversation(domain: Domain, *events: Event) -> Tracker:
    """A tracker whose slots start from the domain's initial values."""
    return Tracker(ConversationId("test-conversation"), tuple(events), domain.initial_slots)


def context(
    domain: Domain, tracker: Tracker, channel: str | None = None, seed: int = 0
) -> ActionContext:
    """What an action runs against: the conversation, the domain and its template NLG."""
    nlg = TemplateNLG(domain.responses, rng=random.Random(seed))
    return ActionContext(tracker, domain, nlg, channel)


def described(events: Iterable[Event]) -> list[tuple[Any, ...]]:
    """Events as ``(Rasa event name, key fields...)``, without timestamps."""
    result: list[tuple[Any, ...]] = []
    for event in events:
        match event:
            case SlotSet(name=name, value=value):
                result.append(("slot", name, value))
            case BotUttered(text=text):
                result.append(("bot", text))
            case ActionExecuted(name=name) | ActionExecutionRejected(name=name):
                result.append((event_name(event), name))
            case ActiveLoop(name=name) | FollowupAction(name=name):
                result.append((event_name(event), name))
            case _:
                result.append((event_name(event),))
    return result


CustomActionBody = Callable[[ActionContext], Awaitable[Sequence[Event]]]


class ProjectActions:
    """A project's custom actions, in process: each name runs an async function.

    A real :class:`~actions.interfaces.CustomActionExecutor`; ``calls`` records
    every run as ``(name, tracker)`` so tests can check what an action saw.
    """

    def __init__(self, **actions: CustomActionBody) -> None:
        self.actions = actions
        self.calls: list[tuple[str, Tracker]] = []

    def knows(self, action_name: str) -> bool:
        return action_name in self.actions

    async def run(self, action_name: str, context: ActionContext) -> Sequence[Event]:
        if action_name not in self.actions:
            raise ActionNotFound(action_name, "not one of this project's actions")
        self.calls.append((action_name, context.tracker))
        return await self.actions[action_name](context)

    async def close(self) -> None:
        return None


def saying(text: str) -> CustomActionBody:
    """A custom action that only says ``text``."""

    async def body(context: ActionContext) -> Sequence[Event]:
        return [BotUttered(text=text)]

    return body
