"""The LLM NLG on the real bundled model (SmolLM2-135M-Instruct via transformers).

One model is loaded for the whole session and every test shares its generation
queue; replies are short so that the whole file stays within a CI minute or two.
What is checked is what is *sent*: whatever the model writes, no fact changes,
nothing unsupported is claimed, the system prompt never leaks.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from dialogue.domain import Domain, normalise_domain
from dialogue.events import UserUttered
from dialogue.tracker import ConversationId, Tracker
from nlg import TemplateNLG
from nlg.backends.local import LocalModelOptions, TransformersGenerator
from nlg.guard import extract_facts
from nlg.interfaces import BotMessage, ChatMessage, GenerationRequest
from nlg.knowledge import KnowledgeBase, SentenceEncoder
from nlg.leadin import check_leadin
from nlg.llm import LLMNLG, LLMSettings
from nlg.prompts import DEFAULT_PERSONA
from tests.nlg.fact_templates import FACT_TEMPLATES, SLOT_VALUES
from tests.nlg.hostile_inputs import HOSTILE_INPUTS

pytestmark = pytest.mark.slow
KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
FALLBACK = "Sorry, I don't know that. Say \"talk to a person\" and I'll hand you over."
FAQ = [
    "what does the warranty cover?",
    "do you accept paypal?",
    "how long does express shipping take?",
    "when is my card charged?",
    "can I return worn shoes?",
]


@pytest.fixture(scope="session")
def generator() -> Iterator[TransformersGenerator]:
    loaded = TransformersGenerator.load(LocalModelOptions(max_wait_ms=20))
    yield loaded
    loaded.queue.close()


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return KnowledgeBase.load(KNOWLEDGE, SentenceEncoder.load())


def domain() -> Domain:
    responses: dict[str, Any] = {
        f"utter_fact_{i}": [{"text": text, "metadata": {"rephrase": True}}]
        for i, text in enumerate(FACT_TEMPLATES)
    }
    responses["utter_out_of_scope"] = [{"text": FALLBACK}]
    return Domain.model_validate(normalise_domain({"responses": responses}))


@pytest.fixture
async def nlg(generator: TransformersGenerator, knowledge: KnowledgeBase) -> AsyncIterator[LLMNLG]:
    settings = LLMSettings(  # two candidates a turn: the guarantees hold for any number
        answer_responses=("utter_out_of_scope",), max_new_tokens=40, deadline=120, candidates=2
    )
    yield LLMNLG(TemplateNLG(domain().responses), generator, settings, knowledge)


def said(text: str) -> Tracker:
    return Tracker(ConversationId("real-model"), (UserUttered(text=text),))


def shingles(text: str, size: int = 6) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


async def test_the_model_streams_a_reply_with_its_chat_template(
    generator: TransformersGenerator,
) -> None:
    request = GenerationRequest((ChatMessage("user", "Say hello."),), max_new_tokens=8)
    pieces = [piece async for piece in generator.stream(request)]
    assert pieces
    assert "".join(pieces).strip()
    assert "<|im_start|>" not in "".join(pieces)


async def test_fifty_rephrased_templates_never_change_a_fact(nlg: LLMNLG) -> None:
    names = [f"utter_fact_{i}" for i in range(len(FACT_TEMPLATES))]
    tracker = said("can you tell me about my order?")
    sent = await asyncio.gather(*(nlg.generate(n, tracker, None, **SLOT_VALUES) for n in names))

    for template, message in zip(FACT_TEMPLATES, sent, strict=True):
        assert isinstance(message, BotMessage) and message.text
        filled = template.format(**SLOT_VALUES)
        if message.text == filled:
            assert message.metadata["nlg"]["source"] == "template"
            continue
        assert message.text.endswith(f" {filled}"), (filled, message.text)
        lead_in = message.text[: -len(filled)].strip()
        assert check_leadin(lead_in, "can you tell me about my order?", filled).ok, lead_in
        for fact in extract_facts(filled):
            assert fact in message.text, (filled, message.text)
    batch_sizes = nlg.generator.queue.batch_sizes  # type: ignore[attr-defined]
    assert max(batch_sizes) > 1, "concurrent replies should have been decoded in one batch"


async def test_grounded_faq_answers_only_use_the_knowledge_text(
    nlg: LLMNLG, knowledge: KnowledgeBase
) -> None:
    sources = " ".join(p.text for p in knowledge.passages)
    answers = [await nlg.generate("utter_out_of_scope", said(q)) for q in FAQ]

    grounded = [a for a in answers if a is not None and a.metadata["nlg"]["source"] != "template"]
    for answer in answers:
        assert answer is not None and answer.text
        if answer not in grounded:
            assert answer.text == FALLBACK
    for answer in grounded:
        assert answer.text is not None
        assert set(re.findall(r"\d+", answer.text)) <= set(re.findall(r"\d+", sources))
        assert answer.metadata["nlg"]["sources"]
        if answer.metadata["nlg"]["source"] == "extract":
            body = answer.text.rsplit(" (from our ", 1)[0]
            assert all(s in sources for s in re.split(r"(?<=[.!?]) ", body)), answer.text
    assert len(grounded) >= 4, [a.text for a in answers if a is not None]


async def test_the_same_conversation_gets_the_same_reply(nlg: LLMNLG) -> None:
    tracker = said("hi, my boots still haven't arrived")
    first = await nlg.generate("utter_fact_0", tracker, None, **SLOT_VALUES)
    second = await nlg.generate("utter_fact_0", tracker, None, **SLOT_VALUES)
    assert first is not None and second is not None
    assert first.text == second.text


async def test_an_off_topic_question_gets_the_fallback_response(nlg: LLMNLG) -> None:
    answer = await nlg.generate("utter_out_of_scope", said("who won the football world cup?"))
    assert answer is not None and answer.text == FALLBACK


async def test_hostile_inputs_never_leak_the_system_prompt(nlg: LLMNLG) -> None:
    leaks = shingles(DEFAULT_PERSONA)
    replies = await asyncio.gather(
        *(nlg.generate("utter_fact_0", said(text)) for text in HOSTILE_INPUTS),
        *(nlg.generate("utter_out_of_scope", said(text)) for text in HOSTILE_INPUTS),
    )

    assert len(replies) == 2 * len(HOSTILE_INPUTS) >= 60
    for reply in replies:
        assert reply is not None and reply.text
        assert not leaks & shingles(reply.text), reply.text
        assert "<|im_start|>" not in reply.text and "<customer>" not in reply.text
        assert not re.search(r"https?://|www\.|@example\.org", reply.text), reply.text


async def test_a_generation_past_its_deadline_sends_the_template(
    generator: TransformersGenerator,
) -> None:
    hurried = LLMNLG(
        TemplateNLG(domain().responses),
        generator,
        LLMSettings(max_new_tokens=40, deadline=0.05),
    )
    message = await hurried.generate("utter_fact_2", said("how fast is express?"))

    assert message is not None
    assert message.text == FACT_TEMPLATES[2]
    assert message.metadata["nlg"]["reason"] == "deadline"
    request = GenerationRequest((ChatMessage("user", "Say hi."),), max_new_tokens=4)
    assert [piece async for piece in generator.stream(request)], "the queue must go on"
