"""Evaluated Terraform values that remember where they were written.

A policy is often assembled: statements from a local in another file, a `merge` of a statement and a condition, a
`concat` of lists, a `yamldecode(file(...))`. A finding must still point at the operator where it was written, so
each object, list and string carries its place with it (the `Span`, whose `file` is set by the evaluator), and the
functions that build new values out of old ones (`merge`, `concat`, `for` expressions, `lookup`) hand the places on.
The located types are subclasses of dict, list and str, so the core and every other reader see plain values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mfa_lint.core.values import Unknown
from mfa_lint.reading import limits
from mfa_lint.reading.site import Span


class LocatedDict(dict):
    """An object or map: where it opens (`span`), where each key is written (`key_spans`); `encoded` when it is the
    argument of a `jsonencode` (a string to Terraform, kept as structure here so its parts stay judged one by one)."""

    __slots__ = ("span", "key_spans", "encoded")

    def __init__(self, *args: Any, span: Span | None = None, key_spans: dict | None = None,
                 encoded: bool = False) -> None:
        super().__init__(*args)
        self.span = span
        self.key_spans = key_spans if key_spans is not None else {}
        self.encoded = encoded


class LocatedList(list):
    """A tuple, list or set: where it opens, and where each item is written (None where nobody wrote it)."""

    __slots__ = ("span", "item_spans", "encoded")

    def __init__(self, items: Any = (), span: Span | None = None, item_spans: list | None = None,
                 encoded: bool = False) -> None:
        super().__init__(items)
        self.span = span
        spans = list(item_spans) if item_spans is not None else []
        self.item_spans = (spans + [None] * len(self))[: len(self)]
        self.encoded = encoded


class LocatedStr(str):
    """A string and where it was written; `template` when its text is a template (a heredoc, a quoted string, a
    file) whose characters keep their places, so JSON or YAML inside can be decoded with positions."""

    __slots__ = ("span", "template")

    def __new__(cls, value: str, span: Span | None = None, template: Any = None) -> LocatedStr:
        made = super().__new__(cls, value)
        made.span = span
        made.template = template
        return made


def span_of(value: Any) -> Span | None:
    """Where a value was written, when it remembers."""
    if isinstance(value, (LocatedDict, LocatedList, LocatedStr, UnknownText)):
        return value.span
    return None


def located(value: Any, span: Span | None) -> Any:
    """`value` remembering `span` when it is a string that remembers nothing yet; other values are returned as they
    are (values are shared between the places that use them: they are never changed)."""
    if span is None or not isinstance(value, str):
        return value
    if isinstance(value, LocatedStr):
        return value if value.span is not None else LocatedStr(value, span, value.template)
    return LocatedStr(value, span)


def item_span(container: list, index: int) -> Span | None:
    """Where item `index` of a list was written: its own place, else the one the list recorded for it."""
    item = container[index]
    own = span_of(item)
    if own is not None:
        return own
    if isinstance(container, LocatedList) and index < len(container.item_spans):
        return container.item_spans[index]
    return None


def key_span(mapping: dict, key: Any) -> Span | None:
    return mapping.key_spans.get(key) if isinstance(mapping, LocatedDict) else None


def new_list(items: list, spans: list[Span | None], span: Span | None = None) -> LocatedList:
    return LocatedList(items, span=span, item_spans=spans)


def list_spans(value: list) -> list[Span | None]:
    """The place of every item of a list."""
    return [item_span(value, i) for i in range(len(value))]


def paths(value: Any) -> dict[tuple, Span]:
    """The place of every key and item under `value`, by document path (the key: where the key is written; a list
    item: where the item is written); `()` is where the value itself is written. Iterative and bounded."""
    out: dict[tuple, Span] = {}
    own = span_of(value)
    if own is not None:
        out[()] = own
    stack: list[tuple[tuple, Any]] = [((), value)]
    while stack and len(out) < limits.LOCATED_PATHS:
        path, current = stack.pop()
        if len(path) > limits.VALUE_NESTING:
            continue
        if isinstance(current, dict):
            for key, child in current.items():
                where = key_span(current, key)
                if where is not None:
                    out[path + (key,)] = where
                if isinstance(child, (dict, list)):
                    stack.append((path + (key,), child))
        elif isinstance(current, list):
            for index, child in enumerate(current):
                where = item_span(current, index)
                if where is not None:
                    out[path + (index,)] = where
                if isinstance(child, (dict, list)):
                    stack.append((path + (index,), child))
    return out


def attach(value: Any, spans: dict[tuple, Span], file: str | None = None) -> Any:
    """A plain decoded value (JSON, YAML) with the places `spans` gives by path, in `file`: located copies."""
    def place(path: tuple) -> Span | None:
        found = spans.get(path)
        if found is None or file is None or found.file is not None:
            return found
        return Span(found.line, found.column, found.end_line, found.end_column, file)

    root: list[Any] = [None]
    # (path, value, parent, slot): build top-down, iteratively
    stack: list[tuple[tuple, Any, Any, Any]] = [((), value, root, 0)]
    while stack:
        path, current, parent, slot = stack.pop()
        if isinstance(current, (LocatedDict, LocatedList)):
            made: Any = current  # a value put into the text (an interpolation): it knows its own places
        elif isinstance(current, dict) and len(path) <= limits.VALUE_NESTING:
            made = LocatedDict(span=place(path))
            for key, child in current.items():
                where = place(path + (key,))
                if where is not None:
                    made.key_spans[key] = where
                made[key] = child
                stack.append((path + (key,), child, made, key))
        elif isinstance(current, list) and len(path) <= limits.VALUE_NESTING:
            made = LocatedList(current, span=place(path), item_spans=[place(path + (i,)) for i in range(len(current))])
            for index, child in enumerate(current):
                stack.append((path + (index,), child, made, index))
        else:
            made = current
        parent[slot] = made
    return root[0]


@dataclass(frozen=True, eq=False)
class UnknownText(Unknown):
    """A string template with an unknown part (`<<EOT ... ${var.x} ... EOT`): unknown as a string, but JSON or YAML
    in it can still be decoded with only that part unknown, so it keeps its template and place."""

    template: Any = None
    span: Span | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unknown) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash((self.raw,))
