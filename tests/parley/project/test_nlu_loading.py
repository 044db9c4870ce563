"""The nlu: section of data files: examples with entities and file:line sources, synonyms,
regexes and lookup tables."""

from __future__ import annotations

import pytest

from nlu.interfaces import Entity
from parley.project import Project, ProjectFileError

from .conftest import WriteProject

NLU = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hi

    - hello there
- intent: inform
  metadata:
    sentiment: neutral
  examples: |
    - to [Berlin](city)
    - [gastro pub](city:Gastropub) please
- intent: greet
  examples:
  - text: hey
    metadata: {source: chat}
  - good morning
- synonym: Berlin
  examples: |
    - BER
    - berlin city
- regex: zipcode
  examples: |
    - \\d{5}
- lookup: city
  examples: |
    - Paris
    - Rome
"""


def test_examples_get_text_intent_entities_and_their_own_line(
    write_project: WriteProject,
) -> None:
    data = Project.load(write_project({"data/nlu.yml": NLU})).nlu_data

    by_text = {e.text: e for e in data.examples}
    assert by_text["hi"].source is not None and by_text["hi"].source.endswith("nlu.yml:5")
    assert by_text["hello there"].source.endswith("nlu.yml:7")  # type: ignore[union-attr]
    assert by_text["to Berlin"].intent == "inform"
    assert by_text["to Berlin"].source.endswith("nlu.yml:12")  # type: ignore[union-attr]
    assert by_text["to Berlin"].entities == (Entity("city", "Berlin", start=3, end=9),)
    assert by_text["hey"].source.endswith("nlu.yml:16")  # type: ignore[union-attr]
    assert by_text["good morning"].intent == "greet"
    assert len(data.examples) == 6


def test_synonyms_regexes_and_lookups_are_collected(write_project: WriteProject) -> None:
    data = Project.load(write_project({"data/nlu.yml": NLU})).nlu_data

    assert data.synonyms == {"ber": "Berlin", "berlin city": "Berlin", "gastro pub": "Gastropub"}
    assert data.regexes == {"zipcode": ("\\d{5}",)}
    assert data.lookups == {"city": ("Paris", "Rome")}


def test_one_file_may_hold_nlu_stories_and_rules(write_project: WriteProject) -> None:
    mixed = """\
        nlu:
        - intent: greet
          examples: |
            - yo
        stories:
        - story: s
          steps:
          - intent: greet
          - action: utter_greet
        rules:
        - rule: r
          steps:
          - intent: greet
          - action: utter_greet
        """
    project = Project.load(write_project({"data/all_in_one.yml": mixed}))

    assert "yo" in [e.text for e in project.nlu_data.examples]
    assert [s.name for s in project.stories] == ["s", "greet"]
    assert [r.name for r in project.rules] == ["r"]


@pytest.mark.parametrize(
    ("nlu", "where", "complaint"),
    [
        (
            "nlu:\n- intent: greet\n  examples: |\n    - hi\n    - to [Berlin](city\n",
            "nlu.yml:5",
            "unclosed '('",
        ),
        (
            "nlu:\n- intent: greet\n  examples: |\n    - hi\n    hello\n",
            "nlu.yml:5",
            "must start with '- '",
        ),
        ("nlu:\n- intent: greet\n  exmaples: |\n    - hi\n", "nlu.yml:3", "unknown key 'exmaples'"),
        (
            "nlu:\n- regex: zip\n  examples: |\n    - (\\d\n",
            "nlu.yml:4",
            "invalid regular expression",
        ),
        ("nlu:\n- greet: x\n", "nlu.yml:2", "needs one of the keys"),
        ("nlu:\n- intent: greet\n", "nlu.yml:2", "at least one example"),
        ("nlu: {greet: hi}\n", "nlu.yml:1", "'nlu' must be a list"),
        ("nlu: []\nstories: []\nresponse: {}\n", "nlu.yml:3", "unknown key 'response'"),
    ],
    ids=[
        "bad-markup",
        "no-dash",
        "misspelt-key",
        "bad-regex",
        "no-kind",
        "no-examples",
        "not-a-list",
        "unknown-section",
    ],
)
def test_nlu_errors_name_file_and_line(
    write_project: WriteProject, nlu: str, where: str, complaint: str
) -> None:
    root = write_project({"data/nlu.yml": nlu})

    with pytest.raises(ProjectFileError) as raised:
        Project.load(root)

    assert f"{where}: " in str(raised.value)
    assert complaint in str(raised.value)
