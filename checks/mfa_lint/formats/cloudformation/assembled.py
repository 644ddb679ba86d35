"""JSON policy text that a template writes in pieces (`Fn::Sub` with placeholders, `Fn::Join` of strings, Refs and
mappings), assembled as CloudFormation would, with where each character of it came from in the file.

A finding inside the text is then reported where its operator sits in the file: inside a literal piece at the
operator's own characters (as mfa_lint.formats.cloudformation.embedded maps a string's text to the file), and for a
piece CloudFormation fills in (a `${Op}` placeholder, a `!Ref Op` item of a Join) at that placeholder or item, which
is where the operator is written. A piece whose place in the file is uncertain (escapes in a JSON template's string,
a folded scalar) maps to nothing, and the finding falls back to the property holding the policy.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mfa_lint.formats.cloudformation.embedded import SpanMapper, text_origin
from mfa_lint.formats.cloudformation.intrinsics import node_at, render_text, sub_parts, sub_placeholders
from mfa_lint.reading.limits import INTRINSIC_NESTING
from mfa_lint.reading.site import Span

Point = Span  # where one character of the assembled text is written in the file (an escape may be wider)
Resolve = Callable[[str], Any]


@dataclass
class _Piece:
    """Text the assembly holds at `start`, and the file place of each of its characters."""

    start: int
    text: str
    point: Callable[[int], Point | None]
    unknown: bool = False  # a placeholder nobody can fill (it stays `${...}` text)


def _nowhere(_offset: int) -> Point | None:
    return None


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return starts


class _Source:
    """A string of the template and its mapper to the file (None when its place is uncertain)."""

    def __init__(self, text: str, mapper: SpanMapper | None) -> None:
        self.text = text
        self.mapper = mapper
        self._starts: list[int] | None = None

    def point(self, offset: int) -> Point | None:
        if self.mapper is None:
            return None
        if self._starts is None:
            self._starts = _line_starts(self.text)
        line = bisect.bisect_right(self._starts, offset) - 1
        column = offset - self._starts[line] + 1
        return self.mapper(Span(line + 1, column, line + 1, column + 1))

    def run(self, first: int, last: int) -> Callable[[int], Point | None]:
        """The places of text[first:last], as a piece's point function."""
        return lambda i: self.point(first + i)

    def block(self, first: int, last: int) -> Callable[[int], Point | None]:
        """A placeholder text[first:last] replaced by other text: every character sits at the placeholder."""
        return lambda i: self.point(first) if i == 0 else self.point(last - 1)


def _node_places(node: Any) -> Callable[[int], Point | None]:
    """An item CloudFormation fills in (`!Ref Op`): the filled text sits where the item is written."""
    start, end = getattr(node, "start_mark", None), getattr(node, "end_mark", None)
    if start is None or end is None:
        return _nowhere
    first = Span(start.line + 1, start.column + 1, start.line + 1, start.column + 2)
    last = Span(end.line + 1, max(end.column, 1), end.line + 1, max(end.column, 1) + 1)
    if (end.line, end.column) == (start.line, start.column):
        last = first
    return lambda i: first if i == 0 else last


@dataclass
class Assembled:
    """The assembled text and its pieces."""

    text: str = ""
    pieces: list[_Piece] = field(default_factory=list)
    _starts: list[int] | None = None

    def add(self, text: str, point: Callable[[int], Point | None], unknown: bool = False) -> None:
        if text:
            self.pieces.append(_Piece(len(self.text), text, point, unknown))
            self.text += text

    def _offset(self, line: int, column: int) -> int:
        if self._starts is None:
            self._starts = _line_starts(self.text)
        return self._starts[line - 1] + column - 1 if 0 < line <= len(self._starts) else -1

    def _piece(self, offset: int) -> int:
        return bisect.bisect_right([p.start for p in self.pieces], offset) - 1

    def _point(self, offset: int) -> Point | None:
        if not 0 <= offset < len(self.text):
            return None
        piece = self.pieces[self._piece(offset)]
        return piece.point(offset - piece.start)

    def span(self, span: Span) -> Span | None:
        """A span of the assembled text (1-based, as loads_with_positions gives them) as a span of the file.

        A JSON string whose quotes are written apart from its text (`'{"'`, `!Ref Op`, `'": ...'` in a Join; `"${Op}"`
        in Sub text) is placed at its text: the operator, wherever it is written."""
        first_offset = self._offset(span.line, span.column)
        end_offset = self._offset(span.end_line, span.end_column)
        if 0 <= first_offset and end_offset - first_offset >= 3 and self.text[first_offset] == '"' \
                and self.text[end_offset - 1] == '"':
            if self._piece(first_offset) != self._piece(first_offset + 1):
                first_offset += 1
            if self._piece(end_offset - 1) != self._piece(end_offset - 2):
                end_offset -= 1
        first = self._point(first_offset)
        last = self._point(end_offset - 1)
        if first is None or last is None:
            return None
        return Span(first.line, first.column, last.end_line, last.end_column)

    def quote_bare_unknowns(self) -> Assembled:
        """The text with each unknown placeholder that stands outside a JSON string quoted (`"k": ${Flag}` with
        Flag unknown is only JSON as `"k": "${Flag}"`: an unresolved value, not invalid JSON)."""
        inside: dict[int, bool] = {}
        in_string = escaped = False
        starts = {p.start for p in self.pieces if p.unknown}
        for offset, ch in enumerate(self.text):
            if offset in starts:
                inside[offset] = in_string
            if escaped:
                escaped = False
            elif ch == "\\" and in_string:
                escaped = True
            elif ch == '"':
                in_string = not in_string
        quoted = Assembled()
        for piece in self.pieces:
            bare = piece.unknown and not inside.get(piece.start, True)
            if bare:
                quoted.add('"', piece.point)
            quoted.add(piece.text, piece.point, piece.unknown)
            if bare:
                quoted.add('"', lambda i, p=piece: p.point(len(p.text) - 1))
        return quoted


def assemble(value: Any, sources: Mapping[tuple, tuple], original: Any, lines: Sequence[str] | None,
             resolve: Resolve) -> Assembled | None:
    """The text an evaluated policy value (a string, `Fn::Sub`, `Fn::Join`) stands for, with the places of its
    pieces in the file; None when it is no text (an unknown intrinsic at the top, a Join of a non-list)."""
    assembled = Assembled()
    if not _add(assembled, value, (), sources, original, lines, resolve, 0):
        return None
    return assembled


def _source_string(path: tuple | None, original: Any, text: str, lines: Sequence[str] | None,
                   container: tuple | None = None) -> _Source:
    """The template string at `path` (or, when it carries no position, the intrinsic `container` holding it, as
    `!Sub |` does) with its mapper to the file."""
    if path is None or not lines:
        return _Source(text, None)
    for candidate in (path, container):
        node = node_at(original, candidate) if candidate is not None else None
        mark = getattr(node, "start_mark", None)
        if mark is not None:
            mapper = text_origin(lines, mark.line, mark.column, text)
            if mapper is not None:
                return _Source(text, mapper)
    return _Source(text, None)


def _add(assembled: Assembled, value: Any, out: tuple, sources: Mapping[tuple, tuple], original: Any,
         lines: Sequence[str] | None, resolve: Resolve, depth: int) -> bool:
    if depth > INTRINSIC_NESTING:
        return False
    src = sources.get(out)
    node = node_at(original, src) if src is not None else None
    if isinstance(value, str):
        if isinstance(node, str) and node == value:  # written in the template as it is
            source = _source_string(src, original, value, lines)
            assembled.add(value, source.run(0, len(value)))
        else:  # filled in by CloudFormation (a Ref, a mapping): at the intrinsic that fills it
            assembled.add(value, _node_places(node))
        return True
    if isinstance(value, (bool, int, float)):
        text = render_text(value, resolve)
        assembled.add(text or "", _node_places(node))
        return True
    if not isinstance(value, dict) or len(value) != 1:
        return False
    parts = sub_parts(value)
    if parts is not None:
        text, variables, text_path = parts
        text_src = sources.get(out + text_path)
        source = _source_string(text_src, original, text, lines, container=src)
        _add_sub(assembled, source, variables, resolve)
        return True
    arg = value.get("Fn::Join")
    if arg is not None:
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], list)):
            return False
        delimiter = _source_string(sources.get(out + ("Fn::Join", 0)), original, arg[0], lines)
        for index, item in enumerate(arg[1]):
            if index:
                assembled.add(arg[0], delimiter.run(0, len(arg[0])))
            if not _add(assembled, item, out + ("Fn::Join", 1, index), sources, original, lines, resolve, depth + 1):
                assembled.add("${" + _unknown_name(item) + "}", _node_places(_node(sources, out, index, original)),
                              unknown=True)
        return True
    return False


def _node(sources: Mapping[tuple, tuple], out: tuple, index: int, original: Any) -> Any:
    src = sources.get(out + ("Fn::Join", 1, index))
    return node_at(original, src) if src is not None else None


def _add_sub(assembled: Assembled, source: _Source, variables: Mapping[str, Any], resolve: Resolve) -> None:
    """Fn::Sub text: literal runs where they are written, each filled placeholder at the placeholder."""
    text = source.text
    at = 0
    for match in sub_placeholders(text):
        assembled.add(text[at:match.start()], source.run(at, match.start()))
        at = match.end()
        bang, name = match.group(1), match.group(2)
        if bang:
            assembled.add("${" + name + "}", source.block(match.start(), match.end()))
            continue
        filled = render_text(variables[name], resolve) if name in variables else _plain(resolve(name.strip()))
        if filled is None:
            assembled.add(match.group(0), source.run(match.start(), match.end()), unknown=True)
        else:
            assembled.add(filled, source.block(match.start(), match.end()))
    assembled.add(text[at:], source.run(at, len(text)))


def _plain(value: Any) -> str | None:
    return render_text(value, lambda _name: None) if value is not None else None


def _unknown_name(item: Any) -> str:
    """How a Join item nobody can fill is named in the text (`${Bucket.Arn}`): no `:` or `}` (IAM variables have
    them) so that the core reads it as one unresolved value."""
    if isinstance(item, dict) and len(item) == 1:
        ((name, arg),) = item.items()
        if name == "Ref" and isinstance(arg, str):
            return arg.replace(":", "")
        if name == "Fn::GetAtt":
            parts = arg if isinstance(arg, list) else str(arg).split(".")
            return ".".join(str(p) for p in parts).replace(":", "")
        return str(name).removeprefix("Fn::")
    return "value"
