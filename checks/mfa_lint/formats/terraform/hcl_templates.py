"""HCL string templates: quoted strings and heredocs split into literal text and `${ ... }` interpolations.

Terraform writes IAM policy variables as `$${aws:username}` (the escape for a literal `${`); after decoding they
read `${aws:username}`, which the core knows is not a Terraform reference. Interpolations are kept as their source
text so the evaluator can resolve the simple ones (`var.x`, `local.x`) and leave the rest as references.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mfa_lint.reading import limits

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


class Offsets:
    """Where each decoded character sits in the raw text: (start, end) per character, kept in two compact arrays
    (a template's text can be large; a tuple per character would be ten times the memory). Indexing gives a
    (start, end) pair, slicing an Offsets, iterating the pairs: it reads like a list of pairs."""

    __slots__ = ("_starts", "_ends")

    def __init__(self, pairs: Any = ()) -> None:
        self._starts = array("q")
        self._ends = array("q")
        for begin, finish in pairs:
            self._starts.append(begin)
            self._ends.append(finish)

    @classmethod
    def run(cls, begin: int, finish: int) -> Offsets:
        """One character per raw position in [begin, finish)."""
        made = cls()
        made.add_run(begin, finish)
        return made

    def add_run(self, begin: int, finish: int) -> None:
        self._starts.extend(range(begin, finish))
        self._ends.extend(range(begin + 1, finish + 1))

    def append(self, pair: tuple[int, int]) -> None:
        self._starts.append(pair[0])
        self._ends.append(pair[1])

    def extend(self, pairs: Any) -> None:
        if isinstance(pairs, Offsets):
            self._starts.extend(pairs._starts)
            self._ends.extend(pairs._ends)
            return
        for pair in pairs:
            self.append(pair)

    def __len__(self) -> int:
        return len(self._starts)

    def __bool__(self) -> bool:
        return len(self._starts) > 0

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            made = Offsets()
            made._starts = self._starts[index]
            made._ends = self._ends[index]
            return made
        return self._starts[index], self._ends[index]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self._starts, self._ends, strict=True)

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, (Offsets, list, tuple)) else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Offsets({list(self)!r})"


_SPECIAL = re.compile(r"\$\$\{|%%\{|\$\{|%\{")
_SPECIAL_ESCAPES = re.compile(r"\\|\$\$\{|%%\{|\$\{|%\{")


def located_parts(raw: str, *, escapes: bool) -> list[tuple[Part, Offsets]]:
    """Template parts with where they sit in `raw`: for literal text one (start, end) per decoded character, for an
    interpolation one (start, end) for the whole `${ ... }`. Literal runs are copied in bulk (regex search)."""
    parts: list[tuple[Part, Offsets]] = []
    literal: list[str] = []
    offsets = Offsets()

    def flush() -> None:
        nonlocal literal, offsets
        if literal:
            parts.append(("".join(literal), offsets))
            literal, offsets = [], Offsets()

    special = _SPECIAL_ESCAPES if escapes else _SPECIAL
    i, n = 0, len(raw)
    while i < n:
        found = special.search(raw, i)
        stop = found.start() if found else n
        if stop > i:
            literal.append(raw[i:stop])
            offsets.add_run(i, stop)
            i = stop
        if found is None:
            break
        token = found.group(0)
        if token == "\\":
            nxt = raw[i + 1] if i + 1 < n else ""
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
            literal.append("\\")
            offsets.append((i, i + 1))
            i += 1
            continue
        if token in ("$${", "%%{"):
            literal.append(raw[i + 1:i + 3])
            offsets.extend([(i, i + 2), (i + 2, i + 3)])
            i += 3
            continue
        end = _closing_brace(raw, i + 2)
        if end < 0:  # not a well-formed interpolation: keep the text as it is
            literal.append(raw[i:])
            offsets.add_run(i, n)
            break
        flush()
        expression = raw[i + 2:end].strip().strip("~").strip()
        parts.append((Interpolation(expression, directive=token == "%{"), Offsets([(i, end + 1)])))
        i = end + 1
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


# -- template syntax: directives, strip markers, flush heredocs ------------------------------------------------------



class TemplateError(ValueError):
    """The template's directives are not balanced (Terraform refuses the file)."""


@dataclass(frozen=True, eq=False)
class Literal:
    """Literal text (escapes decoded) and, per character, where it sits in the raw template."""

    text: str
    offsets: Offsets


@dataclass(frozen=True)
class Interp:
    """`${ expression }`: its text, where the expression text starts in the raw template, and the whole sequence."""

    expression: str
    start: int
    span: tuple[int, int]


@dataclass(frozen=True)
class IfNode:
    condition: str
    start: int
    then: tuple[TemplateNode, ...]
    otherwise: tuple[TemplateNode, ...]
    span: tuple[int, int]


@dataclass(frozen=True)
class ForNode:
    key: str | None
    value: str
    collection: str
    start: int
    body: tuple[TemplateNode, ...]
    span: tuple[int, int]


TemplateNode = Literal | Interp | IfNode | ForNode


@dataclass
class _Token:
    kind: str  # "literal", "interp", "if", "else", "endif", "for", "endfor"
    text: str = ""
    offsets: Offsets | None = None
    start: int = 0  # where the expression text starts (interp, if, for)
    span: tuple[int, int] = (0, 0)
    strip_left: bool = False
    strip_right: bool = False
    key: str | None = None
    value: str = ""


_FOR_HEAD = re.compile(r"^for\s+([A-Za-z_][\w-]*)\s*(?:,\s*([A-Za-z_][\w-]*)\s*)?in\s+", re.DOTALL)


def parse_template(
    raw: str, *, escapes: bool, lines: bool, flush: bool = False
) -> tuple[tuple[TemplateNode, ...], bool]:
    """A template's nodes, as HCL reads them: strip markers (`~`) trim the whitespace of the neighbouring literal
    token, a flush heredoc (`<<-`) then loses the indentation of its least indented line, and `%{ if }` /
    `%{ for }` enclose their content. `lines`: literal text is one token per line (heredocs and template files),
    which is what a strip marker trims. Also whether the template is one interpolation alone (its value keeps its
    type). Raises TemplateError on unbalanced directives."""
    if len(raw) <= _CACHED_TEMPLATE:  # the short strings a module repeats; a long heredoc is parsed where it is used
        return _cached_template(raw, escapes, lines, flush)
    return _parse_template(raw, escapes, lines, flush)


#: Templates up to this many characters are cached once parsed.
_CACHED_TEMPLATE = 256


@lru_cache(maxsize=2048)
def _cached_template(raw: str, escapes: bool, lines: bool, flush: bool) -> tuple[tuple[TemplateNode, ...], bool]:
    return _parse_template(raw, escapes, lines, flush)


def _parse_template(raw: str, escapes: bool, lines: bool, flush: bool) -> tuple[tuple[TemplateNode, ...], bool]:
    tokens = _tokens(raw, escapes=escapes, lines=lines)
    _strip(tokens)
    if flush:
        _flush(tokens)
    alone = len(tokens) == 1 and tokens[0].kind == "interp"
    return tuple(_tree(tokens)), alone


def _tokens(raw: str, *, escapes: bool, lines: bool) -> list[_Token]:
    tokens: list[_Token] = []
    for part, offsets in located_parts(raw, escapes=escapes):
        if len(tokens) > limits.TEMPLATE_TOKENS:
            raise TemplateError("template too large")
        if isinstance(part, str):
            start = 0
            newline = part.find("\n") if lines else -1
            while newline >= 0:
                tokens.append(_Token("literal", part[start:newline + 1], offsets[start:newline + 1]))
                start = newline + 1
                newline = part.find("\n", start)
            if start < len(part):
                tokens.append(_Token("literal", part[start:], offsets[start:]))
            continue
        begin, end = offsets[0]
        inner = raw[begin + 2:end - 1]
        left, right = inner.startswith("~"), inner.endswith("~") and len(inner) > (1 if inner.startswith("~") else 0)
        body = inner[1 if left else 0:len(inner) - 1 if right else len(inner)]
        lead = len(body) - len(body.lstrip())
        text = body.strip()
        start = begin + 2 + (1 if left else 0) + lead
        if not part.directive:
            tokens.append(_Token("interp", text, start=start, span=(begin, end), strip_left=left, strip_right=right))
            continue
        keyword = text.split(None, 1)[0] if text else ""
        token = _Token(keyword, span=(begin, end), strip_left=left, strip_right=right)
        if keyword == "if":
            token.text = text[2:].strip()
            token.start = start + (len(text) - len(text[2:].lstrip()))
        elif keyword == "for":
            head = _FOR_HEAD.match(text)
            if head is None:
                raise TemplateError("invalid for directive")
            token.key, token.value = (head.group(1), head.group(2)) if head.group(2) else (None, head.group(1))
            token.text = text[head.end():].strip()
            token.start = start + head.end()
        elif keyword not in ("else", "endif", "endfor") or text != keyword:
            raise TemplateError(f"invalid template directive %{{{text[:20]}}}")
        tokens.append(token)
    return tokens


def _strip(tokens: list[_Token]) -> None:
    """`${~`/`%{~` trim trailing whitespace of the literal token just before; `~}` leading whitespace of the one
    just after (HCL: one token, so in a heredoc only up to the end of its line)."""
    for index, token in enumerate(tokens):
        if token.kind == "literal":
            continue
        if token.strip_left and index > 0 and tokens[index - 1].kind == "literal":
            before = tokens[index - 1]
            keep = len(before.text.rstrip())
            before.text, before.offsets = before.text[:keep], (before.offsets or Offsets())[:keep]
        if token.strip_right and index + 1 < len(tokens) and tokens[index + 1].kind == "literal":
            after = tokens[index + 1]
            cut = len(after.text) - len(after.text.lstrip())
            after.text, after.offsets = after.text[cut:], (after.offsets or Offsets())[cut:]


def _flush(tokens: list[_Token]) -> None:
    """HCL's flush heredoc rule, on the tokens after strip markers: literal tokens that begin a line (the previous
    literal ended with a newline) lose as many leading spaces as the least indented such line has; an all-blank
    line does not count, a line that begins with an interpolation counts as 0."""
    least: int | None = None
    adjust: list[_Token] = []
    newline = True
    for token in tokens:
        if newline:
            newline = False
            spaces = 0
            if token.kind == "literal":
                stripped = token.text.lstrip()
                if not stripped and token.text.endswith("\n"):
                    spaces = -1
                else:
                    spaces = len(token.text) - len(stripped)
                    adjust.append(token)
            if spaces >= 0 and (least is None or spaces < least):
                least = spaces
        if token.kind == "literal" and token.text.endswith("\n"):
            newline = True
    for token in adjust:
        cut = min(least or 0, len(token.text))
        token.text, token.offsets = token.text[cut:], (token.offsets or Offsets())[cut:]


def _tree(tokens: list[_Token]) -> list[TemplateNode]:
    """Nest the tokens: `%{ if }` ... `%{ else }` ... `%{ endif }`, `%{ for }` ... `%{ endfor }`."""
    root: list[TemplateNode] = []
    # open directives: (token, then-list, else-list or None, list being filled)
    stack: list[tuple[_Token, list[TemplateNode], list[TemplateNode] | None]] = []

    def current() -> list[TemplateNode]:
        if not stack:
            return root
        token, then, otherwise = stack[-1]
        return otherwise if otherwise is not None else then

    for token in tokens:
        if token.kind == "literal":
            current().append(Literal(token.text, token.offsets or Offsets()))
        elif token.kind == "interp":
            current().append(Interp(token.text, token.start, token.span))
        elif token.kind in ("if", "for"):
            if len(stack) >= limits.DIRECTIVE_NESTING:
                raise TemplateError("template directives nested too deeply")
            stack.append((token, [], None))
        elif token.kind == "else":
            if not stack or stack[-1][0].kind != "if" or stack[-1][2] is not None:
                raise TemplateError("unexpected else directive")
            opened, then, _ = stack.pop()
            stack.append((opened, then, []))
        else:
            wanted = "if" if token.kind == "endif" else "for"
            if not stack or stack[-1][0].kind != wanted:
                raise TemplateError(f"unexpected {token.kind} directive")
            opened, then, otherwise = stack.pop()
            span = (opened.span[0], token.span[1])
            if wanted == "if":
                node: TemplateNode = IfNode(opened.text, opened.start, tuple(then), tuple(otherwise or ()), span)
            else:
                node = ForNode(opened.key, opened.value, opened.text, opened.start, tuple(then), span)
            current().append(node)
    if stack:
        raise TemplateError(f"the {stack[-1][0].kind} directive is never closed")
    return root
