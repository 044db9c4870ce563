"""Typed policy options, validated once when the ensemble is built.

Each policy declares a pydantic model of its options. Keys that only tune Rasa's
neural networks (``epochs``, ``constrain_similarities``, ...) are accepted and
ignored unless the policy declares them, so Rasa projects load unchanged; any
other unknown key is an error naming the policy and the key.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from dialogue.policies.errors import PolicyConfigError

log = logging.getLogger(__name__)

RASA_ONLY_OPTIONS = frozenset(
    {
        "epochs",
        "batch_size",
        "batch_strategy",
        "constrain_similarities",
        "model_confidence",
        "hidden_layers_sizes",
        "dense_dimension",
        "concat_dimension",
        "encoding_dimension",
        "embedding_dimension",
        "transformer_size",
        "number_of_transformer_layers",
        "number_of_attention_heads",
        "unidirectional_encoder",
        "use_key_relative_attention",
        "use_value_relative_attention",
        "max_relative_position",
        "learning_rate",
        "number_of_negative_examples",
        "similarity_type",
        "loss_type",
        "ranking_length",
        "renormalize_confidences",
        "maximum_positive_similarity",
        "maximum_negative_similarity",
        "use_maximum_negative_similarity",
        "scale_loss",
        "regularization_constant",
        "negative_margin_scale",
        "drop_rate",
        "drop_rate_dialogue",
        "drop_rate_label",
        "drop_rate_attention",
        "connection_density",
        "use_sparse_input_dropout",
        "use_dense_input_dropout",
        "evaluate_every_number_of_epochs",
        "evaluate_on_number_of_examples",
        "tensorboard_log_directory",
        "tensorboard_log_level",
        "checkpoint_model",
        "e2e_confidence_threshold",
        "featurizers",
        "featurizer",
        "entity_recognition",
        "BILOU_flag",
        "split_entities_by_comma",
        "run_eagerly",
        "use_gpu",
        "tolerance",
        "ignore_intent_list",
        "use_nlu_confidence_as_score",
        "state_featurizer",
    }
)
"""Rasa policy options that only make sense for Rasa's own implementation."""


class PolicyOptions(BaseModel):
    """Options every policy has. ``priority`` breaks confidence ties (higher wins)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    priority: int


Options = TypeVar("Options", bound=PolicyOptions)


def parse_options(model: type[Options], policy: str, config: Mapping[str, Any]) -> Options:
    """Validate ``config`` (a ``policies:`` entry, ``name`` included) into ``model``."""
    given = {key: value for key, value in config.items() if key != "name"}
    ignored = sorted(
        key for key in given if key in RASA_ONLY_OPTIONS and key not in model.model_fields
    )
    if ignored:
        log.debug("%s: ignoring Rasa-only options %s", policy, ", ".join(ignored))
    try:
        return model.model_validate({k: v for k, v in given.items() if k not in ignored})
    except ValidationError as e:
        problems = "; ".join(_describe(error) for error in e.errors())
        raise PolicyConfigError(f"policy {policy!r}: {problems}") from e


def _describe(error: Mapping[str, Any]) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()))
    if error.get("type") == "extra_forbidden":
        return f"unknown option {where!r}"
    return f"option {where!r}: {error.get('msg')}"
