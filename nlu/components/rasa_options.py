"""The option names of Rasa 3.x's NLU components (their ``get_default_config`` keys).

A component's :class:`~nlu.components.options.ComponentOptions` lists the Rasa options
of the Rasa components it fills in for; those it does not use itself are accepted with a
warning that they have no effect, so an unmodified Rasa project trains. Any other key
is an error.
"""

from __future__ import annotations

from collections.abc import Mapping

_TOKENIZER = frozenset(
    {
        "intent_tokenization_flag",
        "intent_split_symbol",
        "token_pattern",
        "prefix_separator_symbol",
        "case_sensitive",  # moved to the featurizers in Rasa 2; Rasa 3 still accepts it
    }
)
_FEATURIZER = frozenset({"alias"})
_DIET = frozenset(
    {
        "hidden_layers_sizes",
        "share_hidden_layers",
        "transformer_size",
        "number_of_transformer_layers",
        "number_of_attention_heads",
        "use_key_relative_attention",
        "use_value_relative_attention",
        "max_relative_position",
        "unidirectional_encoder",
        "batch_size",
        "batch_strategy",
        "epochs",
        "random_seed",
        "learning_rate",
        "embedding_dimension",
        "dense_dimension",
        "concat_dimension",
        "number_of_negative_examples",
        "similarity_type",
        "loss_type",
        "ranking_length",
        "maximum_positive_similarity",
        "maximum_negative_similarity",
        "use_maximum_negative_similarity",
        "scale_loss",
        "regularization_constant",
        "negative_margin_scale",
        "drop_rate",
        "drop_rate_attention",
        "connection_density",
        "weight_sparsity",  # Rasa 2's name of connection_density; Rasa 3 still reads it
        "use_sparse_input_dropout",
        "use_dense_input_dropout",
        "evaluate_every_number_of_epochs",
        "evaluate_on_number_of_examples",
        "intent_classification",
        "entity_recognition",
        "use_masked_language_model",
        "BILOU_flag",
        "tensorboard_log_directory",
        "tensorboard_log_level",
        "checkpoint_model",
        "featurizers",
        "split_entities_by_comma",
        "constrain_similarities",
        "model_confidence",
        "renormalize_confidences",
        "run_eagerly",
        "drop_small_last_batch",
    }
)

RASA_OPTIONS: Mapping[str, frozenset[str]] = {
    "WhitespaceTokenizer": _TOKENIZER,
    "SpacyTokenizer": _TOKENIZER,
    "MitieTokenizer": _TOKENIZER,
    "JiebaTokenizer": _TOKENIZER | {"dictionary_path"},
    "ConveRTTokenizer": _TOKENIZER | {"model_url"},
    "LanguageModelTokenizer": _TOKENIZER,
    "SpacyNLP": frozenset({"model", "case_sensitive"}),
    "SpacyEntityExtractor": frozenset({"dimensions"}),
    "LanguageModelFeaturizer": _FEATURIZER | {"model_name", "model_weights", "cache_dir"},
    "CountVectorsFeaturizer": _FEATURIZER
    | {
        "use_shared_vocab",
        "analyzer",
        "strip_accents",
        "stop_words",
        "min_df",
        "max_df",
        "min_ngram",
        "max_ngram",
        "max_features",
        "lowercase",
        "OOV_token",
        "OOV_words",
        "use_lemma",
        "additional_vocabulary_size",
    },
    "LexicalSyntacticFeaturizer": _FEATURIZER | {"features"},
    "RegexFeaturizer": _FEATURIZER
    | {
        "case_sensitive",
        "use_lookup_tables",
        "use_regexes",
        "use_word_boundaries",
        "number_additional_patterns",
    },
    "LogisticRegressionClassifier": frozenset(
        {"max_iter", "solver", "tol", "random_state", "ranking_length"}
    ),
    "SklearnIntentClassifier": frozenset(
        {"C", "gamma", "kernels", "max_cross_validation_folds", "scoring_function", "num_threads"}
    ),
    "MitieIntentClassifier": frozenset(),
    "KeywordIntentClassifier": frozenset({"case_sensitive"}),
    "DIETClassifier": _DIET,
    "ResponseSelector": _DIET | {"retrieval_intent", "use_text_as_label"},
    "CRFEntityExtractor": frozenset(
        {
            "BILOU_flag",
            "split_entities_by_comma",
            "features",
            "max_iterations",
            "L1_c",
            "L2_c",
            "featurizers",
        }
    ),
    "MitieEntityExtractor": frozenset({"num_threads"}),
    "RegexEntityExtractor": frozenset(
        {"case_sensitive", "use_lookup_tables", "use_regexes", "use_word_boundaries"}
    ),
    "DucklingEntityExtractor": frozenset({"url", "dimensions", "locale", "timezone", "timeout"}),
    "EntitySynonymMapper": frozenset(),
    "FallbackClassifier": frozenset({"threshold", "ambiguity_threshold"}),
}
"""Rasa component name -> its option names. ``ConveRTTokenizer`` and ``LanguageModelTokenizer``
are Rasa 2's; Parley still replaces them, so their options are listed too."""


def options_of(*components: str) -> frozenset[str]:
    """The option names of the Rasa ``components`` together."""
    return frozenset().union(*(RASA_OPTIONS[name] for name in components))
