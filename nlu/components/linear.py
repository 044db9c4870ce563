"""A multinomial logistic-regression model: fitted with scikit-learn, applied with numpy.

Only the weights are kept (``.npz``), so a persisted model holds no pickled code
and inference on one message is a sparse-dense product plus a softmax.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self

import numpy as np
from pydantic import Field, StrictInt

from nlu.components.features import SparseRows
from nlu.components.options import ComponentOptions, PositiveNumbers
from nlu.components.storage import read_arrays, write_arrays
from nlu.errors import ModelLoadError

if TYPE_CHECKING:
    import scipy.sparse as sp

ClassWeight = Literal["balanced", "none"]


@dataclass(frozen=True)
class LinearSettings:
    """``C`` (inverse regularisation; several values are chosen between by cross-validation),
    ``max_iter``, ``class_weight`` (balanced | none) and ``random_state``."""

    c: tuple[float, ...] = (30.0,)
    max_iter: int = 1000
    class_weight: ClassWeight = "none"
    random_state: int = 42


class LinearOptions(ComponentOptions):
    """The options of a component's linear model(s): ``C`` (a number > 0 or a list of
    them), ``max_iter``, ``class_weight`` and ``random_state``; an option left out takes
    the value of the component's :class:`LinearSettings` (see :meth:`linear_settings`)."""

    C: PositiveNumbers = LinearSettings.c
    max_iter: StrictInt = Field(LinearSettings.max_iter, ge=1)
    class_weight: ClassWeight = LinearSettings.class_weight
    random_state: StrictInt = LinearSettings.random_state

    def linear_settings(self, defaults: LinearSettings | None = None) -> LinearSettings:
        """``defaults`` (default :class:`LinearSettings`) with the options that were set."""
        given = {_SETTING[key]: getattr(self, key) for key in self.model_fields_set & set(_SETTING)}
        return dataclasses.replace(defaults or LinearSettings(), **given)


_SETTING = {
    "C": "c",
    "max_iter": "max_iter",
    "class_weight": "class_weight",
    "random_state": "random_state",
}
"""Option name -> :class:`LinearSettings` field."""


@dataclass(frozen=True)
class SoftmaxModel:
    labels: tuple[str, ...]
    weights: np.ndarray  # (n_features, n_labels), float32
    bias: np.ndarray  # (n_labels,), float32

    @classmethod
    def fit(cls, x: sp.csr_matrix, y: Sequence[str], settings: LinearSettings) -> Self:
        """Fit on rows ``x`` with labels ``y``; a single label or no features give the prior."""
        labels, counts = np.unique(np.asarray(y), return_counts=True)
        if len(labels) < 2 or x.shape[1] == 0:
            return cls.prior(tuple(str(label) for label in labels), counts, x.shape[1])
        estimator = _estimator(x, np.asarray(y), settings)
        coef, intercept = estimator.coef_, estimator.intercept_
        if len(labels) == 2:
            coef = np.vstack([-coef / 2, coef / 2])
            intercept = np.concatenate([-intercept / 2, intercept / 2])
        names = tuple(str(label) for label in labels)
        return cls(names, coef.T.astype(np.float32), intercept.astype(np.float32))

    @classmethod
    def prior(cls, labels: tuple[str, ...], counts: np.ndarray, n_features: int) -> Self:
        """A model that ignores its input and predicts the label frequencies."""
        bias = np.log(counts / counts.sum()).astype(np.float32)
        return cls(labels, np.zeros((n_features, len(labels)), np.float32), bias)

    def probabilities(self, x: SparseRows) -> np.ndarray:
        """One row of label probabilities (in ``labels`` order) per row of ``x``."""
        return softmax(x.dot(self.weights) + self.bias)

    def save(self, path: Path) -> None:
        labels = np.asarray(self.labels, dtype=str)
        write_arrays(path, {"labels": labels, "weights": self.weights, "bias": self.bias})

    @classmethod
    def load(cls, path: Path, n_features: int) -> Self:
        arrays = read_arrays(path, "labels", "weights", "bias")
        labels = tuple(str(label) for label in arrays["labels"])
        weights, bias = arrays["weights"], arrays["bias"]
        if weights.shape != (n_features, len(labels)) or bias.shape != (len(labels),):
            raise ModelLoadError(
                path,
                f"weights have shape {weights.shape}, expected {(n_features, len(labels))}",
            )
        return cls(labels, weights, bias)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax, computed in place."""
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores


def _estimator(x: sp.csr_matrix, y: np.ndarray, settings: LinearSettings) -> Any:
    # Imported here: only training needs scikit-learn, and importing it costs about a
    # second that every process loading a model or the NLU interfaces would pay.
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    model = LogisticRegression(
        C=settings.c[0],
        max_iter=settings.max_iter,
        class_weight="balanced" if settings.class_weight == "balanced" else None,
        random_state=settings.random_state,
    )
    smallest_class = int(np.unique(y, return_counts=True)[1].min())
    if len(settings.c) == 1 or smallest_class < 2:
        return model.fit(x, y)
    folds = StratifiedKFold(n_splits=min(5, smallest_class))
    search = GridSearchCV(model, {"C": list(settings.c)}, cv=folds, n_jobs=1)
    return search.fit(x, y).best_estimator_
