"""NLG backends by the name used in ``endpoints.yml`` ``nlg: {type: ...}``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dialogue.domain import Domain
from nlg.interfaces import NaturalLanguageGenerator
from nlg.template import TemplateNLG
from parley.registry import Registry

GeneratorFactory = Callable[[Domain, Mapping[str, Any]], NaturalLanguageGenerator]

GENERATORS: Registry[GeneratorFactory] = Registry("NLG backend")


@GENERATORS.register("template", "TemplatedNaturalLanguageGenerator")
def _template(domain: Domain, options: Mapping[str, Any]) -> NaturalLanguageGenerator:
    return TemplateNLG(domain.responses)
