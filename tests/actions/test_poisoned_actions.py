"""An in-process custom action whose answer would not read back is refused whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.errors import InvalidActionReply
from actions.inprocess import InProcessActions
from dialogue.events import BotUttered, SlotSet
from tests.actions.builders import context, conversation, domain_from, listen, user

PROJECT = Path(__file__).parent / "poison_project"
DOMAIN = domain_from(
    """
    intents: [ask_refund]
    slots:
      order_number:
        type: text
        mappings: []
    actions: [action_int_text, action_surrogate_text, action_unknown_slot, action_good]
    """
)


@pytest.fixture(scope="module")
def actions() -> InProcessActions:
    return InProcessActions.load("poison_actions", PROJECT)


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        ("action_int_text", "must be str"),
        ("action_surrogate_text", "surrogates not allowed"),
        ("action_unknown_slot", "'no_such_slot' is not in the domain"),
    ],
)
async def test_an_answer_that_would_not_be_stored_as_it_is_is_refused(
    actions: InProcessActions, action: str, reason: str
) -> None:
    tracker = conversation(DOMAIN, listen(), user("ask_refund"))

    with pytest.raises(InvalidActionReply, match=reason):
        await actions.run(action, context(DOMAIN, tracker))


async def test_a_sound_answer_passes_unchanged(actions: InProcessActions) -> None:
    tracker = conversation(DOMAIN, listen(), user("ask_refund"))

    events = await actions.run("action_good", context(DOMAIN, tracker))

    assert [e.text for e in events if isinstance(e, BotUttered)] == ["Refund issued."]
    slots = [(e.name, e.value) for e in events if isinstance(e, SlotSet)]
    assert slots == [("order_number", "PO-1")]
