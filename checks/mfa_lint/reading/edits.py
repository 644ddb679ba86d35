"""Fix edits: where a finding's operator sits in the file text, and the one-token rename that fixes it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mfa_lint.reading.lines import line_starts, offset_of
from mfa_lint.reading.site import Span


@dataclass(frozen=True)
class Edit:
    """A mechanical fix: replace `old` (the text at `span`) with `new`; only the operator name changes."""

    span: Span
    old: str
    new: str


def span_text(text: str, span: Span, starts: list[int] | None = None) -> tuple[int, int] | None:
    """(start, end) offsets of `span` in `text`, or None when the span lies outside it."""
    starts = starts if starts is not None else line_starts(text)
    start = offset_of(starts, span.line, span.column)
    end = offset_of(starts, span.end_line, span.end_column)
    if start is None or end is None or not (0 <= start <= end <= len(text)):
        return None
    return start, end


_OPERATOR_CHARS = r"A-Za-z0-9:"


def operator_edit(text: str, span: Span, operator: str, replacement: str, starts: list[int]) -> Edit | None:
    """The edit that renames `operator` to `replacement` inside `span`, or None when the span does not hold it
    exactly once (then the file is never touched)."""
    where = span_text(text, span, starts)
    if where is None:
        return None
    old = text[where[0] : where[1]]
    pattern = re.compile(rf"(?<![{_OPERATOR_CHARS}]){re.escape(operator)}(?![{_OPERATOR_CHARS}])")
    matches = list(pattern.finditer(old))
    if len(matches) != 1:
        return None
    m = matches[0]
    before = old[: m.start()]
    if before.rfind("${") > before.rfind("}"):
        return None  # the name of a placeholder (`${BoolIfExists}` filled in from a parameter), not the operator
    return Edit(span=span, old=old, new=old[: m.start()] + replacement + old[m.end() :])
