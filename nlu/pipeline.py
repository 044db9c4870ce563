"""The NLU pipeline: components from config.yml's ``pipeline:``, trained and run in order.

A persisted pipeline is a directory holding ``pipeline.json`` (the components'
names, keys and options) and one sub-directory per component, named by its key,
with that component's ``.json``/``.npz`` files.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from nlu.components.base import BuildableComponent
from nlu.components.storage import read_json_object, write_json
from nlu.errors import IgnoredRasaOption, ModelLoadError, NotTrainedError, PipelineConfigError
from nlu.interfaces import Message, ParseResult, TrainingData
from nlu.registry import (
    COMPONENTS,
    FEATURIZERS,
    NEEDS_FEATURES,
    TOKENIZERS,
    resolve,
    warn_unsupported,
)
from plugins import UnknownPluginError

PIPELINE_FILE = "pipeline.json"
FORMAT_VERSION = 1

DEFAULT_PIPELINE: tuple[Mapping[str, Any], ...] = (
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "DIETClassifier"},
    {"name": "EntitySynonymMapper"},
    {"name": "ResponseSelector"},
    {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1},
)
"""Used when config.yml has no pipeline; fills the roles of Rasa's default pipeline."""

DEFAULT_FEATURIZERS = DEFAULT_PIPELINE[3:5]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ComponentSpec:
    """One pipeline entry: the registered ``name``, a ``key`` unique in the pipeline
    (also its directory name when persisted), its options from config.yml (less the Rasa
    options without effect) and ``entry``, its 1-based place in config.yml's ``pipeline:``
    (``None`` for a component Parley added, or one loaded from a model)."""

    name: str
    key: str
    options: Mapping[str, Any]
    entry: int | None = dataclasses.field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "key": self.key, "options": dict(self.options)}


class NLUPipeline:
    """An :class:`~nlu.interfaces.Interpreter` made of trained components.

    Build it from config (:meth:`build`), then :meth:`train` it; or :meth:`load` a
    persisted one. ``parse`` is thread-safe once trained: it changes no shared state.
    """

    def __init__(
        self,
        steps: Sequence[tuple[ComponentSpec, BuildableComponent]],
        language: str = "en",
        trained: bool = False,
    ) -> None:
        self.steps = list(steps)
        self.language = language
        self.trained = trained

    @classmethod
    def build(cls, pipeline: Sequence[Mapping[str, Any]] | None, language: str = "en") -> Self:
        """Untrained components for config.yml's ``pipeline:`` (the default one when empty).

        Unsupported Rasa components are replaced or skipped with an
        :class:`UnsupportedComponentWarning`, and Rasa options that have no effect are
        dropped with an :class:`IgnoredRasaOption` warning; unknown names, unknown options and
        bad values raise :class:`PipelineConfigError` (with the ``entry`` at fault).
        """
        specs = [_with_language(spec, language) for spec in _specs(pipeline or DEFAULT_PIPELINE)]
        return cls([(spec, _created(spec)) for spec in specs], language)

    @property
    def component_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec, _ in self.steps)

    def train(self, data: TrainingData, progress: Progress | None = None) -> None:
        """Train every component in order on ``data``; deterministic for equal data.

        ``progress`` is called once per component, before it trains, with a line like
        ``"NLU 3/9: CountVectorsFeaturizer"``.
        """
        self.trained = False
        messages = [Message(text=example.text) for example in data.examples]
        reads = [_reads_training_messages(component) for _, component in self.steps]
        for position, (spec, component) in enumerate(self.steps, 1):
            if progress is not None:
                progress(f"NLU {position}/{len(self.steps)}: {spec.name}")
            component.train(data, messages)
            if any(reads[position:]):  # else no later step looks at what this one adds
                component.process(messages)
        self.trained = True

    def process(self, messages: Sequence[Message]) -> None:
        """Run every component over ``messages`` in place."""
        if not self.trained:
            raise NotTrainedError("the NLU pipeline is used before it was trained or loaded")
        for _, component in self.steps:
            component.process(messages)

    def parse(self, text: str, message_id: str | None = None) -> ParseResult:
        """Intent, ranking (at most 10, most likely first), entities with offsets into
        ``text``, and response selections. Any text is accepted, including ``""``."""
        return self.parse_batch([text], [message_id])[0]

    def parse_batch(
        self, texts: Sequence[str], message_ids: Sequence[str | None]
    ) -> list[ParseResult]:
        """:meth:`parse` of each text, in order, with its message id; the components see
        all texts at once (the encoder runs them as one batch). Intents, rankings and
        entities are those of parsing the texts one by one; confidences may differ in
        the last float digits, as padding to the longest text changes the arithmetic."""
        if len(texts) != len(message_ids):
            raise ValueError(f"{len(texts)} texts but {len(message_ids)} message ids")
        messages = [Message(text=text) for text in texts]
        self.process(messages)
        return [m.to_parse_result(i) for m, i in zip(messages, message_ids, strict=True)]

    def persist(self, directory: Path) -> None:
        """Write the trained pipeline into ``directory`` (created if missing)."""
        if not self.trained:
            raise NotTrainedError("an untrained NLU pipeline cannot be persisted")
        directory.mkdir(parents=True, exist_ok=True)
        for spec, component in self.steps:
            (directory / spec.key).mkdir(exist_ok=True)
            component.persist(directory / spec.key)
        write_json(
            directory / PIPELINE_FILE,
            {
                "format": FORMAT_VERSION,
                "language": self.language,
                "components": [spec.to_dict() for spec, _ in self.steps],
            },
        )

    @classmethod
    def load(cls, directory: Path) -> Self:
        """A trained pipeline from :meth:`persist`'s output; :class:`ModelLoadError` names
        the missing or corrupt file."""
        path = directory / PIPELINE_FILE
        stored = read_json_object(path, "format", "language", "components")
        if stored["format"] != FORMAT_VERSION:
            raise ModelLoadError(path, f"unsupported format {stored['format']!r}")
        specs = _stored_specs(path, stored["components"])
        steps = [(spec, _load_component(path, spec, directory / spec.key)) for spec in specs]
        return cls(steps, str(stored["language"]), trained=True)


_Entry = tuple[str, Mapping[str, Any], int | None]
"""A registered component name, its options and its place in ``pipeline:`` (if written there)."""


def _specs(pipeline: Sequence[Mapping[str, Any]]) -> list[ComponentSpec]:
    entries: list[_Entry] = []
    for position, entry in enumerate(pipeline, 1):
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if not isinstance(name, str) or not name:
            raise PipelineConfigError(
                f"pipeline entry {position} must be a mapping with a 'name', got {entry!r}",
                entry=position,
            )
        resolved = resolve(name)
        duplicate_tokenizer = resolved in TOKENIZERS and any(e[0] in TOKENIZERS for e in entries)
        if resolved is not None and not duplicate_tokenizer:
            entries.append((resolved, _used_options(name, resolved, entry, position), position))
    entries = _completed(entries)
    return [
        ComponentSpec(name, f"{i}_{name}", options, position)
        for i, (name, options, position) in enumerate(entries)
    ]


def _used_options(
    configured: str, registered: str, entry: Mapping[str, Any], position: int
) -> dict[str, Any]:
    """The entry's options less the Rasa options that have no effect, each warned about."""
    options = _options(entry)
    for key in COMPONENTS.get(registered).options_model.ignored(options):
        warnings.warn(IgnoredRasaOption(configured, key, position), stacklevel=4)
        del options[key]
    return options


def _created(spec: ComponentSpec) -> BuildableComponent:
    try:
        return COMPONENTS.get(spec.name).create(spec.options, spec.key)
    except PipelineConfigError as e:
        raise e.in_entry(spec.entry) from e


def _reads_training_messages(component: BuildableComponent) -> bool:
    """Whether ``component.train`` reads the training messages as earlier steps processed
    them; a component says it does not with ``reads_training_messages = False``
    (``FallbackClassifier`` trains on nothing). After the last step that reads them, the
    pipeline stops processing them: on BANKING77 that spares the classifier a pass over
    10,003 messages once it has trained."""
    return bool(getattr(component, "reads_training_messages", True))


def _with_language(spec: ComponentSpec, language: str) -> ComponentSpec:
    """SpacyNLP's blank pipeline speaks config.yml's ``language`` unless told otherwise."""
    if spec.name != "SpacyNLP" or "language" in spec.options:
        return spec
    return dataclasses.replace(spec, options={**spec.options, "language": language})


def _options(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entry.items() if key != "name"}


def _completed(entries: list[_Entry]) -> list[_Entry]:
    """Add the tokenizer and featurizers that skipped components leave missing."""
    names = [name for name, _, _ in entries]
    needs_tokens = [i for i, name in enumerate(names) if name in FEATURIZERS | NEEDS_FEATURES]
    tokenizer = next((i for i, name in enumerate(names) if name in TOKENIZERS), None)
    if needs_tokens and tokenizer is None:
        warn_unsupported("the NLU pipeline has no supported tokenizer; adding WhitespaceTokenizer")
        return _completed([("WhitespaceTokenizer", {}, None), *entries])
    if tokenizer is not None and needs_tokens and needs_tokens[0] < tokenizer:
        raise PipelineConfigError(
            f"{names[needs_tokens[0]]} needs tokens, so it must come after {names[tokenizer]}",
            entry=entries[needs_tokens[0]][2],
        )
    if tokenizer is not None and NEEDS_FEATURES & set(names) and not FEATURIZERS & set(names):
        warn_unsupported(
            "the NLU pipeline has no supported featurizer; adding word and char_wb "
            "CountVectorsFeaturizer"
        )
        defaults: list[_Entry] = [(str(f["name"]), _options(f), None) for f in DEFAULT_FEATURIZERS]
        entries = [*entries[: tokenizer + 1], *defaults, *entries[tokenizer + 1 :]]
    return entries


def _stored_specs(path: Path, components: Any) -> list[ComponentSpec]:
    try:
        return [
            ComponentSpec(str(c["name"]), str(c["key"]), dict(c["options"])) for c in components
        ]
    except (KeyError, TypeError, ValueError) as e:
        raise ModelLoadError(path, f"malformed component list ({e!r})") from e


def _load_component(path: Path, spec: ComponentSpec, directory: Path) -> BuildableComponent:
    try:
        component_class = COMPONENTS.get(spec.name)
    except UnknownPluginError as e:
        raise ModelLoadError(path, str(e)) from e
    if not directory.is_dir():
        raise ModelLoadError(directory, f"the directory of component {spec.name} is missing")
    declared = component_class.options_model.model_fields
    # checked when the model was trained; keys older versions accepted without use are dropped
    options = {key: value for key, value in spec.options.items() if key in declared}
    try:
        return component_class.load(options, directory)
    except PipelineConfigError as e:
        raise ModelLoadError(path, f"stored options are invalid: {e}") from e
