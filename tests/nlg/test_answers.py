"""Answers from the knowledge folder: checked sentence by sentence, else the passages' own words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dialogue.domain import Domain
from dialogue.events import UserUttered
from dialogue.tracker import ConversationId, Tracker
from nlg import TemplateNLG
from nlg.knowledge import KnowledgeBase, SentenceEncoder
from nlg.llm import LLMNLG, LLMSettings
from nlg.streaming import MessageChunk, TokenChunk, TurnChunk, TurnStream, streaming_into
from nlg.testing import ScriptedGenerator

DOMAIN = Domain.model_validate(
    {"responses": {"utter_out_of_scope": [{"text": "Sorry, I don't know that."}]}}
)
PAYMENT = """# Payment

We accept Visa, Mastercard and PayPal.

We do not offer cash on delivery.
"""
WARRANTY = """# Warranty

All gear has a 2-year warranty against defects.
"""


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    folder = tmp_path_factory.mktemp("knowledge")
    (folder / "payment.md").write_text(PAYMENT)
    (folder / "warranty.md").write_text(WARRANTY)
    return KnowledgeBase.load(folder, SentenceEncoder.load())


def asked(question: str) -> Tracker:
    return Tracker(ConversationId("faq"), (UserUttered(text=question),), {})


def answerer(knowledge: KnowledgeBase, script: dict[str, Any], **settings: Any) -> LLMNLG:
    settings = {"answer_responses": ("utter_out_of_scope",), **settings}
    return LLMNLG(
        TemplateNLG(DOMAIN.responses), ScriptedGenerator(script), LLMSettings(**settings), knowledge
    )


async def answer(nlg: LLMNLG, question: str) -> tuple[str, dict[str, Any], list[TurnChunk]]:
    stream = TurnStream()
    with streaming_into(stream):
        message = await nlg.generate("utter_out_of_scope", asked(question))
    assert message is not None and message.text is not None
    stream.message(message)
    stream.close()
    return message.text, dict(message.metadata["nlg"]), [c async for c in stream]


async def test_a_supported_answer_is_sent_and_streamed_only_as_checked_sentences(
    knowledge: KnowledgeBase,
) -> None:
    nlg = answerer(knowledge, {"PayPal": "Yes, we accept PayPal."})

    text, note, chunks = await answer(nlg, "can I pay with PayPal?")

    assert text == "Yes, we accept PayPal."
    assert note["source"] == "llm" and note["sources"] == ["payment.md"]
    assert [c.text for c in chunks if isinstance(c, TokenChunk)] == ["Yes, we accept PayPal."]


async def test_a_false_second_sentence_never_reaches_the_stream_or_the_message(
    knowledge: KnowledgeBase,
) -> None:
    draft = "We accept PayPal. We also offer cash on delivery for $5."
    nlg = answerer(knowledge, {"PayPal": draft})

    text, note, chunks = await answer(nlg, "can I pay with PayPal?")

    streamed = "".join(c.text for c in chunks if isinstance(c, TokenChunk))
    assert streamed == "We accept PayPal."
    assert text == streamed  # what was shown is what is sent: nothing withdrawn
    assert "cash" not in streamed and "$5" not in streamed
    assert note["source"] == "llm" and note["reason"]


async def test_a_dropped_negation_sends_the_passage_sentence_naming_its_source(
    knowledge: KnowledgeBase,
) -> None:
    nlg = answerer(knowledge, {"cash on delivery": "Yes, we offer cash on delivery."})

    text, note, chunks = await answer(nlg, "do you offer cash on delivery?")

    assert text == "We do not offer cash on delivery. (from our payment information)"
    assert note["source"] == "extract"
    assert not [c for c in chunks if isinstance(c, TokenChunk)]


async def test_extractive_answers_need_no_model(knowledge: KnowledgeBase) -> None:
    nlg = answerer(knowledge, {}, generate_answers=False)

    text, note, _ = await answer(nlg, "how long is the warranty?")

    assert text == "All gear has a 2-year warranty against defects. (from our warranty information)"
    assert note["source"] == "extract"


async def test_a_question_the_knowledge_does_not_answer_gets_the_honest_template(
    knowledge: KnowledgeBase,
) -> None:
    generator = ScriptedGenerator({})
    nlg = LLMNLG(
        TemplateNLG(DOMAIN.responses),
        generator,
        LLMSettings(answer_responses=("utter_out_of_scope",)),
        knowledge,
    )

    text, note, chunks = await answer(nlg, "do you sell kayaks?")

    assert text == "Sorry, I don't know that."
    assert note["source"] == "template"
    assert generator.requests == []
    assert [type(c) for c in chunks] == [MessageChunk]


def test_a_rare_word_shared_with_a_sentence_raises_its_score(knowledge: KnowledgeBase) -> None:
    assert knowledge.best_sentence_score("can I pay with PayPal?") >= 0.5
    assert knowledge.best_sentence_score("do you sell kayaks?") < 0.5


@pytest.mark.parametrize(
    ("question", "answered"),
    [
        ("do you offer cash on delivery?", True),
        ("how long is the warranty?", True),  # "long" says nothing about the topic
        ("can you help me with my delivery address?", False),  # no page mentions addresses
        ("I need to change my delivery address", False),
    ],
)
def test_a_rare_word_counts_only_when_the_folder_knows_the_rest_of_the_question(
    knowledge: KnowledgeBase, question: str, answered: bool
) -> None:
    assert (knowledge.best_sentence_score(question) >= 0.5) is answered


def test_questions_scored_as_one_batch_score_as_they_do_alone(knowledge: KnowledgeBase) -> None:
    questions = ["can I pay with PayPal?", "do you sell kayaks?", "how long is the warranty?"]

    batch = knowledge.best_sentence_scores(questions)

    assert batch == pytest.approx([knowledge.best_sentence_score(q) for q in questions], abs=1e-5)
    assert batch[0] >= 0.5 > batch[1]
    assert knowledge.best_sentence_scores([]) == []


def test_the_knowledge_folder_must_exist(tmp_path: Path) -> None:
    from nlg.errors import NLGConfigError

    with pytest.raises(NLGConfigError, match="does not exist"):
        KnowledgeBase.load(tmp_path / "missing", SentenceEncoder.load())
