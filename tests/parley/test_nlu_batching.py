"""Concurrent NLU parses are gathered into pipeline batches, with one-by-one results."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from actions import ActionResolver, NoCustomActions
from dialogue.domain import Domain, IntentProperties
from dialogue.locks import InMemoryLockStore
from dialogue.policies.rule import RulePolicy
from dialogue.stores import InMemoryTrackerStore
from nlg import TemplateNLG
from nlu import NLUPipeline, TrainingData
from nlu.interfaces import ParseResult
from parley.agent import BotAgent
from parley.errors import ConfigError
from parley.nlu_batching import ParseBatcher
from parley.runtime import NLU_MAX_BATCH_ENV, nlu_max_batch
from tests.nlu.data import FLIGHTS, FOUR_INTENTS
from tests.nlu.parse_results import assert_parsed_alike

PIPELINE: list[dict[str, object]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4},
    {"name": "DIETClassifier", "epochs": 40, "random_seed": 3},
]

TEXTS = (
    "hello there",
    "hi bot",
    "good morning to you",
    "bye for now",
    "see you tomorrow",
    "where is my parcel",
    "has my package shipped",
    "track my order please",
    "cancel my order",
    "i want to cancel the purchase",
    "fly from Berlin to Paris",
    "a flight from Oslo to Rome",
    "book a ticket to Vienna",
    "get me from Lisbon to Madrid",
    "to Athens from Warsaw",
    "",
    "   ",
    "🙂🙂",
    "zzz qqq",
    "hello, where is my order, and can i fly from Prague to Dublin",
)


@pytest.fixture(scope="module")
def nlu() -> NLUPipeline:
    pipeline = NLUPipeline.build(PIPELINE)
    pipeline.train(TrainingData(examples=(*FOUR_INTENTS, *FLIGHTS)))
    return pipeline


@dataclass
class RecordingInterpreter:
    """``inner`` recording the size of each batch. A batch signals ``started``, then waits
    for ``go``; it raises the next of ``failures`` while any is left, and whenever it
    holds the ``poison`` text."""

    inner: NLUPipeline
    sizes: list[int] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    poison: str | None = None  # a text whose batch always fails
    started: threading.Event = field(default_factory=threading.Event)
    go: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.go.set()

    def hold(self) -> None:
        """Make the next batches wait until :meth:`release`."""
        self.go.clear()
        self.started.clear()

    def release(self) -> None:
        self.go.set()

    async def batch_started(self) -> None:
        assert await asyncio.to_thread(self.started.wait, 10), "no batch started"

    def parse(self, text: str, message_id: str | None = None) -> ParseResult:
        return self.parse_batch([text], [message_id])[0]

    def parse_batch(
        self, texts: Sequence[str], message_ids: Sequence[str | None]
    ) -> list[ParseResult]:
        self.sizes.append(len(texts))
        self.started.set()
        assert self.go.wait(10), "the test never released the batch"
        if self.failures:
            raise self.failures.pop(0)
        if self.poison in texts:
            raise RuntimeError(f"poisoned by {self.poison!r}")
        return self.inner.parse_batch(texts, message_ids)


@dataclass
class OneByOneInterpreter:
    """An interpreter without ``parse_batch``."""

    inner: NLUPipeline

    def parse(self, text: str, message_id: str | None = None) -> ParseResult:
        return self.inner.parse(text, message_id)


def ids_for(texts: Sequence[str]) -> list[str]:
    return [f"m{i}" for i in range(len(texts))]


async def parse_concurrently(batcher: ParseBatcher, texts: Sequence[str]) -> list[ParseResult]:
    return await asyncio.gather(
        *(batcher.parse(t, i) for t, i in zip(texts, ids_for(texts), strict=True))
    )


async def test_concurrent_parses_give_the_results_of_sequential_parses(nlu: NLUPipeline) -> None:
    sequential = [nlu.parse(t, i) for t, i in zip(TEXTS, ids_for(TEXTS), strict=True)]

    concurrent = await parse_concurrently(ParseBatcher(nlu), TEXTS)

    assert_parsed_alike(concurrent, sequential)
    assert [r.message_id for r in concurrent] == ids_for(TEXTS)
    assert {r.intent_name for r in concurrent} >= {"greet", "goodbye", "book", "cancel_order"}
    assert any(r.entities for r in concurrent)


async def test_a_lone_message_goes_alone_and_those_arriving_meanwhile_share_the_next_batch(
    nlu: NLUPipeline,
) -> None:
    recorder = RecordingInterpreter(nlu)
    batcher = ParseBatcher(recorder)
    recorder.hold()
    first = asyncio.create_task(batcher.parse("hello there"))
    await recorder.batch_started()

    waiting = [asyncio.create_task(batcher.parse(t)) for t in TEXTS[1:]]
    await asyncio.sleep(0)
    recorder.release()
    results = await asyncio.gather(first, *waiting)

    assert recorder.sizes == [1, len(TEXTS) - 1]
    assert_parsed_alike(results, [nlu.parse(t) for t in TEXTS])


async def test_a_batch_takes_at_most_max_batch_messages(nlu: NLUPipeline) -> None:
    recorder = RecordingInterpreter(nlu)
    batcher = ParseBatcher(recorder, max_batch=8)
    recorder.hold()
    first = asyncio.create_task(batcher.parse("hello there"))
    await recorder.batch_started()

    waiting = [asyncio.create_task(batcher.parse(t)) for t in TEXTS[1:]]
    await asyncio.sleep(0)
    recorder.release()
    await asyncio.gather(first, *waiting)

    assert recorder.sizes == [1, 8, 8, 3]


async def test_an_interpreter_without_batches_is_parsed_one_by_one(nlu: NLUPipeline) -> None:
    sequential = [nlu.parse(t, i) for t, i in zip(TEXTS, ids_for(TEXTS), strict=True)]

    concurrent = await parse_concurrently(ParseBatcher(OneByOneInterpreter(nlu)), TEXTS)

    assert concurrent == sequential


async def test_a_batch_that_fails_once_is_parsed_again_text_by_text(nlu: NLUPipeline) -> None:
    recorder = RecordingInterpreter(nlu, failures=[RuntimeError("encoder crashed")])
    batcher = ParseBatcher(recorder)

    results = await asyncio.gather(*(batcher.parse(t) for t in TEXTS[:3]))
    after = await batcher.parse("hello there")

    assert recorder.sizes == [3, 1, 1, 1, 1]
    assert results == [nlu.parse(t) for t in TEXTS[:3]]
    assert after == nlu.parse("hello there")


async def test_a_text_that_breaks_the_pipeline_fails_only_its_own_caller(
    nlu: NLUPipeline,
) -> None:
    recorder = RecordingInterpreter(nlu, poison="where is my parcel")
    batcher = ParseBatcher(recorder)
    texts = ["hello there", "where is my parcel", "bye for now"]

    outcomes = await asyncio.gather(*(batcher.parse(t) for t in texts), return_exceptions=True)

    assert recorder.sizes == [3, 1, 1, 1]
    assert isinstance(outcomes[1], RuntimeError) and "poisoned" in str(outcomes[1])
    assert outcomes[0] == nlu.parse("hello there") and outcomes[2] == nlu.parse("bye for now")


async def test_a_cancelled_caller_is_left_out_of_its_batch(nlu: NLUPipeline) -> None:
    recorder = RecordingInterpreter(nlu)
    batcher = ParseBatcher(recorder)
    recorder.hold()
    first = asyncio.create_task(batcher.parse("hello there"))
    await recorder.batch_started()
    kept = [asyncio.create_task(batcher.parse(t)) for t in ("cancel my order", "bye for now")]
    cancelled = asyncio.create_task(batcher.parse("where is my parcel"))
    await asyncio.sleep(0)

    cancelled.cancel()
    recorder.release()
    results = await asyncio.gather(first, *kept)

    assert cancelled.cancelled()
    assert recorder.sizes == [1, 2]
    assert [r.intent_name for r in results] == ["greet", "cancel_order", "goodbye"]


async def test_cancelling_a_caller_whose_batch_runs_leaves_the_others_their_results(
    nlu: NLUPipeline,
) -> None:
    recorder = RecordingInterpreter(nlu)
    batcher = ParseBatcher(recorder)
    recorder.hold()
    cancelled = asyncio.create_task(batcher.parse("hello there"))
    kept = asyncio.create_task(batcher.parse("cancel my order"))
    await recorder.batch_started()

    cancelled.cancel()
    recorder.release()
    result = await kept

    assert recorder.sizes == [2]
    assert cancelled.cancelled()
    assert_parsed_alike([result], [nlu.parse("cancel my order")])


async def test_no_task_is_left_running_once_every_parse_is_answered(nlu: NLUPipeline) -> None:
    batcher = ParseBatcher(nlu)

    await parse_concurrently(batcher, TEXTS)
    await batcher.parse("hello there")

    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_closing_cancels_waiting_callers_and_a_later_parse_starts_again(
    nlu: NLUPipeline,
) -> None:
    recorder = RecordingInterpreter(nlu)
    batcher = ParseBatcher(recorder)
    recorder.hold()
    waiting = asyncio.create_task(batcher.parse("hello there"))
    await recorder.batch_started()

    await batcher.close()
    recorder.release()

    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert (await batcher.parse("bye for now")).intent_name == "goodbye"


def bot_agent(recorder: RecordingInterpreter) -> BotAgent:
    domain = Domain(intents=(IntentProperties(name="greet"),))
    return BotAgent(
        domain=domain,
        interpreter=recorder,
        policy=RulePolicy.from_config({}),
        nlg=TemplateNLG(domain.responses),
        actions=ActionResolver(domain, NoCustomActions()),
        store=InMemoryTrackerStore(),
        locks=InMemoryLockStore(),
    )


async def test_the_agent_parses_concurrent_messages_in_shared_batches(nlu: NLUPipeline) -> None:
    recorder = RecordingInterpreter(nlu)
    agent = bot_agent(recorder)
    recorder.hold()
    first = asyncio.create_task(agent.parse("hello there", "m0"))
    await recorder.batch_started()

    waiting = [asyncio.create_task(agent.parse(t)) for t in (*TEXTS[1:6], "/greet")]
    await asyncio.sleep(0)
    recorder.release()
    results = await asyncio.gather(first, *waiting)
    await agent.close()

    assert recorder.sizes == [1, 5]  # the "/greet" payload never reaches the NLU
    assert results[0] == nlu.parse("hello there", "m0")
    assert [r.intent_name for r in results][-1] == "greet"


@pytest.mark.parametrize(("value", "expected"), [(None, 32), ("1", 1), (" 8 ", 8)])
def test_the_largest_batch_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: int
) -> None:
    if value is None:
        monkeypatch.delenv(NLU_MAX_BATCH_ENV, raising=False)
    else:
        monkeypatch.setenv(NLU_MAX_BATCH_ENV, value)

    assert nlu_max_batch() == expected


@pytest.mark.parametrize("value", ["0", "-3", "lots", "2.5"])
def test_a_largest_batch_that_is_not_a_positive_whole_number_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(NLU_MAX_BATCH_ENV, value)

    with pytest.raises(ConfigError, match=NLU_MAX_BATCH_ENV):
        nlu_max_batch()
