"""The charts of ``parley test nlu``: intent confusion matrix, confidence histogram and,
with an out-of-scope intent, the trade-off curve of the fallback threshold
(:func:`tradeoff_figure`).

The confusion matrix stays legible however many intents there are:

* the figure grows by :data:`INCHES_PER_LABEL` per label but is never larger than
  :data:`MAX_FIGURE_INCHES` (at :data:`DPI`, 3000 px square; 152 intents once made
  a 5,585 px image);
* each count is printed white on a dark cell and black on a light one
  (:func:`text_colour`);
* counts are left out, and the title says so, when the cap leaves the cells too small
  to print them (more than :data:`MAX_ANNOTATED_LABELS` labels); ``intent_report.json``
  lists the top confusions instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

DPI = 100
MAX_FIGURE_INCHES = 30.0
MIN_FIGURE_INCHES = 6.0
INCHES_PER_LABEL = 0.35
MARGIN_INCHES = 3.0
"""Room for the tick labels and title around the cells."""
MAX_ANNOTATED_LABELS = int((MAX_FIGURE_INCHES - MARGIN_INCHES) / INCHES_PER_LABEL)
"""Counts are printed only while every cell keeps its full :data:`INCHES_PER_LABEL`."""
COLOUR_MAP = "Blues"
COUNT_FONT_SIZE = 7.0
MAX_TICK_FONT_SIZE = 7.0
MIN_TICK_FONT_SIZE = 3.0
DARK_BELOW = 0.5
"""Cells whose luminance (0 black .. 1 white) is below this get white text."""
RIGHT_COLOUR = "#2a9d8f"
WRONG_COLOUR = "#e76f51"


def pyplot() -> Any:
    """matplotlib's pyplot on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def text_colour(rgba: Sequence[float]) -> str:
    """``"white"`` on a dark cell colour, ``"black"`` on a light one (Rec. 709 luma)."""
    red, green, blue = (float(channel) for channel in rgba[:3])
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "white" if luminance < DARK_BELOW else "black"


def figure_inches(labels: int) -> float:
    """Side of the square confusion-matrix figure for ``labels`` labels, capped."""
    return min(MAX_FIGURE_INCHES, max(MIN_FIGURE_INCHES, INCHES_PER_LABEL * labels + MARGIN_INCHES))


def confusion_figure(matrix: np.ndarray, labels: Sequence[str]) -> Any:
    """The confusion matrix (rows expected, columns predicted) as a matplotlib figure."""
    plt = pyplot()
    count = len(labels)
    size = figure_inches(count)
    figure, axes = plt.subplots(figsize=(size, size), dpi=DPI)
    image = axes.imshow(matrix, cmap=COLOUR_MAP)
    tick_font = _tick_font_size(size, count)
    axes.set_xticks(range(count), labels, rotation=90, fontsize=tick_font)
    axes.set_yticks(range(count), labels, fontsize=tick_font)
    axes.set_xlabel("predicted intent")
    axes.set_ylabel("expected intent")
    if count <= MAX_ANNOTATED_LABELS:
        axes.set_title("Intent confusion matrix")
        _annotate(axes, image, matrix)
    else:
        axes.set_title(
            f"Intent confusion matrix ({count} labels: counts left out, "
            "see 'top confusions' in intent_report.json)"
        )
    figure.tight_layout()
    return figure


def _tick_font_size(size: float, labels: int) -> float:
    points_per_label = 72.0 * (size - MARGIN_INCHES) / max(labels, 1)
    return float(np.clip(0.8 * points_per_label, MIN_TICK_FONT_SIZE, MAX_TICK_FONT_SIZE))


def _annotate(axes: Any, image: Any, matrix: np.ndarray) -> None:
    for (row, column), count in np.ndenumerate(matrix):
        if count:
            colour = text_colour(image.cmap(image.norm(count)))
            axes.text(
                column,
                row,
                str(count),
                ha="center",
                va="center",
                fontsize=COUNT_FONT_SIZE,
                color=colour,
            )


def save_confusion_matrix(expected: Sequence[str], predicted: Sequence[str], path: Path) -> Path:
    """Write the confusion matrix of ``expected`` against ``predicted`` labels as a PNG."""
    from sklearn.metrics import confusion_matrix

    labels = sorted(set(expected) | set(predicted))
    matrix = confusion_matrix(list(expected), list(predicted), labels=labels)
    figure = confusion_figure(matrix, labels)
    figure.savefig(path, dpi=DPI)
    pyplot().close(figure)
    return path


def save_histogram(confidences: Sequence[float], correct: Sequence[bool], path: Path) -> Path:
    """Write the histogram of the confidences of right and wrong predictions as a PNG."""
    plt = pyplot()
    pairs = list(zip(confidences, correct, strict=True))
    right = [c for c, ok in pairs if ok]
    wrong = [c for c, ok in pairs if not ok]
    figure, axes = plt.subplots(figsize=(7, 4))
    bins = np.linspace(0.0, 1.0, 21)
    axes.hist(
        [right, wrong], bins=bins, label=["correct", "wrong"], color=[RIGHT_COLOUR, WRONG_COLOUR]
    )
    axes.set_xlabel("confidence of the predicted intent")
    axes.set_ylabel("messages")
    axes.set_title("Intent prediction confidence")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path


def tradeoff_figure(curve: Sequence[Mapping[str, Any]], best: Mapping[str, Any] | None) -> Any:
    """In-scope accuracy and out-of-scope recall (rows of ``curve``) against the fallback
    threshold as a matplotlib figure; a dotted line marks the ``best`` row's threshold."""
    plt = pyplot()
    thresholds = [row["threshold"] for row in curve]
    accuracy = [
        np.nan if row["in_scope_accuracy"] is None else row["in_scope_accuracy"] for row in curve
    ]
    recall = [row["out_of_scope_recall"] for row in curve]
    figure, axes = plt.subplots(figsize=(7, 4))
    axes.plot(thresholds, accuracy, marker="o", color=RIGHT_COLOUR, label="in-scope accuracy")
    axes.plot(thresholds, recall, marker="o", color=WRONG_COLOUR, label="out-of-scope recall")
    if best is not None:
        axes.axvline(
            best["threshold"], color="grey", linestyle=":", label=f"best {best['threshold']:.2f}"
        )
    axes.set_xlim(0.0, 1.0)
    axes.set_ylim(-0.02, 1.02)
    axes.set_xlabel("fallback threshold")
    axes.set_ylabel("score")
    axes.set_title("Out of scope: fallback threshold trade-off")
    axes.legend()
    figure.tight_layout()
    return figure


def save_oos_tradeoff(
    curve: Sequence[Mapping[str, Any]], path: Path, best: Mapping[str, Any] | None = None
) -> Path:
    """Write the fallback-threshold trade-off curve (:func:`tradeoff_figure`) as a PNG."""
    figure = tradeoff_figure(curve, best)
    figure.savefig(path, dpi=DPI)
    pyplot().close(figure)
    return path
