"""TemplateNLG: responses from ``domain.yml``, chosen by condition and channel, slots filled in."""

from __future__ import annotations

import random
import textwrap
from collections.abc import Mapping
from typing import Any

import pytest
import yaml

from dialogue.domain import Domain, normalise_domain
from dialogue.events import SlotSet
from dialogue.tracker import ConversationId, Tracker
from nlg import BotMessage, NaturalLanguageGenerator, TemplateNLG


def domain_from(text: str) -> Domain:
    return Domain.model_validate(normalise_domain(yaml.safe_load(textwrap.dedent(text))))


def conversation(domain: Domain, **slots: Any) -> Tracker:
    """A conversation in which ``slots`` have been set."""
    events = tuple(SlotSet(name=name, value=value) for name, value in slots.items())
    return Tracker(ConversationId("nlg-test"), events, domain.initial_slots)


def nlg_for(domain: Domain, seed: int = 0) -> TemplateNLG:
    return TemplateNLG(domain.responses, rng=random.Random(seed))


async def say(
    domain: Domain, response: str, channel: str | None = None, **slots: Any
) -> BotMessage | None:
    return await nlg_for(domain).generate(response, conversation(domain, **slots), channel)


async def text_of(
    domain: Domain, response: str, channel: str | None = None, **slots: Any
) -> str | None:
    message = await say(domain, response, channel, **slots)
    assert message is not None, f"{response} rendered nothing"
    return message.text


GREETING = domain_from(
    """
    slots:
      name: {type: text}
    responses:
      utter_greet:
      - text: "Hello {name}!"
        metadata: {rephrase: true}
    """
)


def test_template_nlg_is_a_natural_language_generator() -> None:
    assert isinstance(nlg_for(GREETING), NaturalLanguageGenerator)


async def test_response_names_itself_and_keeps_its_metadata() -> None:
    message = await say(GREETING, "utter_greet", name="Ada")

    assert message == BotMessage(
        text="Hello Ada!",
        response="utter_greet",
        metadata={"rephrase": True, "utter_action": "utter_greet"},
    )


async def test_a_response_the_domain_lacks_renders_nothing() -> None:
    assert await say(GREETING, "utter_unknown") is None


# --- filling in slots -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "slots", "expected"),
    [
        ("Hello {name}!", {"name": "Ada"}, "Hello Ada!"),
        ("{name}, {name}!", {"name": "Ada"}, "Ada, Ada!"),
        ("You have {count} items", {"count": 3}, "You have 3 items"),
        ("Hello {name}!", {}, "Hello {name}!"),
        ("Hello {nickname}, {name}", {"name": "Ada"}, "Hello {nickname}, Ada"),
        ("Total: {total:.2f}", {"total": 4.5}, "Total: 4.50"),
        ("No placeholders here.", {"name": "Ada"}, "No placeholders here."),
    ],
    ids=[
        "slot",
        "repeated",
        "number",
        "empty-slot-kept",
        "unknown-kept",
        "format-spec",
        "plain-text",
    ],
)
async def test_placeholders_are_filled_from_slots(
    template: str, slots: Mapping[str, Any], expected: str
) -> None:
    domain = domain_from(
        f"""
        slots:
          name: {{type: text}}
          count: {{type: float}}
          total: {{type: float}}
        responses:
          utter_it:
          - text: {template!r}
        """
    )

    assert await text_of(domain, "utter_it", **slots) == expected


@pytest.mark.parametrize(
    "template",
    ["Braces {0} by position", "A lone { brace", "Nested {name.first}"],
    ids=["positional", "unbalanced", "attribute"],
)
async def test_a_template_that_is_not_a_valid_format_string_is_sent_unchanged(
    template: str,
) -> None:
    domain = domain_from(
        f"""
        slots:
          name: {{type: text}}
        responses:
          utter_it:
          - text: {template!r}
        """
    )

    assert await text_of(domain, "utter_it", name="Ada") == template


async def test_values_passed_to_generate_fill_placeholders_and_win_over_slots() -> None:
    nlg = nlg_for(GREETING)
    tracker = conversation(GREETING, name="Ada")

    message = await nlg.generate("utter_greet", tracker, None, name="Grace")

    assert message is not None
    assert message.text == "Hello Grace!"


async def test_buttons_and_quick_replies_are_filled_in() -> None:
    domain = domain_from(
        """
        slots:
          order: {type: text}
        responses:
          utter_confirm:
          - text: "Cancel order {order}?"
            buttons:
            - title: "Yes, cancel {order}"
              payload: '/affirm{{"order": "{order}"}}'
            - title: "No"
              payload: "/deny"
            quick_replies:
            - title: "Track {order}"
              payload: "/track"
        """
    )

    message = await say(domain, "utter_confirm", order="PO-12345")

    assert message is not None
    assert message.buttons == (
        {"title": "Yes, cancel PO-12345", "payload": '/affirm{"order": "PO-12345"}'},
        {"title": "No", "payload": "/deny"},
    )
    assert message.quick_replies == ({"title": "Track PO-12345", "payload": "/track"},)


async def test_image_and_custom_payloads_are_filled_in() -> None:
    domain = domain_from(
        """
        slots:
          product: {type: text}
        responses:
          utter_product:
          - image: "https://shop.example/{product}.png"
            custom:
              card: {title: "{product}", tags: ["{product}", "new"], stock: 3}
        """
    )

    message = await say(domain, "utter_product", product="tent")

    assert message is not None
    assert message.image == "https://shop.example/tent.png"
    assert message.custom == {"card": {"title": "tent", "tags": ["tent", "new"], "stock": 3}}


# --- choosing a variation ---------------------------------------------------------------

CONDITIONAL = domain_from(
    """
    slots:
      vip: {type: bool}
      tier: {type: categorical, values: [gold, silver]}
    responses:
      utter_welcome:
      - text: "Welcome."
      - text: "Welcome back, VIP."
        condition:
        - type: slot
          name: vip
          value: true
      - text: "Welcome, gold VIP."
        condition:
        - type: slot
          name: vip
          value: true
        - type: slot
          name: tier
          value: gold
    """
)


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ({}, {"Welcome."}),
        ({"vip": False}, {"Welcome."}),
        ({"vip": True}, {"Welcome back, VIP."}),
        ({"vip": True, "tier": "silver"}, {"Welcome back, VIP."}),
        ({"vip": True, "tier": "gold"}, {"Welcome back, VIP.", "Welcome, gold VIP."}),
        ({"tier": "gold"}, {"Welcome."}),
    ],
    ids=["no-slots", "condition-false", "vip", "vip-silver", "vip-gold", "gold-only"],
)
async def test_variations_whose_condition_holds_are_preferred(
    slots: Mapping[str, Any], expected: set[str]
) -> None:
    texts = await texts_over_many_draws(CONDITIONAL, "utter_welcome", None, **slots)

    assert texts == expected


async def test_a_response_with_only_conditional_variations_renders_nothing_when_none_holds() -> (
    None
):
    domain = domain_from(
        """
        slots:
          vip: {type: bool}
        responses:
          utter_perk:
          - text: "Enjoy free shipping."
            condition:
            - {type: slot, name: vip, value: true}
        """
    )

    assert await say(domain, "utter_perk", vip=False) is None
    assert await text_of(domain, "utter_perk", vip=True) == "Enjoy free shipping."


CHANNELS = domain_from(
    """
    responses:
      utter_hi:
      - text: "Hello!"
      - text: "Hi from Slack!"
        channel: slack
    """
)


@pytest.mark.parametrize(
    ("channel", "expected"),
    [("slack", "Hi from Slack!"), ("rest", "Hello!"), (None, "Hello!")],
    ids=["that-channel", "other-channel", "no-channel"],
)
async def test_a_channel_specific_variation_is_used_on_its_channel_only(
    channel: str | None, expected: str
) -> None:
    assert await texts_over_many_draws(CHANNELS, "utter_hi", channel) == {expected}


async def test_a_response_only_for_another_channel_renders_nothing() -> None:
    domain = domain_from(
        """
        responses:
          utter_hi:
          - text: "Hi from Slack!"
            channel: slack
        """
    )

    assert await say(domain, "utter_hi", "rest") is None


PRECEDENCE = domain_from(
    """
    slots:
      vip: {type: bool}
    responses:
      utter_offer:
      - text: "plain"
      - text: "plain on slack"
        channel: slack
      - text: "plain on socketio"
        channel: socketio
      - text: "vip"
        condition: [{type: slot, name: vip, value: true}]
      - text: "vip on slack"
        channel: slack
        condition: [{type: slot, name: vip, value: true}]
      - text: "vip on rest"
        channel: rest
        condition: [{type: slot, name: vip, value: true}]
    """
)


@pytest.mark.parametrize(
    ("channel", "vip", "expected"),
    [
        ("slack", True, "vip on slack"),
        ("socketio", True, "vip"),
        ("slack", False, "plain on slack"),
        ("socketio", False, "plain on socketio"),
        ("web", True, "vip"),
        ("web", False, "plain"),
        (None, True, "vip"),
        (None, False, "plain"),
    ],
    ids=[
        "condition+channel",
        "condition-beats-channel",
        "channel-when-condition-fails",
        "channel",
        "condition-on-other-channel",
        "plain-on-other-channel",
        "condition-without-channel",
        "plain-without-channel",
    ],
)
async def test_rasa_order_condition_first_then_channel(
    channel: str | None, vip: bool, expected: str
) -> None:
    """Rasa prefers, in turn: conditional for this channel, conditional, channel, plain."""
    texts = await texts_over_many_draws(PRECEDENCE, "utter_offer", channel, vip=vip)

    assert texts == {expected}


async def test_a_channel_variation_whose_condition_fails_falls_back_to_the_generic_one() -> None:
    domain = domain_from(
        """
        slots:
          vip: {type: bool}
        responses:
          utter_hi:
          - text: "Hello!"
          - text: "Hello VIP, from Slack!"
            channel: slack
            condition: [{type: slot, name: vip, value: true}]
        """
    )

    assert await text_of(domain, "utter_hi", "slack", vip=False) == "Hello!"
    assert await text_of(domain, "utter_hi", "slack", vip=True) == "Hello VIP, from Slack!"


async def test_every_eligible_variation_gets_chosen_and_the_choice_follows_the_rng() -> None:
    domain = domain_from(
        """
        responses:
          utter_bye:
          - text: "Bye!"
          - text: "See you!"
          - text: "Take care!"
        """
    )

    assert await texts_over_many_draws(domain, "utter_bye", None) == {
        "Bye!",
        "See you!",
        "Take care!",
    }
    assert await draws(domain, "utter_bye", seed=7) == await draws(domain, "utter_bye", seed=7)


async def draws(domain: Domain, response: str, seed: int, count: int = 20) -> list[str | None]:
    nlg = nlg_for(domain, seed)
    tracker = conversation(domain)
    messages = [await nlg.generate(response, tracker) for _ in range(count)]
    return [m.text if m is not None else None for m in messages]


async def texts_over_many_draws(
    domain: Domain, response: str, channel: str | None, **slots: Any
) -> set[str | None]:
    """Every text one response can produce here (60 seeded draws)."""
    nlg = nlg_for(domain, seed=3)
    tracker = conversation(domain, **slots)
    texts: set[str | None] = set()
    for _ in range(60):
        message = await nlg.generate(response, tracker, channel)
        assert message is not None
        texts.add(message.text)
    return texts
