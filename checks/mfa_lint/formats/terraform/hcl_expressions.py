"""The shapes of HCL expressions in the parse tree, behind small accessors.

The evaluator asks "what kind of expression is this, and what are its parts" here instead of reading parser nodes
itself, so another parser (tree-sitter-hcl behind an adapter) only has to answer these questions. For bc-python-hcl2's
Lark grammar this also undoes two of its quirks: binary operators parse right-nested without precedence (the chain is
handed over flat, for the evaluator to apply HCL's precedence), and a conditional after an operator swallows only
the last operand (`a == b ? x : y` parses as `a == (b ? x : y)`; the chain's tail gives the branches back).
"""

from __future__ import annotations

from dataclasses import dataclass

from lark import Token, Tree

from mfa_lint.formats.terraform.hcl_syntax import identifier_name
from mfa_lint.reading import limits

Node = Tree | Token

#: Binary operators by precedence, highest first (HCL's spec: all left-associative).
PRECEDENCE = {"*": 6, "/": 6, "%": 6, "+": 5, "-": 5, ">": 4, ">=": 4, "<": 4, "<=": 4, "==": 3, "!=": 3,
              "&&": 2, "||": 1}


def unwrap(node: Node) -> Node:
    """Parentheses and the grammar's single-child wrappers -> the expression inside."""
    for _ in range(limits.EXPRESSION_CHAIN):
        if isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
            node = node.children[0]
        else:
            break
    return node


def kind(node: Node) -> str:
    """One of: object, tuple, number, string, heredoc, identifier, call, provider_call, attribute, index, splat,
    for_tuple, for_object, conditional, binary, unary, other."""
    node = unwrap(node)
    if isinstance(node, Token):
        return "string" if node.type == "STRING_LIT" else "other"
    return _KINDS.get(node.data, "other")


_KINDS = {
    "object": "object", "tuple": "tuple", "int_lit": "number", "float_lit": "number", "identifier": "identifier",
    "heredoc_template": "heredoc", "heredoc_template_trim": "heredoc", "function_call": "call",
    "provider_function_call": "provider_call", "get_attr_expr_term": "attribute", "index_expr_term": "index",
    "full_splat_expr_term": "splat", "attr_splat_expr_term": "splat", "for_tuple_expr": "for_tuple",
    "for_object_expr": "for_object", "conditional": "conditional", "binary_op": "binary", "unary_op": "unary",
}


def _children(node: Tree) -> list[Node]:
    return [c for c in node.children if isinstance(c, (Tree, Token))]


def number_text(node: Node) -> str:
    node = unwrap(node)
    return "".join(str(c) for c in node.children) if isinstance(node, Tree) else str(node)


def string_token(node: Node) -> Token | None:
    """A quoted string's token (with its quotes)."""
    node = unwrap(node)
    return node if isinstance(node, Token) and node.type == "STRING_LIT" else None


def heredoc_token(node: Node) -> Token | None:
    node = unwrap(node)
    if isinstance(node, Tree) and node.children and isinstance(node.children[0], Token):
        return node.children[0]
    return None


def name(node: Node) -> str | None:
    """An identifier's name."""
    return identifier_name(unwrap(node))


def object_elements(node: Node) -> list[tuple[Node, Node, bool]]:
    """(key node, value node, whether the key is a bare identifier: a literal name) per element."""
    node = unwrap(node)
    out: list[tuple[Node, Node, bool]] = []
    for elem in node.children if isinstance(node, Tree) else ():
        if isinstance(elem, Tree) and elem.data == "object_elem" and len(elem.children) >= 2:
            key, value = elem.children[0], elem.children[-1]
            out.append((key, value, isinstance(key, Tree) and key.data == "identifier"))
    return out


def tuple_items(node: Node) -> list[Node]:
    node = unwrap(node)
    return _children(node) if isinstance(node, Tree) else []


@dataclass(frozen=True)
class Call:
    name: str
    arguments: tuple[Node, ...]
    expand_last: bool  # `f(a, b...)`: the last argument's items are the arguments


def call(node: Node, text: str) -> Call | None:
    node = unwrap(node)
    if not (isinstance(node, Tree) and node.data == "function_call" and node.children):
        return None
    function = identifier_name(node.children[0]) or ""
    arguments: list[Node] = []
    for child in node.children[1:]:
        if isinstance(child, Tree) and child.data == "arguments":
            arguments = _children(child)
    expand = False
    if arguments:  # the grammar drops the `...` token: look at the text between the last argument and `)`
        last, meta = arguments[-1], node.meta
        end = _end_offset(last)
        if end is not None and not getattr(meta, "empty", True):
            expand = "..." in text[end:meta.end_pos]
    return Call(function, tuple(arguments), expand)


def _end_offset(node: Node) -> int | None:
    if isinstance(node, Token):
        return node.end_pos
    meta = node.meta
    return None if getattr(meta, "empty", True) else meta.end_pos


@dataclass(frozen=True)
class Step:
    """One step of a traversal: `.name` (attribute), `[expr]` or `.0` (index: a node, or an int for `.0`)."""

    attribute: str | None = None
    index: Node | int | None = None


@dataclass(frozen=True)
class Splat:
    """`base[*].a.b` / `base.*.a`: the steps applied to each element."""

    steps: tuple[Step, ...]


def traversal(node: Node) -> tuple[Node, list[Step | Splat]]:
    """`a.b[0][*].c` -> (the root expression `a`, the steps after it), iteratively."""
    steps: list[Step | Splat] = []
    current = unwrap(node)
    for _ in range(limits.EXPRESSION_CHAIN):
        if not isinstance(current, Tree):
            break
        if current.data == "get_attr_expr_term" and len(current.children) == 2:
            steps.append(_step(current.children[1]))
        elif current.data == "index_expr_term" and len(current.children) == 2:
            steps.append(_step(current.children[1]))
        elif current.data in ("full_splat_expr_term", "attr_splat_expr_term") and len(current.children) == 2:
            splat = current.children[1]
            inner = tuple(_step(c) for c in splat.children if isinstance(c, Tree)) if isinstance(splat, Tree) else ()
            steps.append(Splat(inner))
        else:
            break
        current = unwrap(current.children[0])
    steps.reverse()
    return current, steps


def _step(node: Node) -> Step:
    if isinstance(node, Tree) and node.data == "get_attr" and node.children:
        return Step(attribute=identifier_name(node.children[0]) or "")
    if isinstance(node, Tree) and node.data == "index":
        children = node.children
        if children and all(isinstance(c, Token) and c.type == "DECIMAL" for c in children):
            return Step(index=int("".join(str(c) for c in children)))
        inner = _children(node)
        return Step(index=inner[0] if inner else None)
    return Step()


@dataclass(frozen=True)
class ForExpression:
    key: str | None
    value: str
    collection: Node
    key_expression: Node | None  # object for only
    value_expression: Node
    condition: Node | None
    grouping: bool  # `...` after the value: values with the same key are grouped into lists


def for_expression(node: Node) -> ForExpression | None:
    node = unwrap(node)
    if not (isinstance(node, Tree) and node.data in ("for_tuple_expr", "for_object_expr")):
        return None
    intro = next((c for c in node.children if isinstance(c, Tree) and c.data == "for_intro"), None)
    if intro is None:
        return None
    names = [identifier_name(c) for c in intro.children if isinstance(c, Tree) and c.data == "identifier"]
    collections = [c for c in intro.children if isinstance(c, Tree) and c.data != "identifier"]
    if not names or not collections:
        return None
    key, value = (names[0], names[1]) if len(names) == 2 else (None, names[0])
    condition_node = next((c for c in node.children if isinstance(c, Tree) and c.data == "for_cond"), None)
    condition = _children(condition_node)[-1] if condition_node is not None and _children(condition_node) else None
    bodies = [c for c in node.children if isinstance(c, Tree) and c.data not in ("for_intro", "for_cond")]
    grouping = any(isinstance(c, Token) and str(c) == "..." for c in node.children)
    if node.data == "for_object_expr":
        if len(bodies) < 2:
            return None
        return ForExpression(key, value or "", collections[-1], bodies[0], bodies[1], condition, grouping)
    if not bodies:
        return None
    return ForExpression(key, value or "", collections[-1], None, bodies[0], condition, False)


def conditional(node: Node) -> tuple[Node, Node, Node] | None:
    node = unwrap(node)
    if isinstance(node, Tree) and node.data == "conditional":
        children = _children(node)
        if len(children) == 3:
            return children[0], children[1], children[2]
    return None


def unary(node: Node) -> tuple[str, Node] | None:
    node = unwrap(node)
    if isinstance(node, Tree) and node.data == "unary_op" and len(node.children) == 2:
        return str(node.children[0]), node.children[1]
    return None


@dataclass(frozen=True)
class Chain:
    """`a op b op c ...` flat, and when the parser folded a conditional into the last operand, its branches:
    the whole chain is then the condition (HCL: the conditional binds loosest)."""

    operands: tuple[Node, ...]
    operators: tuple[str, ...]
    branches: tuple[Node, Node] | None


def binary_chain(node: Node) -> Chain | None:
    node = unwrap(node)
    if not (isinstance(node, Tree) and node.data == "binary_op"):
        return None
    operands: list[Node] = []
    operators: list[str] = []
    branches: tuple[Node, Node] | None = None
    current: Node | None = node
    for _ in range(limits.EXPRESSION_CHAIN):
        if not (isinstance(current, Tree) and current.data == "binary_op" and len(current.children) == 2):
            break
        left, term = current.children
        operands.append(left)
        term_children = _children(term) if isinstance(term, Tree) else []
        if len(term_children) != 2:
            return None
        operator_node, right = term_children
        operators.append(str(operator_node.children[0]) if isinstance(operator_node, Tree)
                         and operator_node.children else str(operator_node))
        current = right
        if isinstance(current, Tree) and current.data == "conditional":
            parts = conditional(current)
            if parts is None:
                return None
            condition, then, otherwise = parts
            branches = (then, otherwise)
            current = condition
            if not (isinstance(current, Tree) and current.data == "binary_op"):
                operands.append(current)
                current = None
                break
    else:
        return None
    if current is not None:
        operands.append(current)
    if len(operands) != len(operators) + 1:
        return None
    return Chain(tuple(operands), tuple(operators), branches)
