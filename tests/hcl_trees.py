"""Compare two HCL parse trees in Lark's shape: bc-python-hcl2's Lark parse and the tree-sitter adapter's.

Rule names, token types, token values and every position must be the same; a tree's end may differ only by the
whitespace and comments between the two ends (Lark's trees end after the newlines and comments that follow them,
the adapter's at their last token).
"""

from __future__ import annotations

import re

from lark import Token, Tree

_BLANK = re.compile(r"(?:\s|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.DOTALL)


_UNCLOSED_ESCAPE = re.compile(r'\$\$\{[^}"\n]*(?:["\n]|$)')


def lark_tree(text: str) -> Tree:
    """bc-python-hcl2's Lark parse (as mfa-lint's reader did it before tree-sitter), ValueError where it fails.
    A literal `$${` with no `}` is refused first: the grammar's string regex backtracks exponentially on it."""
    from hcl2.parser import Hcl2

    if _UNCLOSED_ESCAPE.search(text):
        raise ValueError("a literal $${ with no closing brace: the Lark grammar backtracks exponentially")
    return Hcl2.lark_parser.parse(text + "\n")


def first_difference(expected: Tree | Token, got: Tree | Token, text: str) -> str | None:
    """None when the trees agree, else where and how they first differ."""
    stack = [(expected, got, "start")]
    while stack:
        a, b, where = stack.pop()
        if isinstance(a, Token) or isinstance(b, Token):
            if not (isinstance(a, Token) and isinstance(b, Token)):
                return f"{where}: {_show(a)} != {_show(b)}"
            fields = ("type", "value", "start_pos", "line", "column", "end_line", "end_column", "end_pos")
            if any(getattr(a, f) != getattr(b, f) for f in fields):
                return f"{where}: token {_show(a)} != {_show(b)}"
            continue
        if a.data != b.data or len(a.children) != len(b.children):
            return f"{where}: {a.data}{[_kind(c) for c in a.children]} != {b.data}{[_kind(c) for c in b.children]}"
        ma, mb = a.meta, b.meta
        if ma.empty != mb.empty:
            return f"{where}/{a.data}: meta empty {ma.empty} != {mb.empty}"
        if not ma.empty:
            if (ma.start_pos, ma.line, ma.column) != (mb.start_pos, mb.line, mb.column):
                return f"{where}/{a.data}: starts at {ma.line}:{ma.column} != {mb.line}:{mb.column}"
            low, high = sorted((ma.end_pos, mb.end_pos))
            if _BLANK.fullmatch(text, low, high) is None:
                return f"{where}/{a.data}: ends at {ma.end_line}:{ma.end_column} != {mb.end_line}:{mb.end_column}"
        for index in range(len(a.children) - 1, -1, -1):
            stack.append((a.children[index], b.children[index], f"{where}/{a.data}[{index}]"))
    return None


def _kind(node: Tree | Token) -> str:
    return node.data if isinstance(node, Tree) else node.type


def _show(node: object) -> str:
    if isinstance(node, Token):
        return f"{node.type}({str(node)[:30]!r} {node.line}:{node.column}-{node.end_line}:{node.end_column})"
    if isinstance(node, Tree):
        return node.data
    return repr(node)
