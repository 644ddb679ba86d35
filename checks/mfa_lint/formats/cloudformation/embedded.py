"""Where the text of a YAML/JSON string value sits in its template, so findings inside embedded JSON get exact lines.

Only layouts whose mapping is certain are mapped: a YAML literal block scalar (`|`, `|-`, `|+`, also after a
`!Sub` tag) whose lines are the file's lines minus one indentation, and a one-line string whose text appears
verbatim in the file (plain, or quoted without escapes). Anything else (folded `>`, escapes in a JSON template's
string) returns None and the caller points at the property key instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from mfa_lint.reading.site import Span

SpanMapper = Callable[[Span], Span]

_TAG = re.compile(r"!\S*\s+")


def text_origin(lines: Sequence[str], line: int, column: int, text: str) -> SpanMapper | None:
    """A mapper from spans in `text` (1-based, as `loads_with_positions(text)` gives them) to spans in the file.

    `line`/`column` (0-based) is the start mark the decoder gave the string node (or its `!Sub` tag).
    """
    if not 0 <= line < len(lines):
        return None
    head = lines[line]
    start = column
    tag = _TAG.match(head, start)
    if tag:
        start = tag.end()
    if start >= len(head):
        return None
    if head[start] == "|":
        return _block_literal(lines, line, head[start:], text)
    if "\n" in text:
        return None
    if head[start] in "'\"":
        start += 1
    if head[start : start + len(text)] != text:
        return None

    def one_line(span: Span) -> Span:
        return Span(line + 1, start + span.column, line + 1, start + span.end_column)

    return one_line


def _block_literal(lines: Sequence[str], header: int, indicator: str, text: str) -> SpanMapper | None:
    header_tokens = indicator.split("#", 1)[0].strip()
    if any(ch.isdigit() for ch in header_tokens):
        return None  # explicit indentation indicator: rare, not worth guessing
    text_lines = text.split("\n")
    indent = None
    for offset, text_line in enumerate(text_lines):
        if not text_line.strip():
            continue
        file_index = header + 1 + offset
        if file_index >= len(lines):
            return None
        file_line = lines[file_index].rstrip("\r\n")
        if indent is None:
            indent = len(file_line) - len(file_line.lstrip(" "))
        if file_line[indent:] != text_line:
            return None
    if indent is None:
        return None
    first = header + 1  # 0-based file line of the text's first line

    def block(span: Span) -> Span:
        return Span(first + span.line, indent + span.column, first + span.end_line, indent + span.end_column)

    return block
