"""The intent confusion matrix stays legible at 150+ intents: counts are white on dark
cells and black on light ones, the figure is capped near 3000 px and counts are left out
when the cells get too small to print them."""

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
    text_colour,
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
