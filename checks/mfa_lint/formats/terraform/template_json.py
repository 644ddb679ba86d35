"""JSON held in an HCL string template (a heredoc, a quoted string, a template file), with `${ ... }` inside.

Only the interpolated values are unknown, not the document: each interpolation is replaced by a placeholder that
parses as JSON (inside a JSON string one private-use character; elsewhere a one-character JSON string), the text is
decoded with positions, and the placeholders are then replaced by the interpolation's value when the reader could
resolve it, else by an `Unknown` naming the reference. Every decoded character keeps its place in the file, so the
positions of keys and operators stay exact.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from mfa_lint.formats.terraform.hcl_templates import Offsets, Part
from mfa_lint.reading.json_positions import loads_with_positions
from mfa_lint.reading.limits import TEMPLATE_VALUE_NESTING
from mfa_lint.reading.lines import line_starts, position_of
from mfa_lint.reading.site import Span
from mfa_lint.reading.unknowns import terraform_unknown

_FIRST = 0xE000
_SLOTS = 0x1800  # private-use characters available as placeholders


@dataclass(frozen=True)
class Resolved:
    """An interpolation's value when the reader resolved it (`known`), else the text naming it."""

    known: bool
    value: Any = None


@dataclass(frozen=True)
class Template:
    """A string template as it sits in a file: its parts, where each sits in `raw`, and where `raw` starts."""

    raw: str
    line: int
    column: int
    parts: tuple[tuple[Part, Offsets], ...]
    values: tuple[Resolved | None, ...]  # per part: None for literal text
    file: str | None = None  # the file `raw` sits in (None: the file being read)
    whole_file: bool = False  # `raw` is a whole file (`file()`, `templatefile()`), which is then the policy's site


_QUOTE_OR_BACKSLASH = re.compile(r'["\\\\]')


@dataclass(frozen=True)
class _Slot:
    expression: str
    resolved: Resolved
    in_string: bool


def decode(template: Template) -> tuple[Any, dict[tuple, Span]]:
    """The JSON value the template renders to (unknown parts as Unknown) and the file span of every key and item.

    Raises SourceError when the text is not JSON even with its interpolations as placeholders."""
    chars: list[str] = []
    offsets = Offsets()
    slots: list[_Slot] = []
    in_string = False
    escaped_at = -1  # the position (in this part) of a character escaped by a backslash at the end of the last one
    for (part, part_offsets), resolved in zip(template.parts, template.values, strict=True):
        if isinstance(part, str):
            chars.append(part)
            offsets.extend(part_offsets)
            for quote in _QUOTE_OR_BACKSLASH.finditer(part):  # only `"` and `\\` change the string state
                at = quote.start()
                if at == escaped_at:
                    continue
                if quote.group(0) == "\\":
                    if in_string:
                        escaped_at = at + 1
                else:
                    in_string = not in_string
            escaped_at = 0 if escaped_at == len(part) else -1
            continue
        escaped_at = -1
        if len(slots) >= _SLOTS:
            resolved = Resolved(False)
        mark = chr(_FIRST + min(len(slots), _SLOTS - 1))
        slots.append(_Slot(part.source if part.directive else part.expression,
                           resolved or Resolved(False), in_string))
        placed = [mark] if in_string else ['"', mark, '"']
        chars.extend(placed)
        offsets.extend(part_offsets[0] for _ in placed)
    text = "".join(chars)
    value, spans = loads_with_positions(text)
    written: dict[tuple, Span] = {}
    if slots:
        value = _substitute(value, slots, 0)
        renamed: dict[tuple, Span] = {}
        for path, span in spans.items():
            key = tuple(_string(k, slots) if isinstance(k, str) else k for k in path)
            renamed[key] = span
            origin = _origin(path[-1], slots) if path else None
            if origin is not None:
                written[key] = origin
        spans = renamed
    placed = _file_spans(spans, text, offsets, template)
    placed.update(written)
    return value, placed


def _origin(key: Any, slots: list[_Slot]) -> Span | None:
    """Where a key that is one interpolation alone (`"${operator}": {...}`) was written, when its value remembers
    (a template variable given as a literal): the operator is edited there, not in the template."""
    if not isinstance(key, str) or len(key) != 1:
        return None
    slot = _slot(key, slots)
    if slot is None or not slot.resolved.known:
        return None
    span = getattr(slot.resolved.value, "span", None)
    return span if isinstance(span, Span) else None


def _substitute(value: Any, slots: list[_Slot], depth: int) -> Any:
    if depth > TEMPLATE_VALUE_NESTING:
        return value
    if isinstance(value, str):
        return _string(value, slots)
    if isinstance(value, list):
        return [_substitute(v, slots, depth + 1) for v in value]
    if isinstance(value, dict):
        return {_string(k, slots): _substitute(v, slots, depth + 1) for k, v in value.items()}
    return value


def _slot(ch: str, slots: list[_Slot]) -> _Slot | None:
    index = ord(ch) - _FIRST
    return slots[index] if 0 <= index < len(slots) else None


def _string(text: str, slots: list[_Slot]) -> Any:
    if not any(_slot(ch, slots) for ch in text):
        return text
    if len(text) == 1:
        slot = _slot(text, slots)
        assert slot is not None
        if not slot.resolved.known:
            return terraform_unknown(slot.expression)
        return _bare(slot) if not slot.in_string else _text(slot.resolved.value, slot)
    pieces: list[str] = []
    unknown: list[str] = []
    for ch in text:
        slot = _slot(ch, slots)
        if slot is None:
            pieces.append(ch)
            continue
        rendered = _text(slot.resolved.value, slot) if slot.resolved.known else None
        if isinstance(rendered, str):
            pieces.append(rendered)
        else:
            unknown.append(slot.expression)
    if unknown:
        return terraform_unknown(", ".join(dict.fromkeys(unknown)))
    return "".join(pieces)


def _text(value: Any, slot: _Slot) -> Any:
    """A resolved value as the template writes it into a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return terraform_unknown(slot.expression)  # a list or object in a string: Terraform refuses it


def _bare(slot: _Slot) -> Any:
    """A resolved value written where a JSON value goes: its text is JSON (`${jsonencode(...)}`, `${var.flag}`)."""
    value = slot.resolved.value
    if isinstance(value, str):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return terraform_unknown(slot.expression)
    return value


def _file_spans(spans: dict[tuple, Span], text: str, offsets: Offsets, template: Template) -> dict[tuple, Span]:
    """Spans in the decoded text -> spans in the file, through each decoded character's place in `raw`."""
    text_starts = line_starts(text)
    raw_starts = line_starts(template.raw)

    def text_offset(line: int, column: int) -> int:
        return text_starts[min(line, len(text_starts)) - 1] + column - 1

    def file_position(raw_offset: int) -> tuple[int, int]:
        line, column = position_of(raw_starts, raw_offset)
        if line == 1:
            column += template.column - 1
        return template.line + line - 1, column

    out: dict[tuple, Span] = {}
    for path, span in spans.items():
        start, end = text_offset(span.line, span.column), text_offset(span.end_line, span.end_column)
        if not (0 <= start < len(offsets) and 0 < end <= len(offsets)):
            continue
        line, column = file_position(offsets[start][0])
        end_line, end_column = file_position(offsets[end - 1][1])
        out[path] = Span(line, column, end_line, end_column)
    return out


def decode_yaml(template: Template) -> tuple[Any, dict[tuple, Span]]:
    """The YAML value a template renders to, with the file span of every key and list item: known interpolations
    are put in as their text, unknown ones as a placeholder that becomes an Unknown naming them.

    Raises SourceError when the text is not YAML."""
    from mfa_lint.reading.yaml_positions import loads_with_offsets

    chars: list[str] = []
    offsets = Offsets()
    slots: list[_Slot] = []
    for (part, part_offsets), resolved in zip(template.parts, template.values, strict=True):
        if isinstance(part, str):
            chars.append(part)
            offsets.extend(part_offsets)
            continue
        text = _yaml_text(resolved.value) if resolved is not None and resolved.known else None
        if isinstance(text, str):
            chars.extend(text)
            offsets.extend(part_offsets[0] for _ in text)
            continue
        mark = chr(_FIRST + min(len(slots), _SLOTS - 1))
        slots.append(_Slot(part.source if part.directive else part.expression, Resolved(False), True))
        chars.append(mark)
        offsets.append(part_offsets[0])
    text = "".join(chars)
    value, found = loads_with_offsets(text)
    if slots:
        value = _substitute(value, slots, 0)
        found = {tuple(_string(k, slots) if isinstance(k, str) else k for k in path): where
                 for path, where in found.items()}
    starts = line_starts(text)
    spans: dict[tuple, Span] = {}
    for path, (start, end) in found.items():
        line, column = position_of(starts, start)
        end_line, end_column = position_of(starts, max(start, end))
        spans[path] = Span(line, column, end_line, end_column)
    return value, _file_spans(spans, text, offsets, template)


def _yaml_text(value: Any) -> str | None:
    """A resolved interpolation as YAML text: scalars as they render, a structure as its JSON (JSON is YAML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, (dict, list)):
        try:
            return json.dumps(value)
        except (TypeError, ValueError, RecursionError):
            return None
    return None
