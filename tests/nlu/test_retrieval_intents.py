"""Retrieval intents (``chitchat/ask_name``): classifiers learn the base intent, the
ResponseSelector the full one."""

from __future__ import annotations

from nlu import NLUPipeline, TrainingData
from tests.nlu.data import examples

CHITCHAT = TrainingData(
    examples=(
        *examples("chitchat/ask_name", "What is your name?", "May I know your name?"),
        *examples("chitchat/ask_weather", "What's the weather like today?", "Is it sunny?"),
        *examples("greet", "hello", "hi there"),
    )
)


def test_a_keyword_classifier_names_the_base_intent_and_ignores_final_punctuation() -> None:
    nlu = NLUPipeline.build(
        [
            {"name": "WhitespaceTokenizer"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "KeywordIntentClassifier"},
            {"name": "ResponseSelector", "epochs": 5, "random_seed": 42},
        ]
    )
    nlu.train(CHITCHAT)

    parsed = nlu.parse("What is your name?")

    assert parsed.intent_name == "chitchat"
    selected = parsed.response_selector["chitchat"]["response"]["intent_response_key"]
    assert selected == "chitchat/ask_name"
    assert nlu.parse("hello").intent_name == "greet"
    assert nlu.parse("What is your game?").intent_name is None
