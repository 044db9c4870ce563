"""Name-keyed registries for plug-in points (NLU components, policies, stores, channels, NLG).

A package of its own, below every other: ``nlu``, ``dialogue``, ``nlg`` and
``actions`` register their plug-ins here without importing the app package.

Every plug-in point owns one :class:`Registry`. Registration is explicit
(``@REGISTRY.register("Name", "Alias")``); looking up an unknown name raises
:class:`UnknownPluginError` listing what is known, never falls back silently.
A plug-in whose module is heavy (torch, spaCy, scikit-learn) is registered by its
import path instead (``REGISTRY.add_lazy("Name", "package.module:attribute")``): its
module is imported by the first :meth:`Registry.get` of one of its names, so that
importing a registry, listing it or checking a name imports none of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar, cast


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
        self._paths: dict[str, str] = {}

    def register(self, *names: str) -> Callable[[T], T]:
        def decorator(entry: T) -> T:
            for name in names:
                self.add(name, entry)
            return entry

        return decorator

    def add(self, name: str, entry: T) -> None:
        self._entries[name] = entry
        self._paths.pop(name, None)

    def add_lazy(self, name: str, path: str) -> None:
        """Register ``name`` as ``path`` (``"package.module:attribute"``), imported on first
        :meth:`get`."""
        module, _, attribute = path.partition(":")
        if not module or not attribute:
            raise ValueError(f"{self.kind} {name!r}: {path!r} is not 'package.module:attribute'")
        self._paths[name] = path
        self._entries.pop(name, None)

    def get(self, name: str) -> T:
        if name in self._entries:
            return self._entries[name]
        if name not in self._paths:
            raise UnknownPluginError(self.kind, name, sorted(self))
        module, _, attribute = self._paths[name].partition(":")
        entry = cast(T, getattr(importlib.import_module(module), attribute))
        self._entries[name] = entry
        return entry

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({*self._entries, *self._paths}))


def lazy_attributes(package: str, modules: Mapping[str, str]) -> Callable[[str], Any]:
    """A package's module ``__getattr__`` that imports each of ``modules``' names (name ->
    module path) from its module on first use, so importing the package stays light."""

    def attribute(name: str) -> Any:
        if name in modules:
            return getattr(importlib.import_module(modules[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return attribute
