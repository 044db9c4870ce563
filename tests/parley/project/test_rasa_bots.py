"""Unmodified Rasa 3.x example bots load and validate without an error."""

from __future__ import annotations

import pytest

from dialogue.stories import ActiveLoopStep, UserStep
from nlu.interfaces import Entity
from parley.project import Project, validate_project
from tests.conftest import require_shared

from .conftest import shared_bots

BOTS = shared_bots()


@pytest.fixture(autouse=True)
def _shared_bots_present() -> None:
    require_shared(BOTS)


def test_the_initial_project_validates_without_problems() -> None:
    assert [str(p) for p in validate_project(BOTS / "initial-project")] == []


def test_formbot_with_its_duckling_extractor_validates_warning_only_of_a_rasa_only_option() -> None:
    assert [str(p) for p in validate_project(BOTS / "formbot")] == [
        "config.yml:16: warning: DIETClassifier: Rasa's 'run_eagerly' has no effect in Parley "
        "and is ignored"
    ]


def test_initial_project_loads() -> None:
    project = Project.load(BOTS / "initial-project")

    assert project.config.uses_default_pipeline and project.config.uses_default_policies
    assert project.credentials["rest"] == {}
    assert len(project.stories) == 3 and len(project.rules) == 2
    assert len(project.test_stories) == 7
    first_user_step = project.test_stories[0].steps[0]
    assert first_user_step == UserStep(intent="greet", text="hello there!", line=7)
    assert len(project.nlu_data.examples) == 68


def test_formbot_loads_with_entities_synonyms_and_forms() -> None:
    project = Project.load(BOTS / "formbot")

    assert project.credentials == {}
    assert project.endpoints.action_endpoint is not None
    assert project.endpoints.action_endpoint.url == "http://localhost:5055/webhook"
    assert [c["name"] for c in project.config.policies] == [
        "TEDPolicy",
        "AugmentedMemoizationPolicy",
        "RulePolicy",
    ]
    examples = {e.text: e for e in project.nlu_data.examples}
    assert examples["afghan food"].entities == (Entity("cuisine", "afghan", start=0, end=6),)
    assert examples["serving gastro pub"].entities[0].value == "gastropub"
    assert project.nlu_data.synonyms["gastro pub"] == "gastropub"
    submit = next(rule for rule in project.rules if rule.name == "submit form")
    assert submit.condition == (ActiveLoopStep("restaurant_form", line=31),)
    assert "restaurant_form" in project.domain.forms
    tested = project.test_stories[1].steps[5]
    assert tested == UserStep(
        intent="inform",
        text="afghan food",
        entities=(Entity("cuisine", "afghan", start=0, end=6),),
        line=33,
    )
