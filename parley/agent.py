"""The turn loop: one user message in, the bot's replies out, every event stored once.

``BotAgent`` composes the packages through their interfaces only:
``nlu`` (Interpreter) -> ``actions.extract`` (slot mappings) -> the policy
ensemble (NextActionPredictor) -> ``actions`` (ActionResolver) -> ``nlg``; the
tracker store gets the whole turn in one ``append`` while the conversation's
lock is held.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace

from actions.builtins import (
    DEFAULT_FALLBACK_TEXT,
    TURN_ENDING_ACTIONS,
    ActionDefaultFallback,
    ActionSessionStart,
    bot_event,
)
from actions.errors import ActionError, ActionRejected, ActionServerError, InvalidActionReply
from actions.extract import extract_slots
from actions.interfaces import Action, ActionContext
from actions.resolver import ActionResolver
from dialogue.domain import Domain
from dialogue.errors import EventEncodeError
from dialogue.events import (
    ACTION_LISTEN,
    ActionExecuted,
    ActionExecutionRejected,
    BotUttered,
    ConversationPaused,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
    check_events,
)
from dialogue.interfaces import LockStore, NextActionPredictor, PolicyPrediction, TrackerStore
from dialogue.stores.cache import TrackerCache
from dialogue.tracker import ConversationId, Tracker
from nlg.interfaces import BotMessage, NaturalLanguageGenerator
from nlg.streaming import TurnChunk, TurnStream, current_stream, streaming_into
from nlu.interfaces import Interpreter, ParseResult
from nlu.payloads import parse_payload
from parley.brokers import EventBroker
from parley.errors import InvalidRequest
from parley.interfaces import UserMessage
from parley.logs import conversation_context
from parley.metrics import Metrics, errors_counted
from parley.nlu_batching import DEFAULT_MAX_BATCH, ParseBatcher

log = logging.getLogger(__name__)

PAUSED_NOTICE = "utter_handoff_waiting"
"""The response, if the domain has one, that tells a customer in hand-off that a person has it."""

MAX_ACTIONS_PER_TURN = 10
"""Actions one turn may run before the loop is cut short with the fallback response."""


@dataclass
class _Turn:
    """The events one turn adds, and the tracker as it grows."""

    tracker: Tracker
    new_events: list[Event] = field(default_factory=list)

    def add(self, *events: Event) -> None:
        self.tracker = self.tracker.appended(*events)
        self.new_events.extend(events)
        stream = current_stream()
        if stream is not None:
            for e in events:
                if isinstance(e, BotUttered):
                    stream.message(BotMessage.from_event(e.text, e.data, e.metadata))

    def bot_messages(self) -> list[BotMessage]:
        return [
            BotMessage.from_event(e.text, e.data, e.metadata)
            for e in self.new_events
            if isinstance(e, BotUttered)
        ]


@dataclass
class BotAgent:
    """A trained assistant wired to its stores. Satisfies ``parley.interfaces.Agent``."""

    domain: Domain
    interpreter: Interpreter
    policy: NextActionPredictor
    nlg: NaturalLanguageGenerator
    actions: ActionResolver
    store: TrackerStore
    locks: LockStore
    model_id: str = "unknown"
    metrics: Metrics = field(default_factory=Metrics)
    broker: EventBroker | None = None  # gets every stored event, for analytics
    nlu_max_batch: int = DEFAULT_MAX_BATCH  # messages parsed together at most; 1: no batching
    nlu_batcher: ParseBatcher = field(init=False, repr=False)
    trackers: TrackerCache = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Concurrent conversations share encoder batches instead of queueing for threads.
        self.nlu_batcher = ParseBatcher(self.interpreter, max_batch=self.nlu_max_batch)
        # A turn reads only the events stored since the conversation's previous turn.
        self.trackers = TrackerCache(self.store)

    async def handle_message(self, message: UserMessage) -> list[BotMessage]:
        with (
            conversation_context(message.sender_id, message.text),
            self.metrics.turn(message.input_channel),
            errors_counted(self.metrics),
        ):
            return await self._handle_message(message)

    async def _handle_message(self, message: UserMessage) -> list[BotMessage]:
        async with self.locks.lock(message.sender_id):
            read = await self.tracker(message.sender_id)
            turn = _Turn(read)
            await self._start_session_if_due(turn, message.input_channel)
            turn.add(await self._understand(message))
            turn.add(*extract_slots(self.domain, turn.tracker.state))
            if turn.tracker.state.paused:
                await self._tell_paused(turn, message.input_channel)
            else:
                await self._act_until_listening(turn, message.input_channel)
            await self.store.append(message.sender_id, turn.new_events)
            self.trackers.stored(message.sender_id, read, turn.tracker, len(turn.new_events))
            self._publish(message.sender_id, turn.new_events)
        return turn.bot_messages()

    async def stream_message(self, message: UserMessage) -> AsyncIterator[TurnChunk]:
        stream = TurnStream()

        async def turn() -> list[BotMessage]:
            with streaming_into(stream):
                try:
                    return await self.handle_message(message)
                finally:
                    stream.close()

        task = asyncio.create_task(turn())
        try:
            async for chunk in stream:
                yield chunk
        finally:
            # A client that stops listening must not cut the turn short: its events are stored.
            await asyncio.shield(task)

    async def parse(self, text: str, message_id: str | None = None) -> ParseResult:
        payload = parse_payload(text, self.domain.intent_names, message_id)
        if payload is not None:
            return payload
        with self.metrics.time("nlu"):
            return await self.nlu_batcher.parse(text, message_id)

    async def warm_up(self) -> None:
        """Load what the first message would otherwise load lazily (the NLU's encoder), so a
        server that accepts traffic answers its first requests at full speed and safely."""
        with self.metrics.time("nlu"):
            await asyncio.to_thread(self.interpreter.parse, "hello", None)

    async def tracker(self, conversation_id: ConversationId) -> Tracker:
        return await self.trackers.tracker(conversation_id, self.domain.initial_slots)

    async def append_events(
        self, conversation_id: ConversationId, events: Sequence[Event]
    ) -> Tracker:
        known = self.domain.initial_slots
        unknown = [e.name for e in events if isinstance(e, SlotSet) and e.name not in known]
        if unknown:
            raise InvalidRequest(f"slot {unknown[0]!r} is not in the domain", detail=unknown)
        _check_from_outside(events)
        async with self.locks.lock(conversation_id):
            await self.store.append(conversation_id, events)
            self._publish(conversation_id, events)
            return await self.tracker(conversation_id)

    async def close(self) -> None:
        await self.nlu_batcher.close()
        await self.actions.executor.close()
        if self.broker is not None:
            await self.broker.close()  # publishes what is queued first
        await self.store.close()
        await self.locks.close()

    def _publish(self, conversation_id: ConversationId, events: Sequence[Event]) -> None:
        if self.broker is not None and events:
            self.broker.publish(conversation_id, events)

    async def _understand(self, message: UserMessage) -> UserUttered:
        parse = await self.parse(message.text, message.message_id)
        said = UserUttered(
            text=message.text,
            parse_data=parse,
            input_channel=message.input_channel,
            message_id=message.message_id,
            metadata=dict(message.metadata),
        )
        _check_from_outside([said])
        return said

    async def _start_session_if_due(self, turn: _Turn, channel: str | None) -> None:
        if not self._session_due(turn.tracker):
            return
        session_start = ActionSessionStart()
        await self._run(turn, session_start, channel, _listen_prediction(session_start.name))

    def _session_due(self, tracker: Tracker) -> bool:
        last = tracker.latest_timestamp
        if last is None or _restarted_since_session_start(tracker):
            return True
        config = self.domain.session_config
        return config.expires and time.time() - last > config.session_expiration_time * 60

    async def _act_until_listening(self, turn: _Turn, channel: str | None) -> None:
        for _ in range(MAX_ACTIONS_PER_TURN):
            # Policies are table lookups and one small matrix product (well under a
            # millisecond); a thread hop would cost more than it frees the loop.
            with self.metrics.time("policy"):
                prediction = self.policy.predict(turn.tracker, self.domain)
            name = prediction.action or ACTION_LISTEN
            action, failure = self._resolve(name, turn.tracker)
            ran = await self._run(turn, action, channel, prediction, failure)
            if ran is None:  # rejected: the policies see the rejection and choose again
                continue
            if turn.tracker.state.paused:  # handed off to a person: the bot stops replying
                turn.add(ActionExecuted(name=ACTION_LISTEN))
                return
            if ran in TURN_ENDING_ACTIONS:
                if turn.tracker.state.latest_action != ACTION_LISTEN:
                    turn.add(ActionExecuted(name=ACTION_LISTEN))
                return
        looped = ActionError(
            name, f"{MAX_ACTIONS_PER_TURN} actions in one turn without listening; loop cut short"
        )
        await self._fall_back(turn, channel, prediction, looped)
        if turn.tracker.state.latest_action != ACTION_LISTEN:
            turn.add(ActionExecuted(name=ACTION_LISTEN))

    async def _tell_paused(self, turn: _Turn, channel: str | None) -> None:
        """A person answers a paused conversation; the bot stays quiet, except that the
        first message after the hand-off gets ``utter_handoff_waiting`` if the domain has it
        (so the customer knows their message reached someone), once per hand-off."""
        if PAUSED_NOTICE not in self.domain.responses or _noticed_since_pause(turn.tracker):
            return
        notice = self.actions.resolve(PAUSED_NOTICE)
        await self._run(turn, notice, channel, _listen_prediction(PAUSED_NOTICE))
        turn.add(ActionExecuted(name=ACTION_LISTEN))

    def _resolve(self, name: str, tracker: Tracker) -> tuple[Action, dict[str, str]]:
        try:
            return self.actions.resolve(name), {}
        except ActionError as e:
            log.error("conversation %s: %s", tracker.conversation_id, e)
            self.metrics.count_error(e)
            return ActionDefaultFallback(), _failure(name, e)

    async def _run(
        self,
        turn: _Turn,
        action: Action,
        channel: str | None,
        prediction: PolicyPrediction,
        failure: dict[str, str] | None = None,
    ) -> str | None:
        """Run and record ``action``; the name of what ran, ``None`` if it declined to run.

        ``failure`` (which action failed, and why) is kept in the metadata of the
        ``action`` event of the fallback that stands in for it.
        """
        turn.add(*prediction.events)  # e.g. LoopInterrupted: the action must see it
        context = ActionContext(turn.tracker, self.domain, self.nlg, channel)
        try:
            events = await self._events_of(action, context)
        except ActionRejected as e:
            log.info("conversation %s: %s", turn.tracker.conversation_id, e)
            turn.add(ActionExecutionRejected(name=action.name, policy=prediction.policy))
            return None
        except ActionError as e:
            if failure:  # the fallback itself failed: say the built-in text
                events = _plain_fallback()
            else:
                return await self._fall_back(turn, channel, prediction, e)
        if any(isinstance(e, ActionExecutionRejected) for e in events):
            turn.add(*events)
            return None
        executed = ActionExecuted(
            name=action.name,
            policy=prediction.policy,
            confidence=prediction.confidence,
            metadata=failure or {},
        )
        turn.add(executed, *events)
        return action.name

    async def _events_of(self, action: Action, context: ActionContext) -> list[Event]:
        """What ``action`` adds, each event checked to read back once stored; an event that
        would not (from a custom action, a template or a plug-in), or an exception other
        than an :class:`ActionError`, fails the action (logged, with its traceback)."""
        try:
            with self.metrics.time("action"):
                events = list(await action.run(context))
        except ActionError:
            raise
        except Exception as e:  # a bug in an action or an NLG plug-in: the chat goes on
            log.exception(
                "conversation %s: action %s raised", context.tracker.conversation_id, action.name
            )
            raise ActionServerError(action.name, f"raised {type(e).__name__}: {e}") from e
        try:
            check_events(events)
        except EventEncodeError as e:
            raise InvalidActionReply(action.name, f"its events cannot be stored: {e}") from e
        return events

    async def _fall_back(
        self, turn: _Turn, channel: str | None, prediction: PolicyPrediction, error: ActionError
    ) -> str | None:
        """Log ``error`` with the conversation id and answer with the fallback action instead."""
        log.error("conversation %s: %s", turn.tracker.conversation_id, error)
        self.metrics.count_error(error)
        fallback = replace(prediction, events=())
        failed = _failure(error.action_name, error)
        return await self._run(turn, ActionDefaultFallback(), channel, fallback, failed)


def _restarted_since_session_start(tracker: Tracker) -> bool:
    """After a ``restart`` the next message opens a new session, as in Rasa."""
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            return False
        if isinstance(event, Restarted):
            return True
    return False


def _check_from_outside(events: Sequence[Event]) -> None:
    """Refuse (400) events from a caller or channel that would not read back once stored."""
    try:
        check_events(events)
    except EventEncodeError as e:
        raise InvalidRequest("invalid event", detail=str(e)) from e


def _plain_fallback() -> list[Event]:
    return [bot_event(BotMessage(text=DEFAULT_FALLBACK_TEXT)), UserUtteranceReverted()]


def _failure(action_name: str, error: Exception) -> dict[str, str]:
    return {"failed_action": action_name, "error": str(error)}


def _noticed_since_pause(tracker: Tracker) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, ConversationPaused):
            return False
        if isinstance(event, ActionExecuted) and event.name == PAUSED_NOTICE:
            return True
    return False


def _listen_prediction(action: str) -> PolicyPrediction:
    return PolicyPrediction(action=action, confidence=1.0, policy="session", priority=0)
