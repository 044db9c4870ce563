"""Training data adds to the domain as in Rasa: NLU-file ``responses:`` and ``bot:`` texts."""

from __future__ import annotations

from parley.project import Project, validate_project

from .conftest import WriteProject

CHITCHAT_NLU = """\
    version: "3.1"
    nlu:
    - intent: greet
      examples: |
        - hi
    - intent: inform
      examples: |
        - to [Berlin](city)
    - intent: chitchat/ask_name
      examples: |
        - what is your name?
    responses:
      utter_chitchat/ask_name:
      - text: I am called the retrieval bot.
        image: https://example.com/bot.png
      - text: Retrieval bot, at your service.
    """
CHITCHAT_DOMAIN = """\
    version: "3.1"
    intents: [greet, inform, chitchat]
    entities: [city]
    responses:
      utter_greet:
      - text: "Hello!"
    """
CHITCHAT_RULES = """\
    version: "3.1"
    rules:
    - rule: chitchat
      steps:
      - intent: chitchat
      - action: utter_chitchat
    """
CHITCHAT_TESTS = """\
    stories:
    - story: name
      steps:
      - user: what is your name?
        intent: chitchat/ask_name
      - action: utter_chitchat/ask_name
    """


def chitchat_bot(write_project: WriteProject, **more: str) -> dict[str, str]:
    return {
        "domain.yml": CHITCHAT_DOMAIN,
        "data/nlu.yml": CHITCHAT_NLU,
        "data/rules.yml": CHITCHAT_RULES,
        "tests/test_stories.yml": CHITCHAT_TESTS,
        **more,
    }


def test_responses_in_nlu_files_join_the_domain_with_their_retrieval_action(
    write_project: WriteProject,
) -> None:
    root = write_project(chitchat_bot(write_project))

    assert validate_project(root) == []
    domain = Project.load(root).domain
    variations = domain.responses["utter_chitchat/ask_name"]
    assert [v.text for v in variations] == [
        "I am called the retrieval bot.",
        "Retrieval bot, at your service.",
    ]
    assert variations[0].image == "https://example.com/bot.png"
    assert domain.retrieval_actions == ("utter_chitchat",)


def test_a_retrieval_action_without_responses_is_still_unknown(
    write_project: WriteProject,
) -> None:
    nlu = CHITCHAT_NLU.split("    responses:")[0]
    root = write_project(chitchat_bot(write_project, **{"data/nlu.yml": nlu}))

    found = [(str(p.location), p.message.split(":")[0]) for p in validate_project(root)]

    assert found == [
        ("data/rules.yml:6", "unknown action 'utter_chitchat'"),
        ("tests/test_stories.yml:6", "unknown action 'utter_chitchat/ask_name'"),
    ]


def test_a_malformed_response_in_an_nlu_file_is_an_error_at_its_line(
    write_project: WriteProject,
) -> None:
    nlu = CHITCHAT_NLU.replace("  - text: I am called the retrieval bot.", "  - text: [1, 2]")
    root = write_project(chitchat_bot(write_project, **{"data/nlu.yml": nlu}))

    problems = validate_project(root)

    assert [(str(p.location), p.severity) for p in problems][:1] == [("data/nlu.yml:14", "error")]


def test_bot_texts_of_stories_become_end_to_end_actions_but_test_texts_do_not(
    write_project: WriteProject,
) -> None:
    stories = """\
        stories:
        - story: name
          steps:
          - user: hi
          - bot: hi there!
          - intent: greet
          - bot: hello again
        """
    tests = """\
        stories:
        - story: unknown text
          steps:
          - user: hi
          - bot: a text nobody trained
        """
    root = write_project({"data/stories.yml": stories, "tests/test_stories.yml": tests})

    assert validate_project(root) == []
    assert Project.load(root).domain.e2e_actions == ("hi there!", "hello again")


def test_a_project_trains_its_nlu_on_the_user_texts_of_its_stories(
    write_project: WriteProject,
) -> None:
    stories = """\
        stories:
        - story: greet
          steps:
          - user: good evening
            intent: greet
          - action: utter_greet
        """
    project = Project.load(write_project({"data/stories.yml": stories}))

    texts = {(e.text, e.intent) for e in project.nlu_data.examples}
    assert ("good evening", "greet") in texts and ("hello", "greet") in texts
