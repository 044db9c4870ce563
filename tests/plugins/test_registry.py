"""A registry entry given by import path is imported by its first lookup, not before."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from plugins import Registry, UnknownPluginError, lazy_attributes


@pytest.fixture
def plugin_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    name = "lazily_registered_plugin"
    (tmp_path / f"{name}.py").write_text("class Greeter:\n    greeting = 'hello'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return name


def test_listing_and_checking_names_imports_nothing(plugin_module: str) -> None:
    registry: Registry[type] = Registry("greeter")
    registry.add_lazy("greeter", f"{plugin_module}:Greeter")
    registry.add("eager", int)

    assert "greeter" in registry
    assert list(registry) == ["eager", "greeter"]
    with pytest.raises(UnknownPluginError, match="known: eager, greeter"):
        registry.get("typo")
    assert plugin_module not in sys.modules


def test_the_first_lookup_imports_the_entry(plugin_module: str) -> None:
    registry: Registry[type] = Registry("greeter")
    registry.add_lazy("greeter", f"{plugin_module}:Greeter")

    greeter = registry.get("greeter")

    assert greeter.__name__ == "Greeter"
    assert registry.get("greeter") is greeter
    assert sys.modules[plugin_module].Greeter is greeter


def test_an_entry_added_later_replaces_the_import_path(plugin_module: str) -> None:
    registry: Registry[type] = Registry("greeter")
    registry.add_lazy("greeter", f"{plugin_module}:Greeter")
    registry.add("greeter", str)

    assert registry.get("greeter") is str
    assert plugin_module not in sys.modules


def test_an_import_path_without_an_attribute_is_refused() -> None:
    with pytest.raises(ValueError, match=r"package\.module:attribute"):
        Registry[type]("greeter").add_lazy("greeter", "plugins.persistence")


def test_lazy_attributes_import_a_name_on_first_use_and_refuse_unknown_names() -> None:
    attribute = lazy_attributes("pkg", {"dumps": "json"})
    import json

    assert attribute("dumps") is json.dumps
    with pytest.raises(AttributeError, match="module 'pkg' has no attribute 'loads'"):
        attribute("loads")
