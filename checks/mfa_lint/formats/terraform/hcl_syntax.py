"""Parse HCL into a parse tree with positions, in the shape of bc-python-hcl2's Lark grammar, and walk it.

The tree is built by tree-sitter-hcl (`hcl_tree_sitter`: faster, and it accepts what Terraform accepts where the
Lark grammar does not); its shape is exactly the one `Hcl2.lark_parser.parse` gives (`lark.Tree` / `lark.Token`
with line, column and offsets for every token), which the evaluator walks. checkov keeps its own hcl2 parse.
When a file does not parse, a cheap pre-scan names unterminated strings, heredocs and comments by their line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lark import Token, Tree

from mfa_lint.reading.limits import HCL_NESTING, HCL_TEMPLATE_NESTING
from mfa_lint.reading.site import SourceError, Span

_HEREDOC_START = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*\r?\n")


@dataclass(frozen=True)
class Block:
    """One HCL block: `type "label" "label" { body }`."""

    type: str
    labels: tuple[str, ...]
    body: Tree
    header: Token  # the block type identifier token
    line: int
    end_line: int


@dataclass(frozen=True)
class Attribute:
    """One `name = expression` attribute."""

    name: str
    name_token: Token
    expression: Tree | Token


def token_span(token: Token) -> Span:
    return Span(token.line, token.column, token.end_line, token.end_column)


def node_span(node: Tree | Token) -> Span:
    if isinstance(node, Token):
        return token_span(node)
    meta = node.meta
    if getattr(meta, "empty", True):
        return Span(1, 1, 1, 1)
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def node_text(node: Tree | Token, text: str) -> str:
    """The source text of an expression (for unresolved references and messages)."""
    if isinstance(node, Token):
        return str(node)
    meta = node.meta
    if getattr(meta, "empty", True):
        return ""
    return text[meta.start_pos:meta.end_pos]


def identifier_name(node: Tree | Token) -> str | None:
    if isinstance(node, Tree) and node.data == "identifier" and node.children:
        return str(node.children[0])
    return None


def _identifier_token(node: Tree) -> Token:
    token = node.children[0]
    assert isinstance(token, Token)
    return token


def blocks(body: Tree) -> Iterator[Block]:
    """The blocks directly inside a body."""
    for child in body.children:
        if not (isinstance(child, Tree) and child.data == "block"):
            continue
        head, *labels_and_body = child.children
        inner = labels_and_body[-1]
        labels = []
        for label in labels_and_body[:-1]:
            if isinstance(label, Token):
                labels.append(str(label)[1:-1] if str(label).startswith('"') else str(label))
            else:
                labels.append(identifier_name(label) or "")
        meta = child.meta
        yield Block(
            type=identifier_name(head) or "",
            labels=tuple(labels),
            body=inner,
            header=_identifier_token(head),
            line=meta.line,
            end_line=meta.end_line,
        )


def attributes(body: Tree) -> Iterator[Attribute]:
    """The attributes directly inside a body."""
    for child in body.children:
        if isinstance(child, Tree) and child.data == "attribute" and len(child.children) >= 2:
            name_node = child.children[0]
            yield Attribute(identifier_name(name_node) or "", _identifier_token(name_node), child.children[1])


def attribute(body: Tree, name: str) -> Attribute | None:
    for attr in attributes(body):
        if attr.name == name:
            return attr
    return None


def root_body(tree: Tree) -> Tree:
    for child in tree.children:
        if isinstance(child, Tree) and child.data == "body":
            return child
    return Tree("body", [])


def parse_hcl(text: str) -> Tree:
    """The parse tree of an HCL file; SourceError with a one-line reason when it is not valid HCL."""
    from mfa_lint.formats.terraform import hcl_tree_sitter

    try:
        return hcl_tree_sitter.parse(text)
    except SourceError:
        _prescan(text)  # a clearer reason for the commonest mistakes, when it finds one
        raise


def _prescan(text: str) -> None:
    """Name an unterminated string, heredoc or block comment, a bracket that is never closed or closed by the wrong
    one, or brackets nested deeper than HCL_NESTING (iteratively, in one pass)."""
    i, n, line = 0, len(text), 1
    opened: list[tuple[str, int]] = []
    while i < n:
        ch = text[i]
        if ch in "{[(":
            opened.append((ch, line))
            if len(opened) > HCL_NESTING:
                raise SourceError(f"HCL nested too deeply at line {line}: more than {HCL_NESTING} levels of brackets")
            i += 1
        elif ch in "}])":
            if not opened or "{[(".index(opened[-1][0]) != "}])".index(ch):
                raise SourceError(f"invalid HCL at line {line}: unexpected {ch!r}")
            opened.pop()
            i += 1
        elif ch == "\n":
            line += 1
            i += 1
        elif ch == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise SourceError(f"invalid HCL at line {line}: unterminated /* comment")
            line += text.count("\n", i, end)
            i = end + 2
        elif text.startswith("<<", i):
            match = _HEREDOC_START.match(text, i)
            if not match:
                i += 2
                continue
            i, line = _skip_heredoc(text, match, line)
        elif ch == '"':
            i, line = _skip_string(text, i, line)
        else:
            i += 1
    if opened:
        bracket, where = opened[-1]
        raise SourceError(f"invalid HCL at line {where}: {bracket!r} is never closed")


def _skip_heredoc(text: str, match: re.Match[str], line: int) -> tuple[int, int]:
    marker = match.group(1)
    start_line = line
    pos = match.end()
    line += 1
    n = len(text)
    while pos < n:
        end = text.find("\n", pos)
        stop = n if end < 0 else end
        if text[pos:stop].strip() == marker:
            return stop, line
        if end < 0:
            break
        pos = end + 1
        line += 1
    raise SourceError(f"invalid HCL at line {start_line}: heredoc <<{marker} is never closed")


def _skip_string(text: str, i: int, line: int) -> tuple[int, int]:
    """Skip a quoted string, including `${ ... }` interpolations with nested strings and braces."""
    start_line = line
    stack: list[int | None] = [None]  # None: inside a string; int: inside an interpolation, open-brace count
    j, n = i + 1, len(text)
    while stack:
        if j >= n:
            raise SourceError(f"invalid HCL at line {start_line}: unterminated string")
        ch = text[j]
        top = stack[-1]
        if top is None:
            if ch == "\\":
                j += 2
                continue
            if ch == "\n":
                raise SourceError(f"invalid HCL at line {start_line}: unterminated string")
            if ch == '"':
                stack.pop()
            elif text.startswith("$${", j):
                j += 3
                continue
            elif text.startswith("%%{", j):
                j += 3
                continue
            elif text.startswith("${", j) or text.startswith("%{", j):
                if len(stack) >= HCL_TEMPLATE_NESTING:
                    raise SourceError(f"invalid HCL at line {line}: template nested too deeply")
                stack.append(0)
                j += 2
                continue
            j += 1
            continue
        if ch == '"':
            stack.append(None)
        elif ch == "{":
            stack[-1] = top + 1
        elif ch == "}":
            if top == 0:
                stack.pop()
            else:
                stack[-1] = top - 1
        elif ch == "\n":
            line += 1
        j += 1
    return j, line
