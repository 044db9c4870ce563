"""``parley init``: copy the reference customer-service bot into a new project folder.

The files under ``project/`` are links to the reference bot at the repository
root, so the scaffold and the reference bot can never drift apart.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path


def _template_root() -> Path:
    with as_file(files(__package__ or "parley.scaffold") / "project") as root:
        return Path(root)


def create_project(target: Path, overwrite: bool = False) -> list[Path]:
    """Copy the reference bot into ``target``; refuses to overwrite unless asked."""
    source = _template_root()
    templates = sorted(p for p in source.rglob("*") if p.is_file())
    destinations = [target / p.relative_to(source) for p in templates]
    clashes = [d for d in destinations if d.exists()]
    if clashes and not overwrite:
        raise FileExistsError(f"{clashes[0]} already exists")
    for template, destination in zip(templates, destinations, strict=True):
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(template.read_bytes())
    return destinations
