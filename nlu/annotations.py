"""Rasa's inline entity markup in training examples, turned into plain text plus entities.

Three forms are understood, each wrapping the annotated span in ``[...]``:

* ``[Berlin](city)`` — entity ``city`` with value ``"Berlin"``;
* ``[gastro pub](cuisine:gastropub)`` — the old synonym shorthand: the value is
  ``"gastropub"`` while the span stays ``"gastro pub"``;
* ``[Berlin]{"entity": "city", "role": "destination", "group": "1", "value": "BER"}``
  — JSON with ``entity`` (required) and optional ``role``, ``group`` and ``value``.

A ``[`` that is not followed by a closing ``]`` and one of ``(``/``{`` is
ordinary text (``"see [1]"`` stays as it is). Markup that starts like an
annotation but is broken raises :class:`AnnotationError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from nlu.interfaces import Entity

_JSON_KEYS = frozenset({"entity", "role", "group", "value"})


class AnnotationError(ValueError):
    """Entity markup in an example is malformed; the message says what and where."""


@dataclass(frozen=True)
class _Label:
    entity: str
    value: str | None = None
    role: str | None = None
    group: str | None = None


def parse_annotated(text: str) -> tuple[str, tuple[Entity, ...]]:
    """Strip entity markup from ``text``.

    Returns the plain text and its entities, whose ``start``/``end`` are
    character offsets into the plain text and whose ``value`` is the span (or
    the value given by the markup).
    """
    plain: list[str] = []
    entities: list[Entity] = []
    length = 0
    i = 0
    while i < len(text):
        found = _annotation_at(text, i)
        if found is None:
            plain.append(text[i])
            length += 1
            i += 1
            continue
        span, label, i = found
        entities.append(
            Entity(
                entity=label.entity,
                value=span if label.value is None else label.value,
                start=length,
                end=length + len(span),
                role=label.role,
                group=label.group,
            )
        )
        plain.append(span)
        length += len(span)
    return "".join(plain), tuple(entities)


def _annotation_at(text: str, i: int) -> tuple[str, _Label, int] | None:
    """The annotation starting at ``text[i]``: (span, label, index after it), or None."""
    if text[i] != "[":
        return None
    close = text.find("]", i + 1)
    if close == -1 or "[" in text[i + 1 : close] or close + 1 >= len(text):
        return None
    opener = text[close + 1]
    if opener not in "({":
        return None
    span = text[i + 1 : close]
    if not span.strip():
        raise AnnotationError(f"empty entity text '[]' at character {i} of {text!r}")
    if opener == "(":
        label, end = _parenthesised_label(text, close + 1)
    else:
        label, end = _json_label(text, close + 1)
    return span, label, end


def _parenthesised_label(text: str, start: int) -> tuple[_Label, int]:
    end = text.find(")", start)
    if end == -1:
        raise AnnotationError(f"unclosed '(' at character {start} of {text!r}")
    inner = text[start + 1 : end]
    entity, colon, value = inner.partition(":")
    entity = entity.strip()
    if not entity or any(c.isspace() for c in entity) or "(" in entity:
        raise AnnotationError(
            f"bad entity name {entity!r} at character {start} of {text!r}: "
            "expected '(entity)' or '(entity:value)'"
        )
    if colon and not value.strip():
        raise AnnotationError(f"empty synonym value after {entity + ':'!r} in {text!r}")
    return _Label(entity=entity, value=value.strip() if colon else None), end + 1


def _json_label(text: str, start: int) -> tuple[_Label, int]:
    try:
        data, end = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError as e:
        raise AnnotationError(
            f"invalid JSON entity label at character {start} of {text!r}: {e.msg}"
        ) from e
    if not isinstance(data, dict):
        raise AnnotationError(f"JSON entity label must be an object, in {text!r}")
    unknown = sorted(set(data) - _JSON_KEYS)
    if unknown:
        raise AnnotationError(
            f"unknown key(s) {', '.join(map(repr, unknown))} in JSON entity label of {text!r}; "
            "allowed: entity, role, group, value"
        )
    for key, field_value in data.items():
        if not isinstance(field_value, str) or not field_value:
            raise AnnotationError(
                f"JSON entity label key {key!r} must be a non-empty string, in {text!r}"
            )
    if "entity" not in data:
        raise AnnotationError(f"JSON entity label lacks 'entity', in {text!r}")
    return (
        _Label(
            entity=data["entity"],
            value=data.get("value"),
            role=data.get("role"),
            group=data.get("group"),
        ),
        end,
    )
