"""Human hand-off: see which conversations wait for a person, and hand them back to the bot.

An action that hands a conversation to a person appends ``pause``
(:class:`~dialogue.events.ConversationPaused`); from then on the agent stores the
user's messages but does not answer. A person (or their help-desk tool) releases
the conversation through this API, which appends ``resume``
(:class:`~dialogue.events.ConversationResumed`); the bot answers the next message.

=====  =============================================  ===================================
GET    ``/conversations/{id}/handoff``                ``{"conversation_id", "paused"}``
POST   ``/conversations/{id}/handoff/release``        resume the bot; ``released`` says
                                                      whether the conversation was paused
=====  =============================================  ===================================
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from dialogue.events import ACTION_LISTEN, ActionExecuted, ConversationResumed, UserUttered
from dialogue.tracker import ConversationId
from parley.interfaces import Agent

log = logging.getLogger(__name__)

ConversationPath = Annotated[str, Path(description="The conversation (sender) id.")]


class HandoffState(BaseModel):
    conversation_id: str
    paused: bool = Field(description="True while a person, not the bot, answers this user.")


class Released(HandoffState):
    released: bool = Field(description="False if the conversation was not paused.")


def handoff_routes(agent: Agent) -> APIRouter:
    router = APIRouter(prefix="/conversations/{conversation_id}/handoff", tags=["handoff"])

    @router.get("", summary="Is the conversation with a person?")
    async def handoff_state(conversation_id: ConversationPath) -> HandoffState:
        """Whether the bot is paused for this conversation."""
        tracker = await agent.tracker(ConversationId(conversation_id))
        return HandoffState(conversation_id=conversation_id, paused=tracker.state.paused)

    @router.post("/release", summary="Hand the conversation back to the bot")
    async def release(conversation_id: ConversationPath) -> Released:
        """Append ``resume`` to a paused conversation; the bot answers its next message."""
        conversation = ConversationId(conversation_id)
        paused = await agent.tracker(conversation)
        if not paused.state.paused:
            return Released(conversation_id=conversation_id, paused=False, released=False)
        # Messages a person answered got no bot turn; a listen closes them off so the
        # policies see the next message in the usual shape.
        unanswered = bool(paused.events) and isinstance(paused.events[-1], UserUttered)
        listen = [ActionExecuted(name=ACTION_LISTEN)] if unanswered else []
        tracker = await agent.append_events(conversation, [*listen, ConversationResumed()])
        log.info("conversation %s: released from hand-off", conversation_id)
        return Released(conversation_id=conversation_id, paused=tracker.state.paused, released=True)

    return router
