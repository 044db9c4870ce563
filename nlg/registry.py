"""NLG backends by the name used in ``endpoints.yml`` ``nlg: {type: ...}``.

``GENERATORS`` builds a whole :class:`NaturalLanguageGenerator` (``template``,
``llm``); ``TEXT_GENERATORS`` builds the language-model backend the ``llm`` NLG
talks to (``nlg: {backend: transformers | openai}``). Factories may do I/O
(loading a model); the runtime calls them off the event loop.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from dialogue.domain import Domain
from nlg.config import LLMOptions, parse_options, project_path
from nlg.errors import NLGConfigError, NLGConfigWarning
from nlg.interfaces import NaturalLanguageGenerator, TextGenerator
from nlg.template import TemplateNLG
from plugins import Registry


class GeneratorFactory(Protocol):
    def __call__(
        self, domain: Domain, options: Mapping[str, Any], root: Path = ...
    ) -> NaturalLanguageGenerator:
        """The NLG for ``domain``; ``root`` is the project folder relative paths start from."""
        ...


TextGeneratorFactory = Callable[[LLMOptions, Path], TextGenerator]

GENERATORS: Registry[GeneratorFactory] = Registry("NLG backend")
TEXT_GENERATORS: Registry[TextGeneratorFactory] = Registry("LLM backend")


@GENERATORS.register("template", "TemplatedNaturalLanguageGenerator")
def _template(
    domain: Domain, options: Mapping[str, Any], root: Path = Path()
) -> NaturalLanguageGenerator:
    return TemplateNLG(domain.responses)


@GENERATORS.register("llm", "LLMNaturalLanguageGenerator")
def _llm(
    domain: Domain, options: Mapping[str, Any], root: Path = Path()
) -> NaturalLanguageGenerator:
    from nlg.llm import LLMNLG, LLMSettings

    parsed = parse_options(options)
    settings = LLMSettings(
        rephrase=parsed.rephrase,
        rephrase_style=parsed.rephrase_style,
        leadin_tokens=parsed.leadin_tokens,
        constrain_leadins=parsed.constrain_leadins,
        generate_answers=parsed.generate_answers,
        answer_min_score=parsed.answer_min_score,
        route_min_score=parsed.route_min_score,
        route_below_confidence=parsed.route_below_confidence,
        answer_responses=tuple(parsed.answer_responses),
        system_prompt=parsed.system_prompt,
        history_turns=parsed.history_turns,
        history_tokens=parsed.history_tokens,
        candidates=parsed.candidates,
        temperature=parsed.temperature,
        max_new_tokens=parsed.max_new_tokens,
        deadline=parsed.deadline,
        top_passages=parsed.top_passages,
        min_passage_score=parsed.min_passage_score,
    )
    unknown = [name for name in parsed.answer_responses if name not in domain.responses]
    if unknown:
        warnings.warn(
            f"endpoints.yml: nlg.answer_responses: {unknown} not in the domain; "
            "those responses are never answered from the knowledge folder",
            NLGConfigWarning,
            stacklevel=2,
        )
        settings = replace(
            settings,
            answer_responses=tuple(n for n in parsed.answer_responses if n in domain.responses),
        )
    generator = TEXT_GENERATORS.get(parsed.backend)(parsed, root)
    return LLMNLG(TemplateNLG(domain.responses), generator, settings, _knowledge(parsed, root))


def _knowledge(options: LLMOptions, root: Path) -> Any:
    if options.knowledge is None:
        return None
    from nlg.knowledge import KnowledgeBase, SentenceEncoder

    encoder_path = project_path(options.encoder, root) if options.encoder else None
    return KnowledgeBase.load(
        project_path(options.knowledge, root), SentenceEncoder.load(encoder_path)
    )


@TEXT_GENERATORS.register("transformers")
def _transformers(options: LLMOptions, root: Path) -> TextGenerator:
    from nlg.backends.local import LocalModelOptions, TransformersGenerator

    model = options.model
    if model is not None and not model.endswith(".gguf") and (root / model).exists():
        model = str(root / model)
    return TransformersGenerator.load(
        LocalModelOptions(
            model=model,
            device=options.device,
            dtype=options.dtype,
            threads=options.threads,
            max_batch=options.max_batch,
            max_wait_ms=options.max_wait_ms,
            decoder=options.decoder,
            adapter=Path(options.adapter) if options.adapter else None,
        )
    )


@TEXT_GENERATORS.register("openai")
def _openai(options: LLMOptions, root: Path) -> TextGenerator:
    from nlg.backends.openai import OpenAIChatGenerator

    if not options.url or not options.model:
        raise NLGConfigError("endpoints.yml: nlg backend 'openai' needs 'url' and 'model'")
    return OpenAIChatGenerator.connect(options.url, options.model, options.api_key, options.timeout)
