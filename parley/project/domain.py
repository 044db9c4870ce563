"""Read ``domain.yml`` (or a ``domain/`` folder of YAML files) into a :class:`Domain`.

Every file is checked on its own, so each problem names its file and line;
a folder's files are then merged in path order, later files winning on
conflicting keys (:meth:`Domain.merged`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.domain import Domain, normalise_domain
from parley.project.errors import MissingProjectFileError, SchemaError
from parley.project.schema import expect_list, expect_mapping, validate_located
from parley.yamlfile import LocatedDict, LocatedList, Location, ProjectFileError, load_yaml

YAML_SUFFIXES = (".yml", ".yaml")
_LIST_SECTIONS = ("intents", "entities", "actions")
_MAPPING_SECTIONS = ("slots", "responses", "forms", "session_config", "config")
_NAMED_SECTIONS = ("slots", "responses", "forms")

DomainKey = tuple[str, ...]
"""``(section, name)`` such as ``("slots", "cuisine")``, or ``("forms", form, slot)``."""


@dataclass(frozen=True)
class DomainSource:
    """A domain together with where each of its names was declared."""

    domain: Domain
    files: tuple[Path, ...]
    locations: Mapping[DomainKey, Location]

    def location(self, *key: str) -> Location:
        """Where ``key`` was declared; the first domain file if it is not known."""
        return self.locations.get(key, Location(self.files[0]))


def load_domain(path: Path) -> Domain:
    """The domain of a file or a folder of YAML files. Raises :class:`ProjectFileError`."""
    return read_domain(path).domain


def read_domain(path: Path) -> DomainSource:
    """Like :func:`load_domain`, also recording the file and line of every declared name."""
    if path.is_dir():
        files = yaml_files(path)
        if not files:
            raise MissingProjectFileError(path, "domain files (*.yml) in the domain folder")
    elif path.is_file():
        files = [path]
    else:
        raise MissingProjectFileError(path, "domain file")
    domain: Domain | None = None
    locations: dict[DomainKey, Location] = {}
    for file in files:
        part, part_locations = _read_domain_file(file)
        domain = part if domain is None else domain.merged(part)
        locations.update(part_locations)
    assert domain is not None
    return DomainSource(domain, tuple(files), locations)


def yaml_files(folder: Path) -> list[Path]:
    """All ``*.yml``/``*.yaml`` files under ``folder``, recursively, in path order."""
    return sorted(p for p in folder.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())


def _read_domain_file(path: Path) -> tuple[Domain, dict[DomainKey, Location]]:
    raw = expect_mapping(load_yaml(path), path, 1, "a domain file")
    errors = list(_shape_errors(raw, path))
    if errors:
        raise SchemaError(errors)
    try:
        data = normalise_domain(raw)
    except (TypeError, ValueError, AttributeError) as e:
        raise ProjectFileError(Location(path, raw.line), f"malformed domain: {e}") from e
    domain = validate_located(Domain, data, raw, path)
    return domain, dict(_declarations(raw, path))


def _shape_errors(raw: LocatedDict, path: Path) -> Iterator[ProjectFileError]:
    """Shapes that :func:`normalise_domain` needs before pydantic can check the rest."""
    for key in (*_LIST_SECTIONS, *_MAPPING_SECTIONS):
        expect = expect_list if key in _LIST_SECTIONS else expect_mapping
        try:
            expect(raw.get(key), path, raw.line_of(key), f"{key!r}")
        except ProjectFileError as e:
            yield e
            continue
        if key in _NAMED_SECTIONS and raw.get(key):
            yield from _entry_shape_errors(raw[key], key, path)
        elif key in _LIST_SECTIONS and raw.get(key):
            yield from _item_shape_errors(raw[key], key, path)


def _entry_shape_errors(section: LocatedDict, key: str, path: Path) -> Iterator[ProjectFileError]:
    for name, value in section.items():
        line = section.line_of(name)
        try:
            if key == "responses":
                expect_list(value, path, line, f"response {name!r}")
            else:
                expect_mapping(value, path, line, f"{key[:-1]} {name!r}")
        except ProjectFileError as e:
            yield e


def _item_shape_errors(items: LocatedList, key: str, path: Path) -> Iterator[ProjectFileError]:
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        location = Location(path, items.line_of(index))
        if len(item) != 1:
            yield ProjectFileError(
                location, f"each entry of {key!r} must be a name or 'name: {{properties}}'"
            )
            continue
        props = next(iter(item.values()))
        if props is not None and not isinstance(props, Mapping):
            yield ProjectFileError(
                location, f"properties of {next(iter(item))!r} must be a mapping"
            )


def _declarations(raw: LocatedDict, path: Path) -> Iterator[tuple[DomainKey, Location]]:
    for key in _LIST_SECTIONS:
        items: Any = raw.get(key) or LocatedList()
        for index, item in enumerate(items):
            name = next(iter(item)) if isinstance(item, Mapping) else item
            yield (key, str(name)), Location(path, items.line_of(index))
    for key in _NAMED_SECTIONS:
        section: Any = raw.get(key) or {}
        for name in section:
            yield (key, str(name)), Location(path, section.line_of(name))
    for form, spec in (raw.get("forms") or {}).items():
        slots = spec.get("required_slots") if isinstance(spec, Mapping) else None
        if isinstance(slots, LocatedList):
            for index, slot in enumerate(slots):
                yield ("forms", str(form), str(slot)), Location(path, slots.line_of(index))
