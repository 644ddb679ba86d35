"""`data "aws_iam_policy_document"` blocks -> the IAM JSON document, with where each statement and test sits.

The block-to-JSON conversion itself is shared with the checkov checks (mfa_lint.sources.terraform_policy_document);
this module evaluates the block's attributes into the shape that conversion reads (attribute values wrapped in a
one-element list, nested blocks as lists of dicts, like `hcl2.loads`) and records positions: a statement at its
`statement {` line, an operator at the `"Bool"` value of its condition block's `test` attribute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lark import Tree

from mfa_lint.sources.site import Span
from mfa_lint.sources.terraform.hcl_syntax import Block, attributes, blocks, node_span, token_span
from mfa_lint.sources.terraform.hcl_values import Evaluator
from mfa_lint.sources.terraform_policy_document import policy_document_from_blocks, split_references

#: Nested block levels of the data source: body -> statement -> principals/condition.
_MAX_BLOCK_DEPTH = 4


@dataclass
class BuiltDocument:
    document: dict[str, Any]
    spans: dict[tuple, Span] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def build_policy_document(block: Block, evaluator: Evaluator, file: str, text: str) -> BuiltDocument:
    data = _body_to_dict(block.body, evaluator, file, text)
    built = BuiltDocument({})
    raw, references = split_references(policy_document_from_blocks(data))
    built.document = raw
    if references:
        built.notes.append("source_policy_documents / override_policy_documents are not resolved: "
                           "statements they contribute are not checked")
    if any(b.type == "dynamic" for b in blocks(block.body)):
        built.notes.append("dynamic blocks are not expanded: statements they generate are not checked")
    statement_blocks = [b for b in blocks(block.body) if b.type == "statement"]
    for index, statement in enumerate(statement_blocks):
        base = ("Statement", index)
        built.spans[base] = token_span(statement.header)
        if any(b.type == "dynamic" for b in blocks(statement.body)):
            built.notes.append(f"statement {index}: dynamic blocks are not expanded")
        mfa_operators: set[tuple] = set()
        for condition in (b for b in blocks(statement.body) if b.type == "condition"):
            _record_condition(condition, evaluator, file, text, base, built.spans, mfa_operators)
    return built


def _record_condition(
    condition: Block, evaluator: Evaluator, file: str, text: str, base: tuple, spans: dict[tuple, Span],
    mfa_operators: set[tuple],
) -> None:
    values = {a.name: a for a in attributes(condition.body)}
    test_attr = values.get("test")
    if test_attr is None:
        return
    test = evaluator.evaluate(test_attr.expression, file, text).value
    variable_attr = values.get("variable")
    variable = evaluator.evaluate(variable_attr.expression, file, text).value if variable_attr else None
    if not isinstance(test, str):
        return
    span = node_span(test_attr.expression)
    if span.line == 1 and span.column == 1:
        span = token_span(test_attr.name_token)
    operator_path = base + ("Condition", test)
    is_mfa = isinstance(variable, str) and "multifactor" in variable.lower()
    # Several blocks can share one operator; the span of the first one testing an MFA key is the one findings mean.
    if operator_path not in spans or (is_mfa and operator_path not in mfa_operators):
        spans[operator_path] = span
        if is_mfa:
            mfa_operators.add(operator_path)
    if isinstance(variable, str):
        spans.setdefault(operator_path + (variable,), span)


def _body_to_dict(body: Tree, evaluator: Evaluator, file: str, text: str) -> dict[str, Any]:
    """A block body in hcl2.loads' shape, built with an explicit stack (block nesting is bounded)."""
    root: dict[str, Any] = {}
    stack: list[tuple[Tree, dict[str, Any], int]] = [(body, root, 0)]
    while stack:
        current, target, depth = stack.pop()
        for attr in attributes(current):
            target[attr.name] = [evaluator.evaluate(attr.expression, file, text).value]
        if depth >= _MAX_BLOCK_DEPTH:
            continue
        for child in blocks(current):
            if child.type == "dynamic":
                continue
            nested: dict[str, Any] = {}
            target.setdefault(child.type, []).append(nested)
            stack.append((child.body, nested, depth + 1))
    return root
