"""TEDPolicy: a transformer over the dialogue history that scores actions by similarity.

Training (:meth:`TEDPolicy.train`):

1. stories (and rules with ``use_rules``) become conversations; ``augmentation_factor``
   times as many again are made by gluing two stories at random, end to start, as
   Rasa's story augmentation does, so that what a story teaches also holds in the
   middle of a longer conversation;
2. every action of every conversation is an example: the last ``max_history``
   states before it (multi-hot over the state features: intent, entities, slots,
   active loop, previous action, plus :func:`derived_features` that carry over to
   names no story shows; no "conversation start" marker, so a story's opening is
   not tied to the first turn). With ``mid_story_starts`` each window is also
   learned as if the conversation had begun at each of its user turns, so a
   conversation that opens where a story is mid-way reads as the story does;
3. the network of :mod:`dialogue.policies.ted_network` is trained for ``epochs``
   passes with a fixed ``random_seed``. It scores an action by its similarity to
   the dialogue plus gated *pointers* (:data:`POINTERS`): the action is the active
   loop, the action's name shares the intent's words. Its softmax runs over the
   actions the stories teach, so an action only rules or the domain name (a form
   started by a rule, ``utter_opening_hours``) is not pushed down for never being
   a story's answer, and a pointer can still choose it.

Torch is imported only when the policy trains, loads or predicts. The weights are
stored as an ``.npz`` file beside a JSON description (no pickle).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
from pydantic import Field

from dialogue.domain import Domain
from dialogue.events import ACTION_LISTEN, ActionExecuted, Event, UserUttered
from dialogue.interfaces import PolicyPrediction
from dialogue.policies.errors import PolicyLoadError
from dialogue.policies.featurize import State, states_for_prediction, training_examples
from dialogue.policies.generator import TrainingConversation, generate_conversations
from dialogue.policies.options import PolicyOptions, parse_options
from dialogue.policies.persistence import field, read_arrays, read_json, write_arrays, write_json
from dialogue.stories import Story
from dialogue.tracker import Tracker

if TYPE_CHECKING:
    from dialogue.policies.ted_network import DialogueTransformer, NetworkShape

log = logging.getLogger(__name__)

FILE = "ted_policy.json"
WEIGHTS = "ted_policy.npz"
WHOLE_HISTORY = 10  # the window used for Rasa's ``max_history: null``
MAX_AUGMENTED = 2000


def _dialogue_value(value: Any, default: int) -> int:
    """Rasa gives some sizes per part (``{text: ..., dialogue: ...}``): use the dialogue's."""
    if isinstance(value, Mapping):
        value = value.get("dialogue", default)
    if isinstance(value, list):
        value = value[0] if value else default
    return int(value) if value is not None else default


class TEDPolicyOptions(PolicyOptions):
    priority: int = 1
    max_history: int | None = Field(5, ge=1)
    epochs: int = Field(40, ge=1, description="Passes over the (augmented) examples.")
    batch_size: Any = 64
    learning_rate: float = Field(0.003, gt=0)
    transformer_size: Any = 64
    number_of_transformer_layers: Any = 1
    number_of_attention_heads: int = Field(4, ge=1)
    embedding_dimension: int = Field(20, ge=2)
    drop_rate_dialogue: float = Field(
        0.5,
        ge=0,
        lt=1,
        description="Dropout in the transformer. Rasa's default is 0.1; on the k-fold splits "
        "of the bench's bots' training stories 0.5 generalised best and varied least by seed.",
    )
    augmentation_factor: int = Field(20, ge=0, description="Glued story pairs per story.")
    random_seed: int = 42
    mid_story_starts: bool = Field(
        True,
        description="Also learn every window as if the conversation had begun at one of "
        "its user turns, so a conversation that opens mid-story reads as the story does.",
    )
    use_rules: bool = Field(False, description="Also learn from rules, not only stories.")
    min_steps: int = Field(
        150,
        ge=0,
        description="Optimiser updates at least, however small ``epochs`` is (a Rasa config's "
        "``epochs: 5`` on a handful of stories would otherwise learn nothing).",
    )

    @property
    def window(self) -> int:
        return self.max_history or WHOLE_HISTORY


POINTERS = ("active loop", "intent words")
"""Per action and state, what ties the action to the state whatever the names: the
action is the active loop; the share of the user's intent's words in the action's name."""


def name_words(name: str) -> frozenset[str]:
    """The words of an intent or action name (``utter_ask_email``: utter, ask, email)."""
    return frozenset(w for w in name.lower().split("_") if w)


def derived_features(state: State) -> frozenset[str]:
    """What a state says beyond its own features, in terms that carry over between names.

    The words of the active loop (an unseen ``cancel_order_form`` still reads ``form``),
    whether the user just spoke, and whether the active loop just ran (then the form
    waits for the user, whichever form it is). An intent's words are not among them:
    intents that share a word (``mood_great``, ``mood_unhappy``) usually ask for
    different answers, and on the training folds they misled more than they helped.
    Nor are the previous action's: ``action_restart`` would read like the bot's own
    ``action_order_status`` and be followed by what follows that.
    """
    items = {
        f"{part}_word:{word}"
        for part, name in (("active_loop", state.active_loop),)
        if name is not None
        for word in name_words(name)
    }
    if state.intent is not None or state.text is not None:
        items.add("user_turn")
    if state.active_loop is not None:
        items.add("loop_active" if state.prev_action != state.active_loop else "loop_just_ran")
    return frozenset(items)


def encoded_features(state: State) -> frozenset[str]:
    return state.features() | derived_features(state)


class StateEncoder:
    """Histories and actions as dense arrays, over vocabularies fixed at training time."""

    def __init__(self, window: int, features: Sequence[str], actions: Sequence[str]) -> None:
        self.window = window
        self.features = tuple(features)
        self.actions = tuple(actions)
        self._feature = {name: i for i, name in enumerate(self.features)}
        self._action = {name: i for i, name in enumerate(self.actions)}
        self.known = frozenset(self.features)
        self._names = [name_words(a) for a in self.actions]
        self._words = sorted({w for a in self.actions for w in a.split("_") if w})
        self._word = {w: i for i, w in enumerate(self._words)}
        self._overlaps: dict[str, npt.NDArray[np.float64]] = {}

    @property
    def reads_text(self) -> bool:
        """Trained on end-to-end ``- user:`` text: predict from the words as well as the intent."""
        return any(f.startswith("text:") for f in self.features)

    @property
    def action_width(self) -> int:
        return len(self.actions) + len(self._words)

    @classmethod
    def fit(cls, histories: Sequence[Sequence[State]], domain: Domain, window: int) -> Self:
        features = sorted(
            {f for history in histories for s in history for f in encoded_features(s)}
        )
        return cls(window, features, domain.action_names)

    def histories(
        self, histories: Sequence[Sequence[State]]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """(examples, window, features) multi-hot states, right-aligned; and the padding mask."""
        states = np.zeros((len(histories), self.window, len(self.features)))
        padding = np.ones((len(histories), self.window), dtype=bool)
        for row, history in enumerate(histories):
            recent = list(history)[-self.window :]
            offset = self.window - len(recent)
            for position, state in enumerate(recent, start=offset):
                padding[row, position] = False
                for feature in encoded_features(state):
                    column = self._feature.get(feature)
                    if column is not None:
                        states[row, position, column] = 1.0
        return states, padding

    def pointers(self, histories: Sequence[Sequence[State]]) -> npt.NDArray[np.float64]:
        """(examples, :data:`POINTERS`, actions): how each action relates to the state now.

        Read from the names themselves, not from the training vocabulary, so a loop or an
        intent no training story shows still points at its action.
        """
        result = np.zeros((len(histories), len(POINTERS), len(self.actions)))
        for row, history in enumerate(histories):
            now = history[-1]
            loop = self._action.get(now.active_loop) if now.active_loop else None
            if loop is not None:
                result[row, 0, loop] = 1.0
            if now.intent is not None:
                result[row, 1] = self._overlap(now.intent)
        return result

    def _overlap(self, intent: str) -> npt.NDArray[np.float64]:
        if intent not in self._overlaps:
            words = name_words(intent)
            shares = [len(words & name) / len(words) if words else 0.0 for name in self._names]
            self._overlaps[intent] = np.array(shares)
        return self._overlaps[intent]

    def action_features(self) -> npt.NDArray[np.float64]:
        """One row per action: its own column plus the words of its name."""
        rows = np.zeros((len(self.actions), self.action_width))
        for index, action in enumerate(self.actions):
            rows[index, index] = 1.0
            for word in action.split("_"):
                if word:
                    rows[index, len(self.actions) + self._word[word]] = 1.0
        return rows


class TEDPolicy:
    """Predicts the next action with a transformer over the recent dialogue states."""

    name: ClassVar[str] = "TEDPolicy"

    def __init__(self, options: TEDPolicyOptions) -> None:
        self.options = options
        self.priority = options.priority
        self.encoder: StateEncoder | None = None
        self.network: DialogueTransformer | None = None

    @property
    def highest_vote_priority(self) -> int:
        """No vote of this policy has a higher priority, nor a confidence above 1."""
        return self.priority

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        return cls(parse_options(TEDPolicyOptions, cls.name, config))

    def shape(self, encoder: StateEncoder) -> NetworkShape:
        from dialogue.policies.ted_network import NetworkShape

        options = self.options
        size = _dialogue_value(options.transformer_size, 64)
        heads = options.number_of_attention_heads
        return NetworkShape(
            state_features=max(len(encoder.features), 1),
            action_features=encoder.action_width,
            max_history=encoder.window,
            size=size,
            embedding=options.embedding_dimension,
            layers=max(_dialogue_value(options.number_of_transformer_layers, 1), 1),
            heads=heads if size % heads == 0 else 1,
            drop_rate=options.drop_rate_dialogue,
            pointers=len(POINTERS),
        )

    def train(self, stories: Sequence[Story], domain: Domain) -> None:
        """Fit on stories (and rules with ``use_rules``), augmented; no examples: abstain."""
        from dialogue.policies.ted_network import Inputs, TrainingSettings, fit

        histories, actions = self._examples(stories, domain)
        self.encoder = StateEncoder.fit(histories, domain, self.options.window)
        if len(set(actions)) < 2:
            log.warning("%s: fewer than two actions to learn; it will abstain", self.name)
            self.network = None
            return
        index = {name: i for i, name in enumerate(self.encoder.actions)}
        states, padding = self.encoder.histories(histories)
        labels = np.array([index[a] for a in actions], dtype=np.int64)
        batch_size = _dialogue_value(self.options.batch_size, 64)
        batches = -(-len(labels) // batch_size)
        settings = TrainingSettings(
            epochs=max(self.options.epochs, -(-self.options.min_steps // batches)),
            batch_size=batch_size,
            learning_rate=self.options.learning_rate,
            seed=self.options.random_seed,
        )
        inputs = Inputs(states, padding, self.encoder.pointers(histories))
        self.network = fit(
            self.shape(self.encoder), settings, inputs, labels, self.encoder.action_features()
        )

    def _examples(
        self, stories: Sequence[Story], domain: Domain
    ) -> tuple[list[tuple[State, ...]], list[str]]:
        """Distinct (history, action) examples, each window also from its user turns on."""
        kinds = ("story", "rule") if self.options.use_rules else ("story",)
        conversations = generate_conversations(s for s in stories if s.kind in kinds)
        known = set(domain.action_names)
        seen: dict[tuple[tuple[State, ...], str], None] = {}
        for events, from_start in _augmented(conversations, self.options):
            for states, action in training_examples(events, domain):
                history = states if from_start else states[1:]
                if not history or action not in known:
                    continue
                recent = history[-self.options.window :]
                for start in _starts(recent, self.options.mid_story_starts):
                    seen.setdefault((recent[start:], action))
        return [h for h, _ in seen], [a for _, a in seen]

    def predict(self, tracker: Tracker, domain: Domain) -> PolicyPrediction:
        if self.network is None or self.encoder is None:
            return PolicyPrediction.abstain(self.name, self.priority)
        from dialogue.policies.ted_network import Inputs, probabilities

        readings = self._readings(tracker, domain, self.encoder)
        states, padding = self.encoder.histories(readings)
        inputs = Inputs(states, padding, self.encoder.pointers(readings))
        scores = probabilities(self.network, inputs, self.encoder.action_features())
        reading, best = np.unravel_index(int(np.argmax(scores)), scores.shape)
        return PolicyPrediction(
            self.encoder.actions[best],
            min(1.0, float(scores[reading, best])),  # a softmax's rounding never outranks a rule
            self.name,
            self.priority,
        )

    @staticmethod
    def _readings(
        tracker: Tracker, domain: Domain, encoder: StateEncoder
    ) -> list[tuple[State, ...]]:
        """The conversation by its intents and, after end-to-end training, by its words.

        The more confident reading wins, as Rasa's TED chooses between its intent and
        text predictions; an intent the training never saw is no reading at all.
        """
        by_intent = states_for_prediction(tracker, domain)
        if not encoder.reads_text:
            return [by_intent]
        by_text = states_for_prediction(tracker, domain, as_text=True)
        intent = by_intent[-1].intent
        if intent is not None and f"intent:{intent}" not in encoder.known:
            return [by_text]
        return [by_intent, by_text]

    def persist(self, directory: Path) -> None:
        encoder = self.encoder
        write_json(
            directory / FILE,
            {
                "window": encoder.window if encoder else self.options.window,
                "features": list(encoder.features) if encoder else [],
                "actions": list(encoder.actions) if encoder else [],
                "trained": self.network is not None,
            },
        )
        if self.network is not None:
            from dialogue.policies.ted_network import weights_of

            write_arrays(directory / WEIGHTS, weights_of(self.network))

    @classmethod
    def load(cls, config: Mapping[str, Any], directory: Path) -> Self:
        policy = cls.from_config(config)
        path = directory / FILE
        data = read_json(path)
        features = [str(f) for f in field(data, "features", list, path)]
        actions = [str(a) for a in field(data, "actions", list, path)]
        window = field(data, "window", int, path)
        policy.encoder = StateEncoder(window, features, actions)
        if not data.get("trained"):
            return policy
        from dialogue.policies.ted_network import network_from

        weights = _read_all_arrays(directory / WEIGHTS)
        try:
            policy.network = network_from(policy.shape(policy.encoder), weights)
        except ValueError as e:
            raise PolicyLoadError(f"{directory / WEIGHTS}: {e}") from e
        return policy


def _read_all_arrays(path: Path) -> dict[str, npt.NDArray[np.float64]]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = tuple(archive.files)
    except (OSError, ValueError) as e:
        raise PolicyLoadError(f"{path}: damaged policy weights ({e})") from e
    return read_arrays(path, names)


def _starts(history: Sequence[State], mid_story: bool) -> list[int]:
    """Where the window may begin: its first state, and with ``mid_story`` every user turn."""
    if not mid_story:
        return [0]
    return [
        0,
        *(i for i, state in enumerate(history) if i > 0 and "user_turn" in derived_features(state)),
    ]


def _augmented(
    conversations: Sequence[TrainingConversation], options: TEDPolicyOptions
) -> list[tuple[tuple[Event, ...], bool]]:
    """The conversations, plus stories glued end to start at random (Rasa's augmentation)."""
    result = [(c.events, c.conversation_start) for c in conversations]
    stories = [c.events for c in conversations if c.kind == "story" and c.conversation_start]
    count = min(options.augmentation_factor * len(stories), MAX_AUGMENTED)
    if len(stories) < 2 or count == 0:
        return result
    chooser = random.Random(options.random_seed)
    for _ in range(count):
        first, second = chooser.sample(stories, 2)
        result.append(((*first, *_without_leading_listen(second)), True))
    return result


def _without_leading_listen(events: Sequence[Event]) -> tuple[Event, ...]:
    """A story's events after its opening ``action_listen`` (the first story ends listening)."""
    first_user = next((i for i, e in enumerate(events) if isinstance(e, UserUttered)), None)
    if first_user is None:
        return tuple(events)
    opening = events[:first_user]
    if all(isinstance(e, ActionExecuted) and e.name == ACTION_LISTEN for e in opening):
        return tuple(events[first_user:])
    return tuple(events)
