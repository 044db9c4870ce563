"""The core is light: importing the event model, the domain, the project loader or the CLI,
and validating a project, load no model framework (torch, spaCy, transformers,
scikit-learn, SciPy); those load when a pipeline is trained, loaded or run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("torch", "spacy", "transformers", "sklearn", "scipy")
ROOT = Path(__file__).resolve().parents[2]
LIGHT = [
    "dialogue.events",
    "dialogue.tracker",
    "dialogue.domain",
    "nlu.interfaces",
    "nlu.pipeline",
    "dialogue.policies.ensemble",
    "parley.project",
    "parley.cli",
]


def heavy_modules_after(code: str) -> list[str]:
    """The heavy modules a fresh interpreter has imported after running ``code``."""
    loaded = f"[m for m in {HEAVY!r} if m in sys.modules]"
    probe = f"{code}\nimport json, sys\nprint(json.dumps({loaded}))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return list(json.loads(result.stdout.splitlines()[-1]))


@pytest.mark.parametrize("module", LIGHT, ids=LIGHT)
def test_importing_the_core_imports_no_model_framework(module: str) -> None:
    assert heavy_modules_after(f"import {module}") == []


def test_validating_the_reference_bot_imports_no_model_framework() -> None:
    """``parley data validate`` builds the pipeline and policies of config.yml (DIET, the
    language model featurizer, TED) to check their options, without importing torch."""
    code = (
        "from parley.cli import cli\n"
        f"cli.main(['data', 'validate', '--project', {str(ROOT)!r}], standalone_mode=False)"
    )
    assert heavy_modules_after(code) == []


def test_building_every_component_but_spacy_nlp_imports_no_model_framework() -> None:
    code = (
        "import warnings\n"
        "warnings.simplefilter('ignore')\n"
        "from nlu.pipeline import NLUPipeline\n"
        "from nlu.registry import COMPONENTS\n"
        "for name in COMPONENTS:\n"
        "    if name != 'SpacyNLP':\n"
        "        NLUPipeline.build([{'name': 'WhitespaceTokenizer'}, {'name': name}])\n"
        "from dialogue.policies.ensemble import PolicyEnsemble\n"
        "PolicyEnsemble.build([{'name': n} for n in ('RulePolicy', 'AugmentedMemoizationPolicy',"
        " 'LinearPolicy', 'TEDPolicy')])"
    )
    assert heavy_modules_after(code) == []


def test_the_pipeline_is_still_importable_from_the_package() -> None:
    from nlu import NLUPipeline
    from nlu.pipeline import NLUPipeline as Direct

    assert NLUPipeline is Direct


def test_the_packages_still_export_their_names() -> None:
    import dialogue
    import dialogue.policies

    for package in (dialogue, dialogue.policies):
        assert [name for name in package.__all__ if getattr(package, name, None) is None] == []


def test_the_lower_packages_never_import_the_app_package() -> None:
    offending = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("plugins", "nlu", "dialogue", "nlg", "actions")
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.lstrip().startswith(("from parley", "import parley"))
    ]
    assert offending == []
