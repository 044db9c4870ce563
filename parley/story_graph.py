"""``parley visualize``: the stories as one graph, written as a self-contained HTML page.

Stories that begin alike share their first nodes (a prefix tree over the steps), so the
page shows where conversations branch. Nodes are laid out in rows by step number and
drawn as inline SVG: the page needs no network and opens in any browser.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from dialogue.stories import (
    ActionStep,
    ActiveLoopStep,
    CheckpointStep,
    OrStep,
    SlotStep,
    Step,
    Story,
    UserStep,
)

_ROW, _COLUMN, _WIDTH, _HEIGHT = 90, 190, 170, 36


@dataclass
class Node:
    label: str
    kind: str  # "start", "user", "bot", "slot", "loop", "checkpoint", "end"
    children: dict[tuple[str, str], Node] = field(default_factory=dict)
    stories: list[str] = field(default_factory=list)


def story_graph(stories: Sequence[Story]) -> Node:
    """The prefix tree of ``stories``' steps under one START node; each path ends in END."""
    root = Node("START", "start")
    for story in stories:
        node = root
        for label, kind in [*(_describe(step) for step in story.steps), ("END", "end")]:
            node = node.children.setdefault((kind, label), Node(label, kind))
            node.stories.append(story.name)
    return root


def _describe(step: Step) -> tuple[str, str]:
    match step:
        case UserStep(intent=intent, text=text):
            return (intent or f'"{text}"'), "user"
        case ActionStep(name=name, bot_text=text):
            return (f'"{text}"' if text else name), "bot"
        case SlotStep(name=name, value=value):
            return f"slot {name} = {value}", "slot"
        case ActiveLoopStep(name=name):
            return f"active_loop {name}", "loop"
        case CheckpointStep(name=name):
            return f"checkpoint {name}", "checkpoint"
        case OrStep(alternatives=alternatives):
            return " | ".join(_describe(a)[0] for a in alternatives), "user"
    raise TypeError(f"unknown step {step!r}")


def graph_html(root: Node, title: str) -> str:
    """The graph as an HTML page with an inline SVG drawing."""
    rows: list[list[Node]] = []
    places: dict[int, tuple[int, int]] = {}
    _place(root, 0, rows, places)
    width = max(len(row) for row in rows) * _COLUMN + 40
    height = len(rows) * _ROW + 40
    shapes = [_edge(places[id(a)], places[id(b)]) for a in _walk(root) for b in a.children.values()]
    shapes += [_box(node, places[id(node)]) for node in _walk(root)]
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}'>"
        + "".join(shapes)
        + "</svg></body></html>\n"
    )


def _place(
    node: Node, depth: int, rows: list[list[Node]], places: dict[int, tuple[int, int]]
) -> None:
    if len(rows) <= depth:
        rows.append([])
    places[id(node)] = (20 + len(rows[depth]) * _COLUMN, 20 + depth * _ROW)
    rows[depth].append(node)
    for child in node.children.values():
        _place(child, depth + 1, rows, places)


def _walk(node: Node) -> list[Node]:
    return [node, *(n for child in node.children.values() for n in _walk(child))]


def _edge(start: tuple[int, int], end: tuple[int, int]) -> str:
    (x1, y1), (x2, y2) = start, end
    return (
        f"<line x1='{x1 + _WIDTH // 2}' y1='{y1 + _HEIGHT}' "
        f"x2='{x2 + _WIDTH // 2}' y2='{y2}' class='edge'/>"
    )


def _box(node: Node, at: tuple[int, int]) -> str:
    x, y = at
    label = node.label if len(node.label) <= 26 else node.label[:25] + "…"
    tip = html.escape(f"{node.label}\nin: {', '.join(dict.fromkeys(node.stories))}")
    return (
        f"<g class='{node.kind}'><title>{tip}</title>"
        f"<rect x='{x}' y='{y}' rx='8' width='{_WIDTH}' height='{_HEIGHT}'/>"
        f"<text x='{x + _WIDTH // 2}' y='{y + 23}'>{html.escape(label)}</text></g>"
    )


_STYLE = (
    "body{font-family:sans-serif} text{text-anchor:middle;font-size:12px}"
    " rect{stroke:#555;fill:#fff} .edge{stroke:#999;stroke-width:1.5}"
    " .user rect{fill:#dbeafe} .bot rect{fill:#dcfce7} .slot rect,.loop rect{fill:#fef9c3}"
    " .start rect,.end rect{fill:#e5e7eb} .checkpoint rect{fill:#fae8ff}"
)
