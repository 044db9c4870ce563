"""The event model is light: importing it loads no model framework (the brief's rule)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("torch", "spacy", "transformers")


@pytest.mark.parametrize("module", ["dialogue.events", "dialogue.tracker", "nlu.interfaces"])
def test_importing_the_event_model_imports_no_torch_spacy_or_transformers(module: str) -> None:
    probe = f"import sys, {module}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_the_pipeline_is_still_importable_from_the_package() -> None:
    from nlu import NLUPipeline
    from nlu.pipeline import NLUPipeline as Direct

    assert NLUPipeline is Direct


def test_the_lower_packages_never_import_the_app_package() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offending = [
        f"{path.relative_to(root)}:{number}"
        for package in ("plugins", "nlu", "dialogue", "nlg", "actions")
        for path in sorted((root / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.lstrip().startswith(("from parley", "import parley"))
    ]
    assert offending == []
