"""The states a policy predicts from, carried forward event by event as a conversation
grows, are those of walking all its events again, as training walks them."""

from __future__ import annotations

import random

from dialogue.domain import Domain
from dialogue.events import ActionExecuted, Event, Restarted, UserUtteranceReverted
from dialogue.policies import State, states_for_prediction
from dialogue.policies.featurize import _walk
from dialogue.tracker import ConversationId, Tracker

from .bots import FORMBOT_DOMAIN, FORMBOT_STORIES, MOODBOT_DOMAIN, MOODBOT_STORIES, events_of


def walked(events: list[Event], domain: Domain, as_text: bool) -> tuple[State, ...]:
    states, _ = _walk(events, domain, domain.initial_slots, False, as_text)
    return tuple(states)


def test_states_carried_turn_by_turn_equal_states_read_whole() -> None:
    rng = random.Random(7)
    for domain, stories in ((MOODBOT_DOMAIN, MOODBOT_STORIES), (FORMBOT_DOMAIN, FORMBOT_STORIES)):
        events = [e for _ in range(6) for e in events_of(rng.choice(stories))]
        events.insert(len(events) // 2, Restarted())
        events.insert(len(events) // 3, UserUtteranceReverted())
        grown = Tracker(ConversationId("c"), (), domain.initial_slots)
        for index, event in enumerate(events):
            if isinstance(event, ActionExecuted):  # a policy predicts this action
                for as_text in (False, True):
                    expected = walked(events[:index], domain, as_text)
                    assert states_for_prediction(grown, domain, as_text=as_text) == expected
            grown = grown.appended(event)
