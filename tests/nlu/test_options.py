"""Component options: typed, with their defaults; Rasa options without effect warn, others fail."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from nlu import IgnoredRasaOption, NLUPipeline, PipelineConfigError
from nlu.components.count_vectors import CountSettings
from nlu.components.joint_options import TrainingSettings
from nlu.components.linear import LinearSettings

TOKENS: list[dict[str, Any]] = [{"name": "WhitespaceTokenizer"}, {"name": "CountVectorsFeaturizer"}]


def built(*entries: dict[str, Any]) -> NLUPipeline:
    """The pipeline of ``entries``, failing on any warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", IgnoredRasaOption)
        return NLUPipeline.build(list(entries))


def component(nlu: NLUPipeline, name: str) -> Any:
    return next(step for spec, step in nlu.steps if spec.name == name)


@pytest.mark.parametrize(
    ("pipeline", "named", "option"),
    [
        ([*TOKENS, {"name": "DIETClassifier", "epochs": "many"}], "DIETClassifier", "epochs"),
        (
            [*TOKENS, {"name": "DIETClassifier", "entity_recognition": "no"}],
            "DIETClassifier",
            "entity_recognition",
        ),
        (
            [TOKENS[0], {"name": "CountVectorsFeaturizer", "min_ngram": 1.5}],
            "CountVectorsFeaturizer",
            "min_ngram",
        ),
        ([{"name": "FallbackClassifier", "threshold": "0.3"}], "FallbackClassifier", "threshold"),
        ([{"name": "FallbackClassifier", "threshold": 3}], "FallbackClassifier", "threshold"),
        (
            [{"name": "KeywordIntentClassifier", "case_sensitive": 1}],
            "KeywordIntentClassifier",
            "case_sensitive",
        ),
        (
            [{"name": "WhitespaceTokenizer", "token_pattern": "("}],
            "WhitespaceTokenizer",
            "token_pattern",
        ),
        (
            [*TOKENS, {"name": "LogisticRegressionClassifier", "C": []}],
            "LogisticRegressionClassifier",
            "C",
        ),
        (
            [*TOKENS, {"name": "ResponseSelector", "class_weight": "heavy"}],
            "ResponseSelector",
            "class_weight",
        ),
    ],
    ids=[
        "text-for-integer",
        "yaml-1.2-no-for-boolean",
        "float-for-integer",
        "text-for-number",
        "number-out-of-bounds",
        "integer-for-boolean",
        "broken-regex",
        "empty-list-of-C",
        "not-a-choice",
    ],
)
def test_an_option_of_the_wrong_type_is_refused_naming_component_and_option(
    pipeline: list[dict[str, Any]], named: str, option: str
) -> None:
    with pytest.raises(PipelineConfigError) as error:
        NLUPipeline.build(pipeline)

    assert str(error.value).startswith(f"{named}: option {option!r} ")
    assert (error.value.component, error.value.option) == (named, option)
    assert error.value.entry == len(pipeline)


def test_an_unknown_option_is_refused_listing_the_valid_ones() -> None:
    with pytest.raises(PipelineConfigError) as error:
        NLUPipeline.build([*TOKENS, {"name": "DIETClassifier", "epochz": 3}])

    message = str(error.value)
    assert message.startswith("DIETClassifier: unknown option 'epochz' (did you mean 'epochs'?)")
    parley_options = message.split("; its options: ")[1].split(";")[0].split(", ")
    assert {"epochs", "batch_size", "intent_split_symbol", "max_training_time"} <= set(
        parley_options
    )
    assert "run_eagerly" in message.split("accepts without effect: ")[1]
    assert (error.value.option, error.value.entry) == ("epochz", 3)


def test_a_rasa_option_of_another_component_is_still_unknown() -> None:
    """Rasa's LogisticRegressionClassifier has no ``epochs``; only DIET-like ones accept it."""
    with pytest.raises(PipelineConfigError, match="unknown option 'epochs'"):
        NLUPipeline.build([*TOKENS, {"name": "LogisticRegressionClassifier", "epochs": 100}])


def test_rasa_options_without_effect_are_accepted_with_a_warning_naming_each() -> None:
    with pytest.warns(IgnoredRasaOption) as warned:
        nlu = NLUPipeline.build(
            [
                {"name": "WhitespaceTokenizer", "intent_tokenization_flag": True},
                TOKENS[1],
                {"name": "DIETClassifier", "epochs": 1, "run_eagerly": True},
                {"name": "SklearnIntentClassifier", "C": [1, 10], "kernels": ["linear"]},
            ]
        )

    found = [w.message for w in warned if isinstance(w.message, IgnoredRasaOption)]
    assert [(w.component, w.option, w.entry) for w in found] == [
        ("WhitespaceTokenizer", "intent_tokenization_flag", 1),
        ("DIETClassifier", "run_eagerly", 3),
        ("SklearnIntentClassifier", "kernels", 4),
    ]
    assert (
        str(found[1])
        == "DIETClassifier: Rasa's 'run_eagerly' has no effect in Parley and is ignored"
    )
    assert [spec.options for spec, _ in nlu.steps] == [{}, {}, {"epochs": 1}, {"C": [1, 10]}]
    assert component(nlu, "DIETClassifier").settings.training.epochs == 1


def test_options_parley_uses_raise_no_warning() -> None:
    nlu = built(
        {"name": "WhitespaceTokenizer", "token_pattern": r"\w+"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
        {"name": "DIETClassifier", "epochs": 40, "random_seed": 42, "entity_recognition": False},
        {"name": "FallbackClassifier", "threshold": 0.4, "ambiguity_threshold": 0.1},
    )

    assert component(nlu, "FallbackClassifier").threshold == 0.4


def test_defaults_are_those_documented() -> None:
    nlu = built(
        *TOKENS,
        {"name": "DIETClassifier"},
        {"name": "CRFEntityExtractor"},
        {"name": "ResponseSelector"},
        {"name": "RegexEntityExtractor"},
        {"name": "FallbackClassifier"},
    )

    joint = component(nlu, "DIETClassifier").settings
    assert joint.training == TrainingSettings(
        epochs=40, min_steps=150, max_steps=4000, batch_size=32, seed=42, max_training_time=None
    )
    assert (joint.transformer_layers, joint.transformer_size, joint.heads) == (1, 128, 4)
    assert (joint.hidden, joint.dropout, joint.ranking_length, joint.split_symbol) == (
        (),
        0.1,
        10,
        "+",
    )
    assert component(nlu, "CountVectorsFeaturizer").settings == CountSettings(
        analyzer="word", min_ngram=1, max_ngram=1, min_df=1, max_features=None
    )
    assert component(nlu, "CRFEntityExtractor").settings == LinearSettings(
        c=(10.0,), class_weight="balanced"
    )
    selector = component(nlu, "ResponseSelector")
    assert (selector.retrieval_intent, selector.ranking_length) == (None, 10)
    assert selector.settings == LinearSettings(c=(30.0,), max_iter=1000, random_state=42)
    assert component(nlu, "RegexEntityExtractor").options.case_sensitive is False
    fallback = component(nlu, "FallbackClassifier")
    assert (fallback.threshold, fallback.ambiguity_threshold) == (0.4, 0.1)


def test_the_mlp_classifier_keeps_its_own_defaults() -> None:
    mlp = component(built(*TOKENS, {"name": "MLPIntentClassifier"}), "MLPIntentClassifier")

    settings = mlp.settings
    assert (settings.entity_recognition, settings.transformer_layers, settings.hidden) == (
        False,
        0,
        (256,),
    )


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"intent_split_symbol": ""}, ("split_symbol", "+")),
        ({"batch_size": [64, 256]}, ("batch_size", 64)),
        ({"transformer_size": {"text": 64, "label": 20}}, ("transformer_size", 64)),
        ({"hidden_layers_sizes": {"text": [32], "label": []}}, ("hidden", (32,))),
        ({"max_steps": 0}, ("max_steps", None)),
        ({"epochs": None}, ("epochs", 40)),
        ({"learning_rate": 1}, ("learning_rate", 1.0)),
    ],
    ids=[
        "empty-split-symbol",
        "rasa-batch-sizes",
        "text-size",
        "text-layers",
        "no-cap",
        "null",
        "int",
    ],
)
def test_rasa_shapes_of_joint_options_are_read_as_before(
    options: dict[str, Any], expected: tuple[str, Any]
) -> None:
    joint = component(built(*TOKENS, {"name": "DIETClassifier", **options}), "DIETClassifier")

    field, value = expected
    settings = joint.settings.training if hasattr(TrainingSettings, field) else joint.settings
    assert getattr(settings, field) == value


def test_one_number_for_c_is_a_list_of_one() -> None:
    nlu = built(*TOKENS, {"name": "LogisticRegressionClassifier", "C": 5})

    assert component(nlu, "LogisticRegressionClassifier").settings.c == (5.0,)
