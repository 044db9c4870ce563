"""Run action code written for the rasa_sdk of Rasa 3.6 on today's rasa_sdk.

Rasa 3.6 came with ruamel.yaml 0.17, whose module-level ``safe_load``, ``load``,
``round_trip_load``, ``safe_dump``, ``dump``, ``round_trip_dump`` (and the ``_all``
variants) many bots call to read their own settings files. ruamel.yaml 0.18
replaced them with functions that raise ``AttributeError: "safe_load()" has been
removed``, and rasa_sdk 3.17 and later require ruamel.yaml 0.18 or 0.19.

:func:`install` puts working functions with the old signatures back, built on
``YAML(typ=...)``; it changes nothing on ruamel.yaml older than 0.18. It is
called before a project's actions package is imported, in process and under
``parley run actions``. This module imports nothing of Parley, so the action
server can load it by file path without importing Parley's ``actions`` package
(a project's own package is often named ``actions`` too).
"""

from __future__ import annotations

import io
from typing import Any

_LOADERS = {
    "safe_load": "safe",
    "load": "safe",
    "round_trip_load": "rt",
}
_DUMPERS = {
    "safe_dump": "safe",
    "dump": "safe",
    "round_trip_dump": "rt",
}


def install() -> list[str]:
    """Restore ruamel.yaml's module-level load/dump functions; the names restored."""
    import ruamel.yaml

    if tuple(ruamel.yaml.version_info[:2]) < (0, 18):
        return []
    restored: list[str] = []
    for name, typ in _LOADERS.items():
        _set(ruamel.yaml, name, _loader(typ, many=False), restored)
        _set(ruamel.yaml, f"{name}_all", _loader(typ, many=True), restored)
    for name, typ in _DUMPERS.items():
        _set(ruamel.yaml, name, _dumper(typ, many=False), restored)
        if name != "round_trip_dump":
            _set(ruamel.yaml, f"{name}_all", _dumper(typ, many=True), restored)
    return restored


def _set(module: Any, name: str, function: Any, restored: list[str]) -> None:
    function.__name__ = name
    function.__qualname__ = name
    setattr(module, name, function)
    main = getattr(module, "main", None)
    if main is not None and hasattr(main, name):
        setattr(main, name, function)
    restored.append(name)


def _reader(typ: str, version: Any = None, preserve_quotes: Any = None) -> Any:
    from ruamel.yaml import YAML

    reader = YAML(typ=typ, pure=True)
    if version is not None:
        reader.version = version
    if preserve_quotes is not None:
        reader.preserve_quotes = preserve_quotes
    return reader


def _loader(typ: str, many: bool) -> Any:
    def load(
        stream: Any, Loader: Any = None, version: Any = None, preserve_quotes: Any = None
    ) -> Any:
        reader = _reader(typ, version, preserve_quotes)
        return list(reader.load_all(stream)) if many else reader.load(stream)

    return load


def _dumper(typ: str, many: bool) -> Any:
    def dump(data: Any, stream: Any = None, Dumper: Any = None, **options: Any) -> Any:
        writer = _reader(typ)
        for key in ("default_flow_style", "allow_unicode", "width", "explicit_start"):
            if key in options:
                setattr(writer, key, options[key])
        if "indent" in options:
            writer.indent(mapping=options["indent"], sequence=options["indent"], offset=0)
        target = io.StringIO() if stream is None else stream
        if many:
            writer.dump_all(data, target)
        else:
            writer.dump(data, target)
        return target.getvalue() if stream is None else None

    return dump
