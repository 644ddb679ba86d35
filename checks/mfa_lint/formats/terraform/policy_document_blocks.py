"""`data "aws_iam_policy_document"` blocks -> the IAM JSON document, with where each statement and test sits.

The block-to-JSON conversion itself is shared with the checkov checks (mfa_lint.formats.terraform.policy_document);
this module evaluates the block's attributes into the shape that conversion reads (attribute values wrapped in a
one-element list, nested blocks as lists of dicts, like `hcl2.loads`) and records positions: a statement at its
`statement {` (or `dynamic "statement" {`) line, an operator at the `"Bool"` value of its condition's `test`.

`dynamic "statement"` and `dynamic "condition"` blocks are expanded over their `for_each` (literal lists, maps,
locals, variable defaults, `iterator`). A `for_each` that depends on an unresolved reference in a condition
(`var.enabled ? [1] : []`, also through locals: `for_each = local.statements` with `local.statements =
var.enabled ? [""] : []` or a `concat` of such) is tried with each value of that reference, and one reference takes
the same value everywhere in one try: a statement that exists only when `var.enabled` is true is judged with
`var.enabled` true in its own `values = [var.enabled]`. A statement the same in every try where it exists is judged
once; parts that differ between tries become unknown. More references than DYNAMIC_REFERENCES allows, or a `for_each`
over an unknown collection, give a note when the generated blocks could hold an MFA test.

The input documents (`source_policy_documents`, `override_policy_documents`, and provider 3.x's `source_json` /
`override_json`) are resolved by the module instance and merged as the provider merges them (policy_merge).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lark import Token, Tree

from mfa_lint.core.findings import READER_LIMIT, UNRESOLVED, Note
from mfa_lint.core.keys import may_mention_mfa
from mfa_lint.core.values import Unknown
from mfa_lint.formats.terraform.hcl_syntax import Block, attributes, blocks, node_span, node_text, token_span
from mfa_lint.formats.terraform.hcl_values import Evaluator, condition_key
from mfa_lint.formats.terraform.policy_document import (
    INPUT_DOCUMENT_FIELDS,
    policy_document_from_blocks,
    split_references,
)
from mfa_lint.formats.terraform.policy_merge import DocumentResolver, Inputs, LocatedDocument, merge
from mfa_lint.reading.limits import (
    DYNAMIC_ITERATIONS,
    DYNAMIC_REFERENCES,
    LOCAL_DEPTH,
    POLICY_DOCUMENT_BLOCK_NESTING,
)
from mfa_lint.reading.site import Span
from mfa_lint.reading.unknowns import terraform_unknown

_CONDITION_REFERENCE = re.compile(r"\b(?:var|local)\.[A-Za-z_][\w-]*")


@dataclass
class BuiltDocument:
    document: dict[str, Any]
    spans: dict[tuple, Span] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)


@dataclass
class _Instance:
    """One statement (static, or one iteration of a dynamic block) in one try."""

    key: tuple
    block: dict[str, Any]  # hcl2 shape
    spans: dict[tuple, Span]  # relative to the statement: ("Condition", op) ...
    header: Span


def build_policy_document(
    block: Block, evaluator: Evaluator, file: str, text: str, instance: DocumentResolver | None = None
) -> BuiltDocument:
    """The document the data source renders; `instance` resolves its input documents (without one they are noted
    as unresolved)."""
    built = BuiltDocument({})
    groups = _try_references(block, evaluator, file, text)
    tries: list[dict[str, Any]] = [{}] if not groups else []
    for group in groups:
        if len(group) > DYNAMIC_REFERENCES:
            shown = ", ".join(r.lstrip("?") for r in group)
            built.notes.append(Note(f"unresolved value: a dynamic block depends on {shown}: too many to try every "
                                    f"combination (more than {DYNAMIC_REFERENCES}); the statements it generates are "
                                    "not checked", kind=UNRESOLVED))
            continue
        for values in itertools.product((True, False), repeat=len(group)):
            chosen = dict(zip(group, values, strict=True))
            if chosen not in tries:
                tries.append(chosen)
    tries = tries or [{}]
    references = list(dict.fromkeys(r for group in groups for r in group))
    per_try: list[list[_Instance]] = []
    per_try_notes: list[list[Note]] = []
    top: dict[str, Any] = {}
    for overrides in tries:
        current = evaluator.derive(overrides=overrides) if overrides else evaluator
        top = {a.name: [current.evaluate(a.expression, file, text).value] for a in attributes(block.body)}
        notes: list[Note] = []
        per_try.append(list(_statements(block.body, current, file, text, notes)))
        per_try_notes.append(notes)
    # a block left unexpanded in one try may be expanded in another (each dynamic block's own references are tried
    # together, the others left as they are): only what no try could expand is noted
    built.notes.extend(n for n in dict.fromkeys(per_try_notes[0]) if all(n in other for other in per_try_notes))
    instances = _merge(per_try, references)
    data = {k: v for k, v in top.items() if k not in INPUT_DOCUMENT_FIELDS}
    data["statement"] = [i.block for i in instances]
    raw, _ = split_references(policy_document_from_blocks(data))
    built.document = raw
    for index, statement in enumerate(instances):
        base = ("Statement", index)
        built.spans[base] = statement.header
        for path, span in statement.spans.items():
            built.spans[base + path] = span
    inputs = [a for a in attributes(block.body) if a.name in INPUT_DOCUMENT_FIELDS]
    if not inputs:
        return built
    if instance is None:
        built.notes.append(Note("unresolved value: source_policy_documents / override_policy_documents are not "
                                "resolved: statements they contribute are not checked", kind=UNRESOLVED))
        return built
    merged = merge(LocatedDocument(built.document, built.spans), _inputs(inputs, evaluator, file, text, instance))
    return BuiltDocument(merged.document, merged.spans, built.notes + merged.notes)


def _inputs(
    fields: list[Any], evaluator: Evaluator, file: str, text: str, instance: DocumentResolver
) -> Inputs:
    """Each input document of the data source, resolved where it is written: a literal list's entries one by one
    (so each keeps its place), else the list's value as a whole."""
    found = Inputs()
    for attr in fields:
        if attr.name in ("source_json", "override_json"):
            value = evaluator.evaluate(attr.expression, file, text).value
            if value in ("", None):
                continue  # provider 4.0+: allowed only empty
            located = instance.resolve_document(attr.expression, file, text)
            if attr.name == "source_json":
                found.source_json = located
            else:
                found.override_json = located
            continue
        entries: list[tuple[str, LocatedDocument | None]] = []
        node = attr.expression
        while isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
            node = node.children[0]
        if isinstance(node, Tree) and node.data == "tuple":
            for item in (c for c in node.children if isinstance(c, (Tree, Token))):
                shown = " ".join(node_text(item, text).split())[:80]
                located = instance.resolve_document(item, file, text)
                entries.append((shown, None if located.document is None else located))
        else:
            shown = " ".join(node_text(attr.expression, text).split())[:80]
            value = evaluator.evaluate(attr.expression, file, text).value
            if isinstance(value, list):
                entries.extend((f"{shown}[{i}]", None if v is None else LocatedDocument(_json_value(v)))
                               for i, v in enumerate(value))
            elif value is not None:
                entries.append((shown, LocatedDocument(terraform_unknown(shown))))
        if attr.name == "source_policy_documents":
            found.sources.extend(entries)
        else:
            found.overrides.extend(entries)
    return found


def _json_value(value: Any) -> Any:
    """An input document given as a JSON string (as `jsonencode` or a heredoc gives it), decoded."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


def _try_references(block: Block, evaluator: Evaluator, file: str, text: str) -> list[list[str]]:
    """What the tries fix, per dynamic block, for the data source's `for_each` expressions: the references its
    conditions are built of (`var.a && !var.b`: `var.a`, `var.b`, shared with their other uses), followed through
    locals (`for_each = local.statements`, `local.statements = var.a ? [""] : []`), else the condition as a whole
    (`length(var.x) > 0`)."""
    found: list[list[str]] = []
    for dynamic in _dynamic_blocks(block.body, 0):
        for_each = next((a for a in attributes(dynamic.body) if a.name == "for_each"), None)
        content = next((b for b in blocks(dynamic.body) if b.type == "content"), None)
        if for_each is None or content is None or not _could_hold_mfa(content, text):
            continue  # only blocks that could hold an MFA test are worth a try
        condition = _condition_node(for_each.expression)
        looked_at = condition if condition is not None else for_each.expression
        names = [n for n in dict.fromkeys(_leaf_references(looked_at, text, evaluator, 0)) if _tryable(n, evaluator)]
        if not names:
            continue  # known, or decided per iteration (`statement.value.x != null`), not per try
        probe = evaluator.derive(overrides=dict.fromkeys(names, True))
        if _known(probe.evaluate(for_each.expression, file, text).value):
            group = names
        elif condition is not None:
            group = [condition_key(node_text(condition, text))]
        else:
            continue
        if group not in found:
            found.append(group)
    return found


def _leaf_references(node: Tree | Token, text: str, evaluator: Evaluator, depth: int) -> list[str]:
    """The `var.x` / `local.x` references an expression depends on, locals replaced by what their definitions
    reference (a local that references nothing, or is too deep, stays itself)."""
    found: list[str] = []
    for name in _CONDITION_REFERENCE.findall(node_text(node, text)):
        definition = evaluator.scope.locals.get(name[len("local."):]) if name.startswith("local.") else None
        if definition is not None and depth < LOCAL_DEPTH:
            inner = _leaf_references(definition.node, definition.text, evaluator, depth + 1)
            if inner:
                found.extend(inner)
                continue
        found.append(name)
    return found


def _tryable(name: str, evaluator: Evaluator) -> bool:
    """A reference a try may fix: an unresolved one. A boolean default (`for_each = var.manage_keys ? [1] : []`) is
    what deploys; the reader tries its other value as an alternative (hcl_reader._toggles: a rule only it gives is a
    note). A value a module call or a tfvars file gives is not tried either."""
    if name in evaluator.overrides:
        return False
    root, attr = name.split(".", 1)
    known, _ = evaluator._lookup(root, attr, (), None, ())
    return not known


def _known(collection: object) -> bool:
    return isinstance(collection, (list, dict)) and not isinstance(collection, Unknown)


def _condition_node(node: Tree | Token) -> Tree | Token | None:
    """The condition of `c ? a : b` (also as the parser reads `x && c ? a : b`: the whole `x && c`)."""
    for _ in range(POLICY_DOCUMENT_BLOCK_NESTING * 4):
        if isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
            node = node.children[0]
            continue
        break
    if isinstance(node, Tree) and node.data == "conditional" and len(node.children) == 3:
        return node.children[0]
    if isinstance(node, Tree) and node.data == "binary_op" and len(node.children) == 2:
        return node  # `x && (c ? a : b)` as parsed: the evaluator re-associates; fixed as a whole
    return None


def _dynamic_blocks(body: Tree, depth: int) -> Iterator[Block]:
    if depth > POLICY_DOCUMENT_BLOCK_NESTING:
        return
    for child in blocks(body):
        if child.type == "dynamic":
            yield child
        for content in [child] if child.type != "dynamic" else [b for b in blocks(child.body) if b.type == "content"]:
            yield from _dynamic_blocks(content.body, depth + 1)


def _expanded(
    parent: Tree, name: str, evaluator: Evaluator, file: str, text: str, notes: list[Note]
) -> Iterator[tuple[tuple, Block, Tree, Evaluator, Span]]:
    """The `name` blocks of a body, static and dynamic: (key, block, body, evaluator for its content, header span)."""
    for child in blocks(parent):
        if child.type == name:
            yield (child.line, child.header.column), child, child.body, evaluator, token_span(child.header)
        elif child.type == "dynamic" and child.labels[:1] == (name,):
            yield from _iterations(child, name, evaluator, file, text, notes)


def _iterations(
    dynamic: Block, name: str, evaluator: Evaluator, file: str, text: str, notes: list[Note]
) -> Iterator[tuple[tuple, Block, Tree, Evaluator, Span]]:
    attrs = {a.name: a for a in attributes(dynamic.body)}
    content = next((b for b in blocks(dynamic.body) if b.type == "content"), None)
    for_each = attrs.get("for_each")
    if content is None or for_each is None:
        return
    iterator = name
    if "iterator" in attrs:
        iterator = node_text(attrs["iterator"].expression, text).strip() or name
    collection = evaluator.evaluate(for_each.expression, file, text).value
    if collection is None:  # null (an optional attribute left out): no blocks
        return
    if isinstance(collection, dict):
        items = list(collection.items())
    elif isinstance(collection, list) and not any(isinstance(v, Unknown) for v in collection):
        items = list(enumerate(collection))
    else:
        if _could_hold_mfa(content, text):
            shown = collection.raw if isinstance(collection, Unknown) else node_text(for_each.expression, text)
            shown = " ".join(shown.split())[:120]
            notes.append(Note(f"unresolved value: dynamic \"{name}\" iterates over {shown}, which is not known: the "
                              "blocks it generates are not checked", kind=terraform_unknown(shown).kind))
        return
    if len(items) > DYNAMIC_ITERATIONS:
        notes.append(Note(f"dynamic \"{name}\" has more than {DYNAMIC_ITERATIONS} elements: only the first are "
                          "checked", kind=READER_LIMIT))
        items = items[:DYNAMIC_ITERATIONS]
    header = token_span(dynamic.header)
    for position, (key, value) in enumerate(items):
        bound = evaluator.derive(bindings={iterator: {"key": key, "value": value}})
        yield (dynamic.line, dynamic.header.column, position, repr(key)), content, content.body, bound, header


def _could_hold_mfa(content: Block, text: str) -> bool:
    """A generated block could hold an MFA test: it mentions one, or one of its conditions tests a key that is not
    written as a literal (it comes from the iteration, or from an unresolved value)."""
    meta = content.body.meta
    if not getattr(meta, "empty", True) and may_mention_mfa(text[meta.start_pos:meta.end_pos]):
        return True
    bodies = [content.body]
    for _ in range(POLICY_DOCUMENT_BLOCK_NESTING):
        following = []
        for body in bodies:
            for attr in attributes(body):
                if attr.name == "variable" and not _literal(attr.expression):
                    return True
            for child in blocks(body):
                following.append(child.body)
        bodies = following
    return False


def _literal(node: Tree | Token) -> bool:
    while isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
        node = node.children[0]
    return isinstance(node, Token) and node.type == "STRING_LIT" and "${" not in str(node)


def _statements(
    body: Tree, evaluator: Evaluator, file: str, text: str, notes: list[Note]
) -> Iterator[_Instance]:
    for key, _, statement_body, bound, header in _expanded(body, "statement", evaluator, file, text, notes):
        spans: dict[tuple, Span] = {}
        shape = _body_to_dict(statement_body, bound, file, text, notes, 1)
        mfa_operators: set[tuple] = set()
        for _, _, condition_body, condition_ev, _ in _expanded(statement_body, "condition", bound, file, text, []):
            _record_condition(condition_body, condition_ev, file, text, spans, mfa_operators)
        yield _Instance(key, shape, spans, header)
    yield from _statement_attributes(body, evaluator, file, text)


def _statement_attributes(body: Tree, evaluator: Evaluator, file: str, text: str) -> Iterator[_Instance]:
    """Terraform 0.11's `statement = { ... }` attributes (repeated; each one a statement), conditions inside as
    `condition = { ... }` objects or lists of them."""
    for attr in attributes(body):
        if attr.name != "statement":
            continue
        evaluated = evaluator.evaluate(attr.expression, file, text)
        items = evaluated.value if isinstance(evaluated.value, list) else [evaluated.value]
        for position, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            prefix = (position,) if isinstance(evaluated.value, list) else ()
            spans: dict[tuple, Span] = {}
            conditions = item.get("condition")
            listed = isinstance(conditions, list)
            for index, condition in enumerate(conditions if listed else [conditions]):
                if isinstance(condition, dict) and isinstance(condition.get("test"), str):
                    where = prefix + ("condition",) + ((index,) if listed else ()) + ("test",)
                    found = evaluated.spans.get(where)
                    if found is not None:
                        spans.setdefault(("Condition", condition["test"]), found)
            header = evaluated.spans.get(prefix) if prefix else None
            yield _Instance((attr.name_token.line, attr.name_token.column, position), dict(item), spans,
                            header or token_span(attr.name_token))


def _record_condition(
    body: Tree, evaluator: Evaluator, file: str, text: str, spans: dict[tuple, Span], mfa_operators: set[tuple]
) -> None:
    values = {a.name: a for a in attributes(body)}
    test_attr = values.get("test")
    if test_attr is None:
        return
    evaluated = evaluator.evaluate(test_attr.expression, file, text)
    test = evaluated.value
    variable_attr = values.get("variable")
    variable = evaluator.evaluate(variable_attr.expression, file, text).value if variable_attr else None
    if not isinstance(test, (str, Unknown)):
        return
    # where the operator is written: the test's value where it came from (a variable default, a lookup's map),
    # else the test expression itself
    span = evaluated.spans.get(()) if isinstance(test, str) else None
    if span is None:
        span = node_span(test_attr.expression)
    if span.line == 1 and span.column == 1:
        span = token_span(test_attr.name_token)
    operator_path = ("Condition", test)
    is_mfa = isinstance(variable, str) and "multifactor" in variable.lower()
    # Several blocks can share one operator; the span of the first one testing an MFA key is the one findings mean.
    if operator_path not in spans or (is_mfa and operator_path not in mfa_operators):
        spans[operator_path] = span
        if is_mfa:
            mfa_operators.add(operator_path)
    if isinstance(variable, str):
        spans.setdefault(operator_path + (variable,), span)


def _body_to_dict(
    body: Tree, evaluator: Evaluator, file: str, text: str, notes: list[Note], depth: int
) -> dict[str, Any]:
    """A block body in hcl2.loads' shape; nested blocks (dynamic ones expanded) to a bounded depth."""
    out: dict[str, Any] = {}
    for attr in attributes(body):
        out[attr.name] = [evaluator.evaluate(attr.expression, file, text).value]
    if depth >= POLICY_DOCUMENT_BLOCK_NESTING:
        return out
    names = dict.fromkeys(b.labels[0] if b.type == "dynamic" and b.labels else b.type for b in blocks(body))
    for name in names:
        for _, _, child_body, bound, _ in _expanded(body, name, evaluator, file, text, notes):
            out.setdefault(name, []).append(_body_to_dict(child_body, bound, file, text, notes, depth + 1))
    return out


# -- one document out of every try ------------------------------------------------------------------------------


def _merge(per_try: list[list[_Instance]], references: list[str]) -> list[_Instance]:
    """Each statement once, in source order; parts that differ between the tries where it exists become unknown."""
    if len(per_try) == 1:
        return sorted(per_try[0], key=lambda i: _source_order(i.key))
    found: dict[tuple, _Instance] = {}
    order: list[tuple] = []
    for instances in per_try:
        for instance in instances:
            if instance.key not in found:
                found[instance.key] = instance
                order.append(instance.key)
            else:
                kept = found[instance.key]
                kept.block = _agree(kept.block, instance.block, references)
                for path, span in instance.spans.items():
                    kept.spans.setdefault(path, span)
    return [found[k] for k in sorted(order, key=_source_order)]


def _source_order(key: tuple) -> tuple:
    return tuple(str(k) if not isinstance(k, int) else f"{k:012d}" for k in key)


def _agree(a: Any, b: Any, references: list[str], depth: int = 0) -> Any:
    if a == b:
        return a
    if depth < 16 and isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return {k: _agree(a[k], b[k], references, depth + 1) for k in a}
    if depth < 16 and isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [_agree(x, y, references, depth + 1) for x, y in zip(a, b, strict=True)]
    return terraform_unknown(", ".join(references))

