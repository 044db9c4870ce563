"""The Rasa commands a migrating team types: data convert/split, visualize, and --help order."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

from click.testing import CliRunner, Result

from nlu.interfaces import Entity
from parley.cli import cli
from parley.project.data_files import read_training_file

RASA2_MARKDOWN = """\
    ## intent:greet
    - hey
    - hello there

    ## intent:inform
    - a table in [Berlin](city)
    - somewhere [veggie](cuisine:vegetarian) please
    - fly [home]{"entity": "city", "role": "destination", "value": "Hamburg"}

    ## synonym:vegetarian
    - veg

    ## regex:zipcode
    - [0-9]{5}

    ## lookup:city
    - Paris
    - Rome
    """
RASA_JSON = {
    "rasa_nlu_data": {
        "common_examples": [
            {"text": "hi", "intent": "greet", "entities": []},
            {
                "text": "book for Berlin",
                "intent": "inform",
                "entities": [{"start": 9, "end": 15, "value": "Berlin", "entity": "city"}],
            },
        ],
        "entity_synonyms": [{"value": "vegetarian", "synonyms": ["veggie", "veg"]}],
        "regex_features": [{"name": "zipcode", "pattern": "[0-9]{5}"}],
        "lookup_tables": [{"name": "city", "elements": ["Paris", "Rome"]}],
    }
}


def parley(*args: str, cwd: Path) -> Result:
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(previous)


def test_rasa_2_markdown_converts_to_yaml_that_reads_back_the_same(tmp_path: Path) -> None:
    (tmp_path / "nlu.md").write_text(textwrap.dedent(RASA2_MARKDOWN), encoding="utf-8")

    result = parley("data", "convert", "nlu", "--data", "nlu.md", "--out", "nlu.yml", cwd=tmp_path)

    assert result.exit_code == 0, result.output
    data = read_training_file(tmp_path / "nlu.yml").nlu
    examples = {e.text: e for e in data.examples}
    assert sorted(examples) == [
        "a table in Berlin",
        "fly home",
        "hello there",
        "hey",
        "somewhere veggie please",
    ]
    assert examples["a table in Berlin"].entities == (Entity("city", "Berlin", 11, 17),)
    assert examples["somewhere veggie please"].entities[0].value == "vegetarian"
    assert examples["fly home"].entities[0] == Entity("city", "Hamburg", 4, 8, role="destination")
    assert data.synonyms == {"veg": "vegetarian", "veggie": "vegetarian", "home": "Hamburg"}
    assert data.regexes == {"zipcode": ("[0-9]{5}",)}
    assert data.lookups == {"city": ("Paris", "Rome")}


def test_rasa_json_converts_to_yaml(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "nlu.json").write_text(json.dumps(RASA_JSON), encoding="utf-8")

    result = parley("data", "convert", "nlu", "--data", "old", "--out", "new", cwd=tmp_path)

    assert result.exit_code == 0, result.output
    data = read_training_file(tmp_path / "new" / "nlu.yml").nlu
    assert [(e.text, e.intent) for e in data.examples] == [
        ("hi", "greet"),
        ("book for Berlin", "inform"),
    ]
    assert data.examples[1].entities == (Entity("city", "Berlin", 9, 15),)
    assert data.synonyms == {"veggie": "vegetarian", "veg": "vegetarian"}


def test_a_markdown_line_that_is_no_example_is_an_error_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "nlu.md").write_text("## intent:greet\n- hi\nhello\n", encoding="utf-8")

    result = parley("data", "convert", "nlu", "--data", "nlu.md", "--out", "x.yml", cwd=tmp_path)

    assert result.exit_code == 1
    assert "nlu.md:3: expected '## section' or '- example'" in result.output
    assert not (tmp_path / "x.yml").exists()


def write_nlu_project(root: Path) -> Path:
    lines = ["version: '3.1'", "nlu:"]
    for intent, count in (("greet", 10), ("bye", 5), ("thanks", 1)):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {intent} example {n}" for n in range(count)]
    (root / "data").mkdir(parents=True)
    (root / "data" / "nlu.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_split_nlu_keeps_each_intents_share_in_both_parts(tmp_path: Path) -> None:
    root = write_nlu_project(tmp_path)

    result = parley("data", "split", "nlu", "--training-fraction", "0.8", cwd=root)

    assert result.exit_code == 0, result.output
    training = read_training_file(root / "train_test_split" / "training_data.yml").nlu
    test = read_training_file(root / "train_test_split" / "test_data.yml").nlu
    count = {
        name: [e.intent for e in part.examples].count
        for name, part in (("training", training), ("test", test))
    }
    assert [count["training"](i) for i in ("greet", "bye", "thanks")] == [8, 4, 1]
    assert [count["test"](i) for i in ("greet", "bye", "thanks")] == [2, 1, 0]
    texts = {e.text for e in training.examples} | {e.text for e in test.examples}
    assert len(texts) == 16


def test_split_nlu_refuses_a_fraction_outside_0_to_1(tmp_path: Path) -> None:
    root = write_nlu_project(tmp_path)

    result = parley("data", "split", "nlu", "--training-fraction", "1.5", cwd=root)

    assert result.exit_code == 2
    assert not (root / "train_test_split").exists()


def test_visualize_writes_one_graph_of_stories_and_rules(tmp_path: Path) -> None:
    stories = """\
        stories:
        - story: happy
          steps:
          - intent: greet
          - action: utter_greet
          - intent: mood_great
          - action: utter_happy
        - story: sad
          steps:
          - intent: greet
          - action: utter_greet
          - intent: mood_unhappy
          - action: utter_cheer_up
        """
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "stories.yml").write_text(textwrap.dedent(stories), encoding="utf-8")
    (tmp_path / "domain.yml").write_text("intents: [greet]\n", encoding="utf-8")
    (tmp_path / "config.yml").write_text("recipe: default.v1\n", encoding="utf-8")

    result = parley("visualize", "--no-browser", "--out", "stories.html", cwd=tmp_path)

    assert result.exit_code == 0, result.output
    page = (tmp_path / "stories.html").read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    labels = [line.split(">")[-1] for line in page.split("</text>")[:-1]]
    assert labels.count("greet") == 1 and labels.count("utter_greet") == 1
    assert {"mood_great", "mood_unhappy", "utter_happy", "utter_cheer_up"} <= set(labels)
    assert labels.count("END") == 2


def test_help_lists_commands_in_rasas_order(tmp_path: Path) -> None:
    output = parley("--help", cwd=tmp_path).output
    listed = output.split("Commands:")[1].split()

    order = [listed.index(name) for name in ("init", "run", "shell", "train", "test", "data")]
    assert order == sorted(order)
    assert "visualize" in listed
