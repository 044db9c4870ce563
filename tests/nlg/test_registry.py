"""NLG backends are found by the name ``endpoints.yml`` gives them."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from dialogue.domain import Domain, normalise_domain
from dialogue.tracker import ConversationId, Tracker
from nlg import GENERATORS, NaturalLanguageGenerator
from plugins import UnknownPluginError

DOMAIN = Domain.model_validate(
    normalise_domain(
        yaml.safe_load(
            textwrap.dedent(
                """
                responses:
                  utter_greet:
                  - text: "Hello!"
                """
            )
        )
    )
)


@pytest.mark.parametrize(
    "name", ["template", "TemplatedNaturalLanguageGenerator"], ids=["parley", "rasa-class-name"]
)
async def test_the_template_backend_renders_the_domain_responses(name: str) -> None:
    generator = GENERATORS.get(name)(DOMAIN, {})
    tracker = Tracker(ConversationId("c"), (), DOMAIN.initial_slots)

    message = await generator.generate("utter_greet", tracker)

    assert isinstance(generator, NaturalLanguageGenerator)
    assert message is not None
    assert message.text == "Hello!"


def test_an_unknown_backend_is_an_error_that_lists_the_known_ones() -> None:
    with pytest.raises(UnknownPluginError) as error:
        GENERATORS.get("callback-nlg")

    assert "template" in str(error.value)
    assert "callback-nlg" in str(error.value)
