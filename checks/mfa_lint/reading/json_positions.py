"""JSON decoding that also records where every key and list item sits, for exact finding locations.

The stdlib decoder gives no positions and recurses (a deeply nested file raises RecursionError), so this is a small
iterative parser with a depth limit. It is used for every embedded JSON: plain policy files, heredocs, Fn::Sub
strings, JSON-string documents.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mfa_lint.reading.limits import JSON_NESTING
from mfa_lint.reading.lines import line_starts, position_of
from mfa_lint.reading.site import SourceError, Span

_WS = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LITERALS = (("true", True), ("false", False), ("null", None))


class _Positions:
    """Turns string offsets into 1-based (line, column), shifted to where the text sits in its file."""

    def __init__(self, text: str, line: int, column: int) -> None:
        self._starts = line_starts(text)
        self._line = line
        self._column = column

    def at(self, offset: int) -> tuple[int, int]:
        line, col = position_of(self._starts, offset)
        if line == 1:
            col += self._column - 1
        return self._line + line - 1, col

    def span(self, start: int, end: int) -> Span:
        line, col = self.at(start)
        end_line, end_col = self.at(end)
        return Span(line, col, end_line, end_col)


def _fail(pos: _Positions, offset: int, reason: str) -> SourceError:
    line, col = pos.at(offset)
    return SourceError(f"invalid JSON at line {line} column {col}: {reason}")


def loads_with_positions(text: str, *, line: int = 1, column: int = 1) -> tuple[Any, dict[tuple, Span]]:
    """Decode `text`; return the value and a map path -> Span (object members: the key token; list items: the value)."""
    pos = _Positions(text, line, column)
    spans: dict[tuple, Span] = {}
    # Each frame: [container, path, expecting]; expecting in {"key", "colon", "value", "comma"}; key for objects.
    stack: list[list[Any]] = []
    root: Any = None
    have_root = False
    i = _WS.match(text, 0).end()
    n = len(text)

    def place(value: Any, start: int, end: int) -> None:
        """Attach a finished scalar or a new container to its parent and record its span."""
        nonlocal root, have_root
        if not stack:
            root, have_root = value, True
            spans[()] = pos.span(start, end)
            return
        frame = stack[-1]
        container, path = frame[0], frame[1]
        if isinstance(container, list):
            spans[path + (len(container),)] = pos.span(start, end)
            container.append(value)
        else:
            container[frame[3]] = value
        frame[2] = "comma"

    while True:
        if i >= n:
            if stack or not have_root:
                raise _fail(pos, n, "unexpected end of input")
            break
        if have_root and not stack:
            raise _fail(pos, i, "extra data after the document")
        ch = text[i]
        frame = stack[-1] if stack else None
        expecting = frame[2] if frame else "value"

        if expecting == "key":
            if ch == "}":
                if frame[4]:
                    raise _fail(pos, i, "trailing comma before '}'")
                stack.pop()
                i = _WS.match(text, i + 1).end()
                continue
            m = _STRING.match(text, i)
            if not m:
                raise _fail(pos, i, "expected a string key")
            key = json.loads(m.group())
            spans[frame[1] + (key,)] = pos.span(m.start(), m.end())
            frame[3] = key
            frame[2] = "colon"
            i = _WS.match(text, m.end()).end()
            continue
        if expecting == "colon":
            if ch != ":":
                raise _fail(pos, i, "expected ':'")
            frame[2] = "value"
            i = _WS.match(text, i + 1).end()
            continue
        if expecting == "comma":
            closer = "]" if isinstance(frame[0], list) else "}"
            if ch == ",":
                frame[2] = "value" if closer == "]" else "key"
                frame[4] = True  # a comma was just read
                i = _WS.match(text, i + 1).end()
                continue
            if ch == closer:
                stack.pop()
                i = _WS.match(text, i + 1).end()
                continue
            raise _fail(pos, i, f"expected ',' or '{closer}'")

        # expecting a value
        if ch == "]" and frame is not None and isinstance(frame[0], list) and not frame[0]:
            if frame[4]:
                raise _fail(pos, i, "trailing comma before ']'")
            stack.pop()
            i = _WS.match(text, i + 1).end()
            continue
        if frame is not None:
            frame[4] = False
        if ch in "{[":
            if len(stack) >= JSON_NESTING:
                raise _fail(pos, i, f"nested deeper than {JSON_NESTING} levels")
            container: Any = {} if ch == "{" else []
            path = _child_path(frame, stack)
            place(container, i, i + 1)
            stack.append([container, path, "key" if ch == "{" else "value", None, False])
            i = _WS.match(text, i + 1).end()
            continue
        if ch == '"':
            m = _STRING.match(text, i)
            if not m:
                raise _fail(pos, i, "invalid string")
            place(json.loads(m.group()), m.start(), m.end())
            i = _WS.match(text, m.end()).end()
            continue
        m = _NUMBER.match(text, i)
        if m and m.end() > i:
            place(json.loads(m.group()), m.start(), m.end())
            i = _WS.match(text, m.end()).end()
            continue
        for word, value in _LITERALS:
            if text.startswith(word, i):
                place(value, i, i + len(word))
                i = _WS.match(text, i + len(word)).end()
                break
        else:
            raise _fail(pos, i, f"unexpected character {ch!r}")
    return root, spans


def _child_path(frame: list[Any] | None, stack: list[list[Any]]) -> tuple:
    """The path of the value about to be placed in `frame` (the root when there is no frame)."""
    if frame is None:
        return ()
    container = frame[0]
    if isinstance(container, list):
        return frame[1] + (len(container),)
    return frame[1] + (frame[3],)

