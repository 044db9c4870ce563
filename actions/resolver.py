"""Find the action behind a name: built-in, response, form, or custom."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from actions.builtins import (
    ActionBack,
    ActionDeactivateLoop,
    ActionDefaultFallback,
    ActionListen,
    ActionNoop,
    ActionRestart,
    ActionSessionStart,
    UtterAction,
)
from actions.errors import ActionNotFound
from actions.form_recovery import ActionFormExit
from actions.forms import FormAction
from actions.interfaces import Action, ActionContext, CustomActionExecutor
from actions.retrieval import EndToEndUtterance, RetrievalAction
from dialogue.domain import Domain
from dialogue.events import Event

_BUILTINS: dict[str, Action] = {
    a.name: a
    for a in (
        ActionListen(),
        ActionRestart(),
        ActionSessionStart(),
        ActionDefaultFallback(),
        ActionDeactivateLoop(),
        ActionBack(),
        ActionFormExit(),
        ActionNoop("action_unlikely_intent"),
        ActionNoop("action_revert_fallback_events"),
        ActionNoop("action_extract_slots"),
    )
}
_FALLBACK_ALIASES = (
    "action_two_stage_fallback",
    "action_default_ask_affirmation",
    "action_default_ask_rephrase",
)


@dataclass(frozen=True)
class CustomAction:
    name: str
    executor: CustomActionExecutor

    async def run(self, context: ActionContext) -> Sequence[Event]:
        return await self.executor.run(self.name, context)


@dataclass(frozen=True)
class ActionResolver:
    domain: Domain
    executor: CustomActionExecutor

    def resolve(self, name: str) -> Action:
        """The action to run for ``name``; raises :class:`ActionNotFound` for unknown names.

        Order: a response or a retrieval action (``utter_faq`` for responses
        ``utter_faq/<key>``; unless the executor implements that name), a form, a
        custom action listed in the domain's ``actions`` (which may override a
        default action, as in Rasa), a default action, any other action the
        executor knows, an ``utter_*`` name without a response (which says
        nothing), and the text of an end-to-end ``bot:`` step of the training data.
        """
        if name in self.domain.responses and not self.executor.knows(name):
            return UtterAction(name)
        if name in self.domain.retrieval_actions and not self.executor.knows(name):
            return RetrievalAction(name)
        if name in self.domain.forms:
            return FormAction(name, self.executor)
        if name in self.domain.actions:
            return CustomAction(name, self.executor)
        if name in _BUILTINS:
            return _BUILTINS[name]
        if name in _FALLBACK_ALIASES:
            return ActionDefaultFallback()
        if self.executor.knows(name):
            return CustomAction(name, self.executor)
        if name.startswith("utter_"):
            return UtterAction(name)
        if name in self.domain.e2e_actions:
            return EndToEndUtterance(name)
        raise ActionNotFound(name, "not a response, form, default or custom action of the domain")
