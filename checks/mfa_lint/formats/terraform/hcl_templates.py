"""HCL string templates: quoted strings and heredocs split into literal text and `${ ... }` interpolations.

Terraform writes IAM policy variables as `$${aws:username}` (the escape for a literal `${`); after decoding they
read `${aws:username}`, which the core knows is not a Terraform reference. Interpolations are kept as their source
text so the evaluator can resolve the simple ones (`var.x`, `local.x`) and leave the rest as references.
"""

from __future__ import annotations

from dataclasses import dataclass

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


@dataclass(frozen=True)
class Interpolation:
    """`${ expression }` (or a `%{ directive }`, which is never resolved)."""

    expression: str
    directive: bool = False

    @property
    def source(self) -> str:
        return ("%{" if self.directive else "${") + self.expression + "}"


Part = str | Interpolation


def quoted_string_parts(token_text: str) -> list[Part]:
    """A STRING_LIT token (with its quotes) -> literal and interpolation parts, escapes decoded."""
    return _parts(token_text[1:-1], escapes=True)


def heredoc_content(token_text: str) -> tuple[str, bool]:
    """`<<EOF\\n...\\nEOF` -> (the lines between the markers, with their final newline; whether it is `<<-`)."""
    trim = token_text.startswith("<<-")
    first = token_text.find("\n")
    last = token_text.rfind("\n")
    if first < 0 or last <= first:
        return "", trim
    return token_text[first + 1:last + 1], trim


def trim_indent(content: str) -> str:
    """`<<-` heredocs: remove the indentation of the least indented non-blank line from every line."""
    lines = content.split("\n")
    indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(line[cut:] for line in lines)


def _parts(raw: str, *, escapes: bool) -> list[Part]:
    return [part for part, _ in located_parts(raw, escapes=escapes)]


Offsets = list[tuple[int, int]]


def located_parts(raw: str, *, escapes: bool) -> list[tuple[Part, Offsets]]:
    """Template parts with where they sit in `raw`: for literal text one (start, end) per decoded character, for an
    interpolation one (start, end) for the whole `${ ... }`."""
    parts: list[tuple[Part, Offsets]] = []
    literal: list[str] = []
    offsets: Offsets = []

    def flush() -> None:
        nonlocal literal, offsets
        if literal:
            parts.append(("".join(literal), offsets))
            literal, offsets = [], []

    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if escapes and ch == "\\" and i + 1 < n:
            nxt = raw[i + 1]
            if nxt in _ESCAPES:
                literal.append(_ESCAPES[nxt])
                offsets.append((i, i + 2))
                i += 2
                continue
            width = 4 if nxt == "u" else 8 if nxt == "U" else 0
            digits = raw[i + 2:i + 2 + width]
            if width and len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                literal.append(chr(min(int(digits, 16), 0x10FFFF)))
                offsets.append((i, i + 2 + width))
                i += 2 + width
                continue
            literal.append(ch)
            offsets.append((i, i + 1))
            i += 1
            continue
        if raw.startswith("$${", i) or raw.startswith("%%{", i):
            literal.append(raw[i + 1:i + 3])
            offsets.extend([(i, i + 2), (i + 2, i + 3)])
            i += 3
            continue
        if raw.startswith("${", i) or raw.startswith("%{", i):
            end = _closing_brace(raw, i + 2)
            if end < 0:  # not a well-formed interpolation: keep the text as it is
                literal.append(raw[i:])
                offsets.extend((j, j + 1) for j in range(i, n))
                break
            flush()
            expression = raw[i + 2:end].strip().strip("~").strip()
            parts.append((Interpolation(expression, directive=ch == "%"), [(i, end + 1)]))
            i = end + 1
            continue
        literal.append(ch)
        offsets.append((i, i + 1))
        i += 1
    flush()
    return parts


def _closing_brace(raw: str, start: int) -> int:
    """Index of the `}` closing an interpolation that starts at `start`, skipping nested strings and braces."""
    depth, i, n = 0, start, len(raw)
    in_string = False
    while i < n:
        ch = raw[i]
        if in_string:
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1
