"""Prompt-injection hygiene: user text goes in as delimited data; replies come out filtered.

:func:`quote_user_text` wraps what a customer typed in ``<customer>`` tags, after
removing anything that could close the tags or open a chat-template turn, so
the model always sees where the customer's words begin and end; the system
prompt tells it those words are never instructions.

:class:`OutputFilter` blocks a reply that echoes the system prompt (any run of
``echo_words`` consecutive words of it), carries chat-template or delimiter
markup or a speaker label (``Customer:``, the model continuing the transcript),
or contains a link or email address that none of its sources has.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from nlg.guard import Verdict

USER_TAG = "customer"
_MARKUP = re.compile(
    r"</?\s*(?:customer|reply|passage|sources?|system|assistant|user)\s*>|<\|[^|>]*\|>",
    re.IGNORECASE,
)
_ROLE_LINE = re.compile(
    r"^\s*(?:system|assistant|user|customer|human|ai)\s*:", re.IGNORECASE | re.MULTILINE
)
_LINK = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_WORDS = re.compile(r"[a-z0-9']+")


def neutralise(text: str) -> str:
    """``text`` without delimiter tags or chat-template markers (they become a space)."""
    return _MARKUP.sub(" ", text).replace("<|", "< |").replace("|>", "| >")


def quote_user_text(text: str, max_chars: int = 1000) -> str:
    """The customer's words as data: neutralised, shortened, between ``<customer>`` tags."""
    cleaned = neutralise(text).strip()[:max_chars]
    return f"<{USER_TAG}>{cleaned}</{USER_TAG}>"


def _shingles(text: str, size: int) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def _normalised_link(link: str) -> str:
    return link.lower().rstrip(".,;:!?)")


@dataclass(frozen=True)
class OutputFilter:
    """Blocks replies that leak the system prompt, carry markup, or link outside the sources."""

    system_prompt: str
    echo_words: int = 6
    _prompt_shingles: frozenset[tuple[str, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        shingles = frozenset(_shingles(self.system_prompt, self.echo_words))
        object.__setattr__(self, "_prompt_shingles", shingles)

    def check(self, reply: str, sources: Iterable[str] = ()) -> Verdict:
        reasons: list[str] = []
        if self._prompt_shingles & _shingles(reply, self.echo_words):
            reasons.append("echoes the system prompt")
        if _MARKUP.search(reply) or _ROLE_LINE.search(reply) or "<|" in reply:
            reasons.append("contains prompt markup")
        allowed = {_normalised_link(link) for s in sources for link in _LINK.findall(s)}
        foreign = [link for link in _LINK.findall(reply) if _normalised_link(link) not in allowed]
        reasons += [f"link not in the sources: {link!r}" for link in foreign]
        return Verdict.of(reasons, category="hygiene")
