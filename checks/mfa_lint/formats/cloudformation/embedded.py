"""Where the text of a YAML/JSON string value sits in its template, so findings inside embedded JSON get exact lines.

Only layouts whose mapping is certain are mapped: a YAML literal block scalar (`|`, `|-`, `|+`, also after a
`!Sub` tag) whose lines are the file's lines minus one indentation, a plain one-line string whose text appears
verbatim in the file, and a quoted string closed on its line (a JSON template's `"{\"Bool\": ...}"` with its
escapes, a YAML single-quoted string with `''`). Anything else (folded `>`, a quoted string over several lines)
returns None and the caller points at the property key instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from mfa_lint.reading.site import Span

SpanMapper = Callable[[Span], "Span | None"]

_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}

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
    if head[start] in "'\"":
        return _quoted(head, line, start, text)
    if "\n" in text:
        return None
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


def _quoted(head: str, line: int, start: int, text: str) -> SpanMapper | None:
    """A quoted string closed on its line: each character of the text at the characters (an escape, `''`) that
    write it in the file."""
    quote = head[start]
    firsts: list[int] = []  # per character of the text: the first and one past the last column writing it
    ends: list[int] = []
    out: list[str] = []
    at = start + 1
    while at < len(head):
        ch = head[at]
        width = 1
        if ch == quote and quote == "'" and head[at + 1 : at + 2] == "'":
            width = 2
        elif ch == quote:
            break
        elif ch == "\\" and quote == '"':
            code = head[at + 1 : at + 2]
            if code == "u" and len(head[at + 2 : at + 6]) == 4:
                try:
                    ch, width = chr(int(head[at + 2 : at + 6], 16)), 6
                except ValueError:
                    return None
            elif code in _ESCAPES:
                ch, width = _ESCAPES[code], 2
            else:
                return None
        out.append(ch)
        firsts.append(at)
        ends.append(at + width)
        at += width
    else:
        return None  # not closed on this line
    if "".join(out) != text:
        return None
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def quoted(span: Span) -> Span | None:
        if not (0 < span.line <= len(starts) and 0 < span.end_line <= len(starts)):
            return None
        first = starts[span.line - 1] + span.column - 1
        last = starts[span.end_line - 1] + span.end_column - 2
        if not (0 <= first < len(firsts) and 0 <= last < len(ends)):
            return None
        return Span(line + 1, firsts[first] + 1, line + 1, ends[last] + 1)

    return quoted
