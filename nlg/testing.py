"""Test doubles for the NLG package, shipped so projects can test their bots without a model.

:class:`ScriptedGenerator` is a :class:`~nlg.interfaces.TextGenerator` that answers
from a script: the first rule whose key occurs in the prompt's last message gives
the reply, streamed word by word (``delay`` seconds apart); a rule may list one
reply per seed (sampled candidates). A prompt no rule covers raises
:class:`UnexpectedPrompt`, so a test cannot pass by accident.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Mapping, Sequence

from nlg.interfaces import GenerationRequest


class UnexpectedPrompt(AssertionError):
    """The scripted generator was asked something its script does not cover."""


class ScriptedGenerator:
    def __init__(self, script: Mapping[str, str | Sequence[str]], delay: float = 0.0) -> None:
        self.script = dict(script)
        self.delay = delay
        self.requests: list[GenerationRequest] = []
        self.closed = False

    async def stream(self, request: GenerationRequest) -> AsyncIterator[str]:
        self.requests.append(request)
        prompt = request.messages[-1].content
        replies = next((r for key, r in self.script.items() if key in prompt), None)
        if replies is None:
            raise UnexpectedPrompt(f"no scripted reply for prompt: {prompt!r}")
        reply = replies if isinstance(replies, str) else replies[request.seed or 0]
        for piece in re.findall(r"\S+\s*", reply):
            if self.delay:
                await asyncio.sleep(self.delay)
            yield piece

    async def close(self) -> None:
        self.closed = True
