"""Fingerprints change exactly when a part's content changes, so training redoes only that part."""

from __future__ import annotations

import pytest

from parley.project import Project

from .conftest import MINIMAL_FILES, WriteProject

PARTS = {"config_nlu", "config_policies", "domain", "nlu", "stories"}


def fingerprints(write_project: WriteProject, files: dict[str, str | None]) -> dict[str, str]:
    return Project.load(write_project(files)).fingerprints()


def test_fingerprints_cover_the_trainable_parts(write_project: WriteProject) -> None:
    prints = fingerprints(write_project, {})

    assert set(prints) == PARTS
    assert len(set(prints.values())) == len(PARTS)
    assert prints == fingerprints(write_project, {})


def test_key_order_comments_blank_lines_and_file_order_do_not_matter(
    write_project: WriteProject,
) -> None:
    before = fingerprints(write_project, {})
    reshuffled = {
        "domain.yml": """\
            # the same domain, keys in another order
            forms:
              city_form:
                required_slots:
                  - city
            responses:
              utter_ask_city:
              - text: "Which city?"
              utter_greet:
              - text: "Hello!"

            slots:
              city:
                mappings:
                - entity: city
                  type: from_entity
                type: text
            entities: [city]
            intents: [inform, greet]
            version: "3.1"
            """,
        "config.yml": "policies:\npipeline:  # defaults\nlanguage: en\nrecipe: default.v1\n",
        "data/nlu.yml": None,
        "data/nlu/inform.yml": """\
            nlu:
            - intent: inform
              examples: |
                - [Paris](city) please

                - to [Berlin](city)
            """,
        "data/nlu/greet.yml": "nlu:\n- intent: greet\n  examples: |\n    - hello\n    - hi\n",
        "data/stories.yml": "# moved down by a comment\n" + MINIMAL_FILES["data/stories.yml"],
    }

    assert fingerprints(write_project, reshuffled) == before


@pytest.mark.parametrize(
    ("files", "changed"),
    [
        (
            {"config.yml": "pipeline:\n  - name: WhitespaceTokenizer\npolicies:\n"},
            {"config_nlu"},
        ),
        ({"config.yml": "language: de\n"}, {"config_nlu"}),
        ({"config.yml": "policies:\n  - name: RulePolicy\n"}, {"config_policies"}),
        (
            {"domain.yml": MINIMAL_FILES["domain.yml"].replace('"Hello!"', '"Hi there!"')},
            {"domain"},
        ),
        (
            {"data/nlu.yml": MINIMAL_FILES["data/nlu.yml"].replace("- hello", "- hey")},
            {"nlu"},
        ),
        (
            {
                "data/nlu.yml": MINIMAL_FILES["data/nlu.yml"].replace(
                    "[Paris](city)", "[Paris](town)"
                )
            },
            {"nlu"},
        ),
        (
            {
                "data/rules.yml": "rules:\n- rule: r\n  steps:\n  - intent: greet\n"
                "  - action: utter_greet\n"
            },
            {"stories"},
        ),
        (
            {"tests/test_stories.yml": "stories:\n- story: t\n  steps:\n  - intent: greet\n"},
            set(),
        ),
        ({"endpoints.yml": "action_endpoint:\n  url: http://x\n"}, set()),
    ],
    ids=[
        "pipeline",
        "language",
        "policies",
        "response-text",
        "example-text",
        "entity-label",
        "new-rule",
        "test-story",
        "endpoints",
    ],
)
def test_a_change_moves_only_its_own_fingerprint(
    write_project: WriteProject, files: dict[str, str | None], changed: set[str]
) -> None:
    before = fingerprints(write_project, {})
    after = fingerprints(write_project, files)

    assert {part for part in PARTS if before[part] != after[part]} == changed
