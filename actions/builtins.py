"""Actions every assistant has: listening, responses, restarts, sessions and fallback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from actions.interfaces import ActionContext
from dialogue.domain import REQUESTED_SLOT, SESSION_START_METADATA_SLOT
from dialogue.events import (
    ACTION_LISTEN,
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
)
from nlg.interfaces import BotMessage

DEFAULT_FALLBACK_TEXT = "Sorry, I didn't get that. Could you rephrase?"


def bot_event(message: BotMessage) -> BotUttered:
    """The ``bot`` event for ``message``; its metadata names the response it came from."""
    metadata = dict(message.metadata)
    if message.response is not None:
        metadata.setdefault("utter_action", message.response)
    return BotUttered(text=message.text, data=message.to_event_data(), metadata=metadata)


async def utter(context: ActionContext, response: str) -> list[Event]:
    """Render ``response`` for this conversation; nothing if the domain has no such response."""
    message = await context.nlg.generate(response, context.tracker, context.channel)
    return [bot_event(message)] if message is not None else []


@dataclass(frozen=True)
class UtterAction:
    """``utter_*``: send the response of the same name."""

    name: str

    async def run(self, context: ActionContext) -> Sequence[Event]:
        return await utter(context, self.name)


@dataclass(frozen=True)
class ActionListen:
    name: str = ACTION_LISTEN

    async def run(self, context: ActionContext) -> Sequence[Event]:
        return []


@dataclass(frozen=True)
class ActionRestart:
    name: str = "action_restart"

    async def run(self, context: ActionContext) -> Sequence[Event]:
        return [*await utter(context, "utter_restart"), Restarted()]


@dataclass(frozen=True)
class ActionSessionStart:
    """Start a new session, carrying slots over when ``session_config`` says so."""

    name: str = "action_session_start"

    async def run(self, context: ActionContext) -> Sequence[Event]:
        events: list[Event] = [SessionStarted()]
        if context.domain.session_config.carry_over_slots_to_new_session:
            initial = context.domain.initial_slots
            events += [
                SlotSet(name=name, value=value)
                for name, value in context.tracker.slots.items()
                if name not in (REQUESTED_SLOT, SESSION_START_METADATA_SLOT)
                and value != initial.get(name)
            ]
        return [*events, ActionExecuted(name=ACTION_LISTEN)]


@dataclass(frozen=True)
class ActionDefaultFallback:
    """Say ``utter_default`` (or a built-in text) and forget the misunderstood message."""

    name: str = "action_default_fallback"

    async def run(self, context: ActionContext) -> Sequence[Event]:
        said = await utter(context, "utter_default")
        if not said:
            said = [bot_event(BotMessage(text=DEFAULT_FALLBACK_TEXT, response="utter_default"))]
        return [*said, UserUtteranceReverted()]


@dataclass(frozen=True)
class ActionDeactivateLoop:
    name: str = "action_deactivate_loop"

    async def run(self, context: ActionContext) -> Sequence[Event]:
        return [ActiveLoop(name=None), SlotSet(name=REQUESTED_SLOT, value=None)]


@dataclass(frozen=True)
class ActionBack:
    """Undo the user's last message and the one before it (the ``/back`` intent)."""

    name: str = "action_back"

    async def run(self, context: ActionContext) -> Sequence[Event]:
        return [
            *await utter(context, "utter_back"),
            UserUtteranceReverted(),
            UserUtteranceReverted(),
        ]


@dataclass(frozen=True)
class ActionNoop:
    """A default action that changes nothing here (e.g. ``action_unlikely_intent``)."""

    name: str

    async def run(self, context: ActionContext) -> Sequence[Event]:
        return []


TURN_ENDING_ACTIONS = frozenset(
    {
        ACTION_LISTEN,
        "action_default_fallback",
        "action_restart",
        "action_session_start",
        "action_back",
        "action_form_exit",
    }
)
"""After these the bot waits for the user, whatever the policies would say."""
