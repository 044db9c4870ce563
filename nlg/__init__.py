"""Natural-language generation: response name + conversation -> outgoing message."""

from nlg.interfaces import BotMessage, NaturalLanguageGenerator
from nlg.registry import GENERATORS
from nlg.template import TemplateNLG

__all__ = ["GENERATORS", "BotMessage", "NaturalLanguageGenerator", "TemplateNLG"]
