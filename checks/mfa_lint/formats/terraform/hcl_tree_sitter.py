"""Parse HCL with tree-sitter-hcl and hand the evaluator the tree bc-python-hcl2's Lark grammar would have built.

Why: tree-sitter parses in C (6× faster than the Lark grammar on 5,271 public `.tf` files, 2× with this tree built;
8 ms to load instead of about 30 ms), never backtracks, and accepts what Terraform accepts where the Lark grammar does
not (a comment after the `:` of a `for`, an empty heredoc, a literal `$${` without `}`). The evaluator was written
against Lark's `Tree`/`Token` shapes (rule names, `expr_term` wrappers, right-nested operators, one `DECIMAL` token
per digit, line/column/offset positions), so this module rebuilds exactly those shapes from tree-sitter's nodes: the
evaluator does not change, and `tests/test_hcl_parsers_agree.py` checks the two trees are the same on every fixture.

Error tolerance is kept in check: a tree with an ERROR or MISSING node is rejected whole (one line with the
position), never read in part; and where tree-sitter-hcl is looser than Terraform (attributes not ending their line,
hexadecimal numbers, `::` outside a provider function name, a file that is a bare object) the file is rejected too.

The walk is iterative (an explicit stack), so nesting depth cannot exhaust the Python stack.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from lark import Token, Tree
from lark.tree import Meta

from mfa_lint.reading.budget import BudgetExceeded
from mfa_lint.reading.limits import HCL_SYNTAX_DEPTH
from mfa_lint.reading.site import SourceError

_BINARY_OPERATORS = {
    "==": "__ANON_1", "!=": "__ANON_2", "<": "LESSTHAN", ">": "MORETHAN", "<=": "__ANON_3", ">=": "__ANON_4",
    "-": "MINUS", "*": "STAR", "/": "SLASH", "%": "PERCENT", "&&": "__ANON_5", "||": "__ANON_6", "+": "PLUS",
}
_IDENTIFIER = "__ANON_0"
_HEREDOC = {"<<": ("heredoc_template", "__ANON_7"), "<<-": ("heredoc_template_trim", "__ANON_8")}

_local = threading.local()  # one parser per thread: a tree-sitter parser is not safe to share between threads


def available() -> bool:
    """tree-sitter and tree-sitter-hcl can be imported (mfa-lint depends on both; a checkov running mfa-lint's
    exported checks with only its own dependencies has neither: hcl_syntax then parses with bc-python-hcl2's Lark
    grammar, which checkov depends on)."""
    found = getattr(_available, "value", None)
    if found is None:
        import importlib.util

        found = _available.value = all(importlib.util.find_spec(m) is not None
                                       for m in ("tree_sitter", "tree_sitter_hcl"))
    return found


class _Available:
    value: bool | None = None


_available = _Available()


def load_parser() -> Any:
    """The tree-sitter parser for HCL, built once per thread (about 5 ms)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        import tree_sitter_hcl
        from tree_sitter import Language, Parser

        parser = _local.parser = Parser(Language(tree_sitter_hcl.language()))
    return parser


class _Anon:
    """An anonymous token tree-sitter keeps and Lark filters out (`=`, `(`, `?`, `.`, `,`): its text and position."""

    __slots__ = ("text", "pos")

    def __init__(self, text: str, pos: tuple[int, int, int, int, int, int]) -> None:
        self.text = text
        self.pos = pos


class _Flat(list):
    """An expression as Lark's grammar sees it: terms, binary operators, `?` and `:` in source order. Lark's LALR
    parser (shift on every conflict) nests that sequence to the right; `_nest` does the same."""


class _Positions:
    """tree-sitter's byte offsets and (row, byte column) -> Lark's character offsets and 1-based line/column."""

    def __init__(self, text: str, data: bytes) -> None:
        self.ascii = len(text) == len(data)
        self._starts: list[int] = []
        if not self.ascii:  # the byte offset at which each character starts
            self._starts = [0, *accumulate(len(c.encode("utf-8", "surrogatepass")) for c in text)]

    def char(self, byte: int) -> int:
        return byte if self.ascii else bisect_right(self._starts, byte) - 1

    def of(self, node: Any) -> tuple[int, int, int, int, int, int]:
        """(start_pos, line, column, end_pos, end_line, end_column) as Lark gives them."""
        sb, eb = node.start_byte, node.end_byte
        (sr, sc), (er, ec) = node.start_point, node.end_point
        if self.ascii:
            return sb, sr + 1, sc + 1, eb, er + 1, ec + 1
        start, end = self.char(sb), self.char(eb)
        return start, sr + 1, start - self.char(sb - sc) + 1, end, er + 1, end - self.char(eb - ec) + 1


def _pos_of(item: Any) -> tuple[int, int, int, int, int, int]:
    kind = type(item)
    if kind is Tree:
        meta = item._meta
        if meta is not None and not meta.empty:
            return meta._p
    elif kind is _Anon:
        return item.pos
    elif kind is tuple:
        return item
    elif kind is Token:
        return item.start_pos, item.line, item.column, item.end_pos, item.end_line, item.end_column
    m = item.meta
    return m.start_pos, m.line, m.column, m.end_pos, m.end_line, m.end_column


def _tree(data: str, children: list, first: Any, last: Any) -> Tree:
    """A Lark tree whose meta runs from `first`'s start to `last`'s end (what Lark's propagate_positions does)."""
    start, end = _pos_of(first), _pos_of(last)
    meta = Meta()
    meta.empty = False
    meta.start_pos, meta.line, meta.column = start[0], start[1], start[2]
    meta.end_pos, meta.end_line, meta.end_column = end[3], end[4], end[5]
    meta._p = (start[0], start[1], start[2], end[3], end[4], end[5])
    return Tree(data, children, meta)


def _token(kind: str, text: str, pos: tuple[int, int, int, int, int, int]) -> Token:
    token = str.__new__(Token, text)  # Token's own constructor spends most of its time on a deprecated signature
    token.type, token.value = kind, text
    token.start_pos, token.line, token.column, token.end_pos, token.end_line, token.end_column = pos
    return token


def _anon_token(kind: str, anon: _Anon) -> Token:
    return _token(kind, anon.text, anon.pos)


def _digits(text: str, pos: tuple[int, int, int, int, int, int], kind: str = "DECIMAL") -> list[Token]:
    """One token per character on one line (Lark's `DECIMAL : "0".."9"` matches a single digit)."""
    start_pos, line, column = pos[:3]
    return [_token(kind, ch, (start_pos + i, line, column + i, start_pos + i + 1, line, column + i + 1))
            for i, ch in enumerate(text)]


def _error(pos: tuple[int, int, int, int, int, int], reason: str) -> SourceError:
    return SourceError(f"invalid HCL at line {pos[1]} column {pos[2]}: {reason}")


# -- expressions ---------------------------------------------------------------------------------------------------


def _nest(flat: _Flat) -> Any:
    """Terms and operators -> the tree Lark's grammar builds: `a && b ? x : y` is `a && (b ? x : y)`, every binary
    chain nests to the right. Iterative: a chain of thousands of operators is fine."""
    if len(flat) == 1:
        return flat[0]
    pending: list[tuple] = []
    i, n = 0, len(flat)
    while True:
        left = flat[i]
        i += 1
        if i < n and isinstance(flat[i], _Anon) and flat[i].text in _BINARY_OPERATORS:
            pending.append(("binary", left, flat[i]))
            i += 1
            continue
        if i < n and isinstance(flat[i], _Anon) and flat[i].text == "?":
            pending.append(("condition", left))
            i += 1
            continue
        value = left
        while pending:
            frame = pending.pop()
            if frame[0] == "binary":
                op = frame[2]
                operator = _tree("binary_operator", [_anon_token(_BINARY_OPERATORS[op.text], op)], op, op)
                term = _tree("binary_term", [operator, value], op, value)
                value = _tree("binary_op", [frame[1], term], frame[1], term)
            elif frame[0] == "condition":  # `value` is the true branch; a `:` follows
                i += 1
                pending.append(("branches", frame[1], value))
                break
            else:
                value = _tree("conditional", [frame[1], frame[2], value], frame[1], value)
        else:
            return value


def _final(value: Any) -> Any:
    return _nest(value) if isinstance(value, _Flat) else value


def _expr_term(child: Any, first: Any = None, last: Any = None) -> Tree:
    return _tree("expr_term", [child], first or child, last or child)


def _term(pieces: list) -> _Flat:
    """The pieces of one tree-sitter `_expr_term` (a primary, then `.attr`, `[index]`, splats) -> Lark's left-nested
    `get_attr_expr_term` / `index_expr_term` / `*_splat_expr_term`, each wrapped in `expr_term`."""
    first = pieces[0]
    if isinstance(first, _Flat) and len(pieces) == 1:  # an operation
        return first
    if isinstance(first, _Anon):  # `( expression )`
        base = _expr_term(_final(pieces[1]), first, pieces[2])
        rest = pieces[3:]
    else:
        base = first
        rest = pieces[1:]
        if isinstance(base, _Flat):  # an operation followed by accessors: only as Lark would read the tokens
            *head, base = base
            return _Flat([*head, *_term([base, *rest])])
        literal = base.children[0]
        if rest and isinstance(literal, Tree) and literal.data in ("int_lit", "float_lit") \
                and rest[0].data == "index" and isinstance(rest[0].children[0], Token):  # `10.0.0.1`: invalid
            raise _error(_pos_of(base), "invalid number (more than one '.')")
    for accessor in rest:
        kind = accessor.data
        name = {"get_attr": "get_attr_expr_term", "index": "index_expr_term", "attr_splat": "attr_splat_expr_term",
                "full_splat": "full_splat_expr_term"}[kind]
        base = _expr_term(_tree(name, [base, accessor], base, accessor))
    return _Flat([base])


# -- one builder per tree-sitter node type: (node, converted children without comments, context) -> value ---------


class _Context:
    def __init__(self, text: str, data: bytes) -> None:
        self.text = text
        self.data = data
        self.positions = _Positions(text, data)

    def slice(self, pos: tuple[int, int, int, int, int, int]) -> str:
        return self.text[pos[0]:pos[3]]


def _b_config_file(node: Any, kids: list, ctx: _Context) -> Tree:
    body = kids[0] if kids else Tree("body", [])
    if isinstance(body, Tree) and body.data == "object":
        raise _error(_pos_of(body), "a bare object is not a Terraform configuration (a .tf.json file?)")
    text = ctx.text
    first = 0  # Lark's tree starts at its first token: after leading spaces and /* */ comments
    for match in _GAP.finditer(text):
        if not (match.group(0).isspace() and "\n" not in match.group(0)) and not match.group(0).startswith("/*"):
            first = match.start()
            break
    line = text.count("\n", 0, first) + 1
    start = (first, line, first - text.rfind("\n", 0, first), first, line, 1)
    return _tree("start", [body], start, ctx.positions.of(node))


def _b_body(node: Any, kids: list, ctx: _Context) -> Tree:
    for before, after in zip(kids, kids[1:], strict=False):
        if after.meta.line <= before.meta.end_line:
            what = "an argument" if before.data == "attribute" else "a block"
            raise _error(_pos_of(after), f"{what} must end its line (a newline before the next one)")
    # an argument set twice is an error to Terraform >= 0.12, but Terraform 0.11 files repeat `statement = {...}`
    # (one statement each), and the reader reads them: kept, as the Lark grammar kept them
    return _tree("body", kids, kids[0], kids[-1])


def _b_attribute(node: Any, kids: list, ctx: _Context) -> Tree:
    name, _, value = kids
    value = _final(value)
    return _tree("attribute", [name, value], name, value)


def _b_block(node: Any, kids: list, ctx: _Context) -> Tree:
    head = kids[0]
    labels = []
    i = 1
    while not isinstance(kids[i], _Anon):
        labels.append(kids[i])
        i += 1
    opening, closing = kids[i], kids[-1]
    body = kids[i + 1] if len(kids) > i + 2 else Tree("body", [])
    items = body.children
    if items:
        one_line = opening.pos[1] == closing.pos[4]
        if one_line and (len(items) > 1 or items[0].data != "attribute"):
            raise _error(_pos_of(items[0]), "a block on one line holds at most one argument")
        if not one_line and (items[0].meta.line == opening.pos[1] or items[-1].meta.end_line == closing.pos[1]):
            wrong = items[0] if items[0].meta.line == opening.pos[1] else closing
            raise _error(_pos_of(wrong), "a block's contents must start and end on their own lines")
        # Lark's body runs from its first item to the last newline before `}`
        meta = body.meta
        meta.end_pos, meta.end_line, meta.end_column = closing.pos[0], closing.pos[1], closing.pos[2]
        meta._p = (*meta._p[:3], closing.pos[0], closing.pos[1], closing.pos[2])
    return _tree("block", [head, *labels, body], head, closing)


def _b_identifier(node: Any, kids: list, ctx: _Context) -> Tree:
    pos = ctx.positions.of(node)
    name = ctx.slice(pos)
    if "::" in name:
        raise _error(pos, f"unexpected {name!r} ('::' only names a provider function)")
    return _tree("identifier", [_token(_IDENTIFIER, name, pos)], pos, pos)


def _b_expression(node: Any, kids: list, ctx: _Context) -> _Flat:
    return _term(kids)


def _b_conditional(node: Any, kids: list, ctx: _Context) -> _Flat:
    condition, question, true, colon, false = kids
    return _Flat([*condition, question, *true, colon, *false])


def _b_operation(node: Any, kids: list, ctx: _Context) -> _Flat:
    return kids[0]


def _b_binary_operation(node: Any, kids: list, ctx: _Context) -> _Flat:
    split = 3 if isinstance(kids[0], _Anon) else 1  # a parenthesised left side is three pieces
    while split < len(kids) and not (isinstance(kids[split], _Anon) and kids[split].text in _BINARY_OPERATORS):
        split += 1
    return _Flat([*_term(kids[:split]), kids[split], *_term(kids[split + 1:])])


def _b_unary_operation(node: Any, kids: list, ctx: _Context) -> _Flat:
    op, *pieces = kids
    operand, *rest = _term(pieces)
    kind = "MINUS" if op.text == "-" else "BANG"
    return _Flat([_tree("unary_op", [_anon_token(kind, op), operand], op, operand), *rest])


def _b_literal_value(node: Any, kids: list, ctx: _Context) -> Tree:
    return _expr_term(kids[0])


def _b_numeric_lit(node: Any, kids: list, ctx: _Context) -> Tree:
    pos = ctx.positions.of(node)
    text = ctx.slice(pos)
    if not text[:1].isdigit() or text.lower().startswith("0x"):
        raise _error(pos, f"invalid number {text!r}")
    whole, dot, rest = text.partition(".")
    if not dot:
        return _tree("int_lit", _digits(text, pos), pos, pos)
    fraction, exp, exponent = rest, "", ""
    for i, ch in enumerate(rest):
        if ch in "eE":
            fraction, exp, exponent = rest[:i], rest[i:i + 1], rest[i + 1:]
            if exponent[:1] in "+-":
                exp, exponent = exp + exponent[0], exponent[1:]
            break
    tokens = _digits(whole, pos)
    at = pos[0] + len(whole)
    col = pos[2] + len(whole)
    tokens.append(_token("DOT", ".", (at, pos[1], col, at + 1, pos[1], col + 1)))
    tokens += _digits(fraction, (at + 1, pos[1], col + 1))
    if exp:
        at, col = at + 1 + len(fraction), col + 1 + len(fraction)
        tokens.append(_token("EXP_MARK", exp, (at, pos[1], col, at + len(exp), pos[1], col + len(exp))))
        tokens += _digits(exponent, (at + len(exp), pos[1], col + len(exp)))
    return _tree("float_lit", tokens, pos, pos)


def _b_keyword(node: Any, kids: list, ctx: _Context) -> Tree:  # true, false, null: identifiers to Lark
    pos = ctx.positions.of(node)
    return _tree("identifier", [_token(_IDENTIFIER, ctx.slice(pos), pos)], pos, pos)


def _b_string(node: Any, kids: list, ctx: _Context) -> Token:
    pos = ctx.positions.of(node)
    return _token("STRING_LIT", ctx.slice(pos), pos)


def _b_heredoc_template(node: Any, kids: list, ctx: _Context) -> Tree:
    pos = ctx.positions.of(node)
    text = ctx.slice(pos)
    data, kind = _HEREDOC["<<-" if text.startswith("<<-") else "<<"]
    return _tree(data, [_token(kind, text, pos)], pos, pos)


def _b_template_expr(node: Any, kids: list, ctx: _Context) -> Tree:
    return _expr_term(kids[0])


def _b_tuple(node: Any, kids: list, ctx: _Context) -> Tree:
    items = [_final(k) for k in kids[1:-1] if not isinstance(k, _Anon)]
    return _tree("tuple", items, kids[0], kids[-1])


def _b_object(node: Any, kids: list, ctx: _Context) -> Tree:
    items = [k for k in kids[1:-1] if not isinstance(k, _Anon)]
    for before, after in zip(kids[1:-1], kids[2:-1], strict=False):
        if isinstance(before, Tree) and isinstance(after, Tree) and after.meta.line <= before.meta.end_line:
            raise _error(_pos_of(after), "object items on one line need a comma between them")
    return _tree("object", items, kids[0], kids[-1])


def _b_object_elem(node: Any, kids: list, ctx: _Context) -> Tree:
    key, _, value = kids
    key = _final(key)
    if isinstance(key, Tree) and key.data == "expr_term" and isinstance(key.children[0], Tree) \
            and key.children[0].data == "identifier":
        key = key.children[0]  # a bare name: `identifier` itself in Lark's tree
    value = _final(value)
    return _tree("object_elem", [key, value], key, value)


def _b_wrap(node: Any, kids: list, ctx: _Context) -> Tree:  # collection_value, for_expr, variable_expr
    return _expr_term(kids[0])


def _b_pass(node: Any, kids: list, ctx: _Context) -> Any:  # index, splat
    return kids[0]


def _b_function_call(node: Any, kids: list, ctx: _Context) -> Tree:
    split = 0
    while not isinstance(kids[split], _Anon):  # the name: one identifier, or five parts of a provider function
        split += 1
    name, rest = kids[:split], kids[split:]
    args = [k for k in rest if isinstance(k, Tree)]
    data = "provider_function_call" if len(name) > 1 else "function_call"
    return _expr_term(_tree(data, [*name, *args], name[0], kids[-1]))


def _b_function_name(node: Any, ctx: _Context) -> list:
    """A function's name: `provider::aws::arn_parse` is five children to Lark (identifier, colons, ...)."""
    pos = ctx.positions.of(node)
    name = ctx.slice(pos)
    if "::" not in name:
        return [_tree("identifier", [_token(_IDENTIFIER, name, pos)], pos, pos)]
    parts = name.split("::")
    if len(parts) != 3:  # `core::f` or deeper: one name (Lark's grammar cannot read it; Terraform can)
        return [_tree("identifier", [_token(_IDENTIFIER, name, pos)], pos, pos)]
    out, at, col = [], pos[0], pos[2]
    for index, part in enumerate(parts):
        if index:
            colons = (at, pos[1], col, at + 2, pos[1], col + 2)
            out.append(_tree("colons", [], colons, colons))
            at, col = at + 2, col + 2
        here = (at, pos[1], col, at + len(part), pos[1], col + len(part))
        out.append(_tree("identifier", [_token(_IDENTIFIER, part, here)], here, here))
        at, col = at + len(part), col + len(part)
    return out


def _b_function_arguments(node: Any, kids: list, ctx: _Context) -> Tree:
    args = [_final(k) for k in kids if not isinstance(k, _Anon)]
    return _tree("arguments", args, args[0], kids[-1] if isinstance(kids[-1], _Anon) else args[-1])


def _newlines(ctx: _Context, left: Any, right: Any) -> list[Token]:
    """The `_NEW_LINE_OR_COMMENT` tokens Lark's lexer makes between two children of a `!` rule (the `for` rules
    keep them as children): runs of newlines and line comments; spaces, tabs and `/* */` separate runs."""
    start, end = _pos_of(left)[3], _pos_of(right)[0]
    text = ctx.text
    if "\n" not in text[start:end]:
        return []
    out = []
    line, column, at = _pos_of(left)[4], _pos_of(left)[5], start
    for match in _GAP.finditer(text, start, end):
        if match.group(1) is None:
            continue
        begin = match.start(1)
        skipped = text[at:begin]
        if "\n" in skipped:
            line += skipped.count("\n")
            column = begin - text.rindex("\n", 0, begin)
        else:
            column += begin - at
        value = match.group(1)
        end_line = line + value.count("\n")
        end_column = len(value) - value.rindex("\n") if value.endswith("\n") else column + len(value)
        span = (begin, line, column, begin + len(value), end_line, end_column)
        out.append(_token("_NEW_LINE_OR_COMMENT", value, span))
        line, column, at = end_line, end_column, begin + len(value)
    return out


_GAP = re.compile(r"[ \t]+|/\*.*?\*/|((?://[^\n]*\n|#[^\n]*\n|\r?\n)+)|.", re.DOTALL)


def _with_newlines(ctx: _Context, children: list, expressions: set[int]) -> list:
    """`children` with the newline tokens Lark keeps between them; none after an expression (its own `_NL*`
    swallows them)."""
    out = [children[0]]
    for index in range(1, len(children)):
        if index - 1 not in expressions:
            out += _newlines(ctx, children[index - 1], children[index])
        out.append(children[index])
    return out


def _b_for_tuple_expr(node: Any, kids: list, ctx: _Context) -> Tree:
    opening, intro, value, *rest = kids
    closing = rest.pop()
    children = [_anon_token("LSQB", opening), intro, _final(value), *rest, _anon_token("RSQB", closing)]
    return _tree("for_tuple_expr", _for_children(ctx, children, 1), opening, closing)


def _b_for_object_expr(node: Any, kids: list, ctx: _Context) -> Tree:
    opening, intro, key, arrow, value, *rest = kids
    closing = rest.pop()
    tail = [_anon_token("__ANON_9", k) if isinstance(k, _Anon) else k for k in rest]  # `...`, for_cond
    children = [_anon_token("LBRACE", opening), intro, _final(key), _anon_token("__ANON_13", arrow), _final(value),
                *tail, _anon_token("RBRACE", closing)]
    return _tree("for_object_expr", _for_children(ctx, children, 0), opening, closing)


def _for_children(ctx: _Context, children: list, kept: int) -> list:
    """Lark keeps a newline token where its `!` rule has an optional `_NEW_LINE_OR_COMMENT?` (not `*`): after the
    intro's `:` one in the intro, and in a `for` tuple one more after the intro."""
    intro = children[1]
    after_intro = _newlines(ctx, intro, children[2])
    if after_intro:
        intro.children.append(after_intro[0])
    return [*children[:2], *after_intro[1:1 + kept], *children[2:]]


_KEYWORDS = {"for": "FOR", "in": "IN", ",": "COMMA", ":": "COLON", "if": "IF"}


def _b_for_part(node: Any, kids: list, ctx: _Context) -> Tree:  # for_intro, for_cond
    children = [_anon_token(_KEYWORDS[k.text], k) if isinstance(k, _Anon) else _final(k) for k in kids]
    expressions = {i for i, k in enumerate(kids) if isinstance(k, _Flat)}
    return _tree(node.type, _with_newlines(ctx, children, expressions), children[0], children[-1])


def _b_get_attr(node: Any, kids: list, ctx: _Context) -> Tree:
    dot, name = kids
    return _tree("get_attr", [name], dot, name)


def _b_new_index(node: Any, kids: list, ctx: _Context) -> Tree:
    opening, value, closing = kids
    return _tree("index", [_final(value)], opening, closing)


def _b_legacy_index(node: Any, kids: list, ctx: _Context) -> Tree:
    pos = ctx.positions.of(node)
    digits = ctx.slice(pos)[1:]
    return _tree("index", _digits(digits, (pos[0] + 1, pos[1], pos[2] + 1)), pos, pos)


def _b_splat(node: Any, kids: list, ctx: _Context) -> Tree:  # attr_splat, full_splat
    return _tree(node.type, kids[1:], kids[0], kids[-1])


_BUILDERS: dict[str, Callable[[Any, list, _Context], Any]] = {
    "config_file": _b_config_file, "body": _b_body, "attribute": _b_attribute, "block": _b_block,
    "expression": _b_expression, "conditional": _b_conditional, "operation": _b_operation,
    "binary_operation": _b_binary_operation, "unary_operation": _b_unary_operation,
    "literal_value": _b_literal_value, "template_expr": _b_template_expr, "collection_value": _b_wrap,
    "tuple": _b_tuple, "object": _b_object, "object_elem": _b_object_elem, "variable_expr": _b_wrap,
    "function_call": _b_function_call, "function_arguments": _b_function_arguments, "for_expr": _b_wrap,
    "for_tuple_expr": _b_for_tuple_expr, "for_object_expr": _b_for_object_expr, "for_intro": _b_for_part,
    "for_cond": _b_for_part, "index": _b_pass, "new_index": _b_new_index, "get_attr": _b_get_attr,
    "splat": _b_pass, "attr_splat": _b_splat, "full_splat": _b_splat,
}
#: Named nodes read whole, without visiting their children.
_LEAVES: dict[str, Callable[[Any, list, _Context], Any]] = {
    "identifier": _b_identifier, "numeric_lit": _b_numeric_lit, "bool_lit": _b_keyword, "null_lit": _b_keyword,
    "string_lit": _b_string, "quoted_template": _b_string, "heredoc_template": _b_heredoc_template,
    "legacy_index": _b_legacy_index,
}
#: Named nodes that are one punctuation token to Lark.
_PUNCTUATION = {"block_start", "block_end", "tuple_start", "tuple_end", "object_start", "object_end", "ellipsis"}


def _first_error(root: Any, positions: _Positions, data: bytes) -> SourceError:
    """The innermost first ERROR or MISSING node in document order, as one line: inside an ERROR node, its last
    piece (where tree-sitter gave up; on 16 broken public files this is the line Terraform names 11 times, the
    ERROR's start 9 times)."""
    node = root
    for _ in range(HCL_SYNTAX_DEPTH):
        nxt = next((c for c in node.children if c.type == "ERROR" or c.is_missing or c.has_error), None)
        if nxt is None:
            break
        node = nxt
    pieces = [c for c in node.children if c.end_byte > c.start_byte] if node.type == "ERROR" else []
    if pieces:
        node = pieces[-1]
    pos = positions.of(node)
    if node.is_missing:
        return _error(pos, f"missing {node.type!r}")
    text = data[node.start_byte:node.end_byte].decode("utf-8", "replace").strip()
    return _error(pos, f"unexpected {text.splitlines()[0][:40]!r}" if text else "unexpected end of file")


def _nul_outside_text(root: Any, data: bytes) -> int | None:
    """The byte offset of the first NUL that is not inside a string, heredoc or comment (Terraform reads a NUL
    there; tree-sitter's scanner takes it for the end of the file, so NULs are parsed as spaces)."""
    inside = {"template_literal", "string_lit", "quoted_template", "heredoc_template", "comment"}
    at = data.find(b"\0")
    while at >= 0:
        node = root.descendant_for_byte_range(at, at + 1)
        while node is not None and node.type not in inside:
            node = node.parent
        if node is None:
            return at
        at = data.find(b"\0", at + 1)
    return None


def parse(text: str, data: bytes | None = None) -> Tree:
    """The Lark-shaped parse tree of an HCL file; SourceError with a one-line reason when it is not valid HCL."""
    data = text.encode("utf-8", "surrogatepass") if data is None else data
    parser = load_parser()
    source = data.replace(b"\0", b" ") if b"\0" in data else data
    view = memoryview(source)
    try:
        # the callback form: tree-sitter calls back into Python as it goes, so the per-file time budget (a
        # signal) can interrupt a slow parse
        tree = parser.parse(lambda offset, _point: view[offset:offset + 65536], progress_callback=_keep_going)
    except SystemError as error:
        parser.reset()
        # the budget's signal raised inside a callback that C code had already called: tree-sitter reports a result
        # with an exception set; the exception that matters is the budget's
        cause = error.__cause__ or error.__context__
        if isinstance(cause, BudgetExceeded):
            raise cause from None
        raise
    except BaseException:
        parser.reset()
        raise
    ctx = _Context(text, data)
    root = tree.root_node
    if root.has_error:
        raise _first_error(root, ctx.positions, data)
    if source is not data:
        nul = _nul_outside_text(root, data)
        if nul is not None:
            line = data.count(b"\n", 0, nul) + 1
            start = ctx.positions.char(nul)
            column = start - ctx.positions.char(data.rfind(b"\n", 0, nul) + 1) + 1
            raise _error((start, line, column, start + 1, line, column + 1), "unexpected NUL character")
    return _convert(root, ctx)


def _keep_going(_offset: int, _has_error: bool) -> bool:
    return False


def _convert(root: Any, ctx: _Context) -> Tree:
    """Post-order over tree-sitter's nodes, each converted once its children are."""
    positions = ctx.positions
    frames: list[list] = [[root, root.children, 0, []]]
    while True:
        frame = frames[-1]
        node, kids, index, done = frame
        if index < len(kids):
            frame[2] = index + 1
            kid = kids[index]
            kind = kid.type
            if not kid.is_named:
                done.append(_Anon(kind, positions.of(kid)))
            elif kind == "comment":
                continue
            elif kind in _PUNCTUATION:
                pos = positions.of(kid)
                done.append(_Anon(ctx.text[pos[0]:pos[3]], pos))
            elif kind == "identifier" and node.type == "function_call":
                done.extend(_b_function_name(kid, ctx))
            elif kind in _LEAVES:
                done.append(_LEAVES[kind](kid, [], ctx))
            else:
                if len(frames) >= HCL_SYNTAX_DEPTH:
                    pos = positions.of(kid)
                    raise SourceError(f"HCL nested too deeply at line {pos[1]}: more than {HCL_SYNTAX_DEPTH} levels")
                frames.append([kid, kid.children, 0, []])
            continue
        frames.pop()
        builder = _BUILDERS.get(node.type)
        if builder is None:
            raise _error(positions.of(node), f"unsupported HCL ({node.type})")
        value = builder(node, done, ctx)
        if not frames:
            return value
        frames[-1][3].append(value)
