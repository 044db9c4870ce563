"""Name-keyed registries for plug-in points (NLU components, policies, stores, channels, NLG).

A package of its own, below every other: ``nlu``, ``dialogue``, ``nlg`` and
``actions`` register their plug-ins here without importing the app package.

Every plug-in point owns one :class:`Registry`. Registration is explicit
(``@REGISTRY.register("Name", "Alias")``); looking up an unknown name raises
:class:`UnknownPluginError` listing what is known, never falls back silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar


class UnknownPluginError(KeyError):
    def __init__(self, kind: str, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.kind, self.name, self.known = kind, name, known

    def __str__(self) -> str:
        return f"unknown {self.kind} {self.name!r}; known: {', '.join(self.known)}"


T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, *names: str) -> Callable[[T], T]:
        def decorator(entry: T) -> T:
            for name in names:
                self._entries[name] = entry
            return entry

        return decorator

    def add(self, name: str, entry: T) -> None:
        self._entries[name] = entry

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownPluginError(self.kind, name, sorted(self._entries)) from None

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._entries))
