"""The intent confusion matrix stays legible at 150+ intents: counts are white on dark
cells and black on light ones, the figure is capped near 3000 px and counts are left out
when the cells get too small to print them. The fallback-threshold trade-off chart draws
in-scope accuracy and out-of-scope recall against the threshold."""

from __future__ import annotations

from pathlib import Path

import matplotlib.colors
import matplotlib.image
import numpy as np

from parley.nlu_report_plots import (
    COLOUR_MAP,
    confusion_figure,
    pyplot,
    save_confusion_matrix,
    save_oos_tradeoff,
    text_colour,
    tradeoff_figure,
)


def test_text_colour_is_white_on_dark_cells_and_black_on_light_ones() -> None:
    blues = matplotlib.colormaps[COLOUR_MAP]

    assert text_colour((0.0, 0.0, 0.0, 1.0)) == "white"
    assert text_colour((1.0, 1.0, 1.0, 1.0)) == "black"
    assert text_colour(blues(1.0)) == "white"
    assert text_colour(blues(0.05)) == "black"


def test_counts_in_dark_cells_are_white_and_in_light_cells_black() -> None:
    matrix = np.array([[40, 2], [0, 9]])

    figure = confusion_figure(matrix, ["greet", "order_status"])
    colours = {t.get_text(): matplotlib.colors.to_hex(t.get_color()) for t in figure.axes[0].texts}
    pyplot().close(figure)

    assert colours == {"40": "#ffffff", "2": "#000000", "9": "#000000"}  # no text for 0


def test_a_confusion_matrix_of_152_intents_is_capped_near_3000_px_and_omits_counts(
    tmp_path: Path,
) -> None:
    labels = [f"intent_{i:03d}" for i in range(152)]
    expected = labels * 2
    predicted = labels + labels[1:] + labels[:1]

    path = save_confusion_matrix(expected, predicted, tmp_path / "matrix.png")
    figure = confusion_figure(np.eye(152, dtype=int), labels)
    title, texts = figure.axes[0].get_title(), figure.axes[0].texts
    pyplot().close(figure)

    height, width = matplotlib.image.imread(path).shape[:2]
    assert height <= 3000 and width <= 3000
    assert list(texts) == []
    assert "counts left out" in title


def test_a_small_confusion_matrix_prints_every_count_and_grows_with_its_labels() -> None:
    small = confusion_figure(np.array([[3, 1], [2, 5]]), ["a", "b"])
    larger = confusion_figure(np.eye(40, dtype=int), [f"i{i}" for i in range(40)])
    small_texts = sorted(t.get_text() for t in small.axes[0].texts)
    sizes = [f.get_size_inches()[0] * f.dpi for f in (small, larger)]
    pyplot().close(small)
    pyplot().close(larger)

    assert small_texts == ["1", "2", "3", "5"]
    assert sizes[0] < sizes[1] < 3000


def tradeoff_curve() -> list[dict[str, float]]:
    """Accuracy falls from 1.0 by 0.05 per step while recall rises from 0.0 by 0.05."""
    return [
        {
            "threshold": round(0.05 * i, 2),
            "in_scope_accuracy": 1.0 - 0.05 * i,
            "out_of_scope_recall": 0.05 * i,
            "out_of_scope_precision": 0.5,
        }
        for i in range(20)
    ]


def test_the_tradeoff_chart_draws_accuracy_and_recall_against_the_threshold() -> None:
    curve = tradeoff_curve()

    figure = tradeoff_figure(curve, curve[9])
    axes = figure.axes[0]
    lines = {line.get_label(): line for line in axes.get_lines()}
    pyplot().close(figure)

    assert set(lines) == {"in-scope accuracy", "out-of-scope recall", "best 0.45"}
    for label, key in [
        ("in-scope accuracy", "in_scope_accuracy"),
        ("out-of-scope recall", "out_of_scope_recall"),
    ]:
        assert list(lines[label].get_xdata()) == [row["threshold"] for row in curve]
        assert np.allclose(lines[label].get_ydata(), [row[key] for row in curve])
    assert list(lines["best 0.45"].get_xdata()) == [0.45, 0.45]
    assert axes.get_xlabel() == "fallback threshold"


def test_the_tradeoff_chart_is_a_png_of_sensible_size(tmp_path: Path) -> None:
    path = save_oos_tradeoff(tradeoff_curve(), tmp_path / "tradeoff.png")

    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = matplotlib.image.imread(path).shape[:2]
    assert 200 <= height <= 1000 and 400 <= width <= 1500
