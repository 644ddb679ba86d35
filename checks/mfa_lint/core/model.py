"""The policy model: what real templates contain, normalised, with a path back to every part.

Statement as a list or one object, Action/Resource as strings or lists, values as strings, booleans, numbers or
lists, element names and condition keys in any case, the document as a JSON string. Malformed parts become notes,
never exceptions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from mfa_lint.core.findings import BUDGET, MALFORMED, Note
from mfa_lint.core.keys import canonical, is_mfa_key, mfa_like_target
from mfa_lint.core.operators import Operator, parse_operator
from mfa_lint.core.values import Unknown, describe, scalar, unknown_kind, value_list

MAX_STATEMENTS = 100_000


@dataclass
class Test:
    """One (operator, key, values) triple of a statement's Condition."""

    operator_name: str
    operator: Operator | None  # None: an operator IAM does not know
    key: str
    values: list[str | Unknown]
    path: tuple  # to the operator key: (..., "Condition", "Bool")
    like_target: str | None = None  # for a misspelled MFA key: the key it was meant to be

    @property
    def canonical_key(self) -> str:
        return canonical(self.key)

    @property
    def is_mfa(self) -> bool:
        """An MFA test, or a test on an MFA-like key (always absent): both decide whether the statement applies."""
        return self.operator is not None and (is_mfa_key(self.key) or self.like_target is not None)

    @property
    def has_unknown(self) -> bool:
        return any(isinstance(v, Unknown) for v in self.values)

    def signature(self) -> tuple:
        """Identity for comparing non-MFA tests across statements."""
        return (self.operator_name, self.canonical_key, tuple(sorted(str(v) for v in self.values)))


@dataclass
class Statement:
    index: int  # position in the Statement list (0 when Statement is a single object)
    path: tuple  # ("Statement", i) or ("Statement",)
    effect: str | None  # "Allow" | "Deny" | None (missing or unresolved)
    sid: str | None = None
    actions: list[str | Unknown] | None = None
    not_actions: list[str | Unknown] | None = None
    resources: list[str | Unknown] | None = None
    not_resources: list[str | Unknown] | None = None
    principal: Any = None
    not_principal: Any = None
    tests: list[Test] = field(default_factory=list)
    condition_opaque: bool = False  # part of the Condition is unresolved or malformed: never a companion
    unjudged: bool = False  # an MFA test could not be read: no rule is decided for this statement
    # holds(S, c) per context, filled by core/evaluation.py; a copy made with dataclasses.replace starts empty
    holds_cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @cached_property
    def mfa_tests(self) -> list[Test]:
        """Computed once: statements are built by parse_document and changed only by copying (replace)."""
        return [t for t in self.tests if t.is_mfa]

    @cached_property
    def other_tests(self) -> list[Test]:
        return [t for t in self.tests if not t.is_mfa]

    @property
    def is_mfa_statement(self) -> bool:
        return bool(self.mfa_tests)


@dataclass
class Document:
    statements: list[Statement] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def _get(mapping: dict, name: str) -> tuple[str | None, Any]:
    """Element names in any case: the key as written and its value."""
    if name in mapping:
        return name, mapping[name]
    low = name.lower()
    for key in mapping:
        if isinstance(key, str) and key.lower() == low:
            return key, mapping[key]
    return None, None


def _string_list(value: Any) -> list[str | Unknown] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    out: list[str | Unknown] = []
    for item in items:
        converted = scalar(item)
        out.append(converted if converted is not None else Unknown(describe(item)))
    return out


def _json_type(value: Any) -> str:
    """What a value is, in JSON's words (never a host's class name such as cfn-lint's `str_node`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a value of another type"


def parse_document(document: Any) -> Document:
    """Normalise a policy document (dict or JSON string) into statements; every problem becomes a note."""
    doc = Document()
    if isinstance(document, (bytes, bytearray)):
        document = document.decode("utf-8", "replace")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except (ValueError, RecursionError) as exc:
            doc.notes.append(Note(f"cannot analyse: the policy is not valid JSON ({str(exc)[:80]})", kind=MALFORMED))
            return doc
    if isinstance(document, Unknown):
        doc.notes.append(Note(f"unresolved value: the policy is {describe(document)}", kind=unknown_kind(document)))
        return doc
    if not isinstance(document, dict):
        doc.notes.append(Note(f"cannot analyse: the policy is {_json_type(document)}, not an object", kind=MALFORMED))
        return doc
    key, statements = _get(document, "Statement")
    if key is None:
        doc.notes.append(Note("cannot analyse: the policy has no Statement", kind=MALFORMED))
        return doc
    if isinstance(statements, dict):
        _add_statement(doc, statements, 0, (key,))  # a single object: index 0, path without it
    elif isinstance(statements, list):
        if len(statements) > MAX_STATEMENTS:
            doc.notes.append(Note(f"cannot analyse: more than {MAX_STATEMENTS} statements", (key,), kind=BUDGET))
            return doc
        for i, statement in enumerate(statements):
            _add_statement(doc, statement, i, (key, i))
    elif isinstance(statements, Unknown):
        doc.notes.append(Note(f"unresolved value: Statement is {describe(statements)}", (key,),
                              kind=unknown_kind(statements)))
    else:
        doc.notes.append(Note(f"cannot analyse: Statement is {_json_type(statements)}", (key,), kind=MALFORMED))
    return doc


def _add_statement(doc: Document, raw: Any, index: int | None, path: tuple) -> None:
    where = f"statement {index}" if index is not None else "the statement"
    if isinstance(raw, Unknown):
        doc.notes.append(Note(f"unresolved value: {where} is {describe(raw)}", path, index, kind=unknown_kind(raw)))
        return
    if not isinstance(raw, dict):
        doc.notes.append(Note(f"cannot analyse: {where} is {_json_type(raw)}, not an object", path, index,
                              kind=MALFORMED))
        return
    _, effect_raw = _get(raw, "Effect")
    effect = None
    if isinstance(effect_raw, str) and effect_raw.lower() in ("allow", "deny"):
        effect = effect_raw.capitalize()
    elif effect_raw is None:
        doc.notes.append(Note(f"cannot analyse: {where} has no Effect", path, index, kind=MALFORMED))
    else:
        unresolved = isinstance(effect_raw, Unknown)
        reason = "unresolved value" if unresolved else "cannot analyse"
        kind = unknown_kind(effect_raw) if unresolved else MALFORMED
        doc.notes.append(Note(f"{reason}: {where} has Effect {describe(effect_raw)}", path, index, kind=kind))
    _, sid = _get(raw, "Sid")
    statement = Statement(
        index=index,
        path=path,
        effect=effect,
        sid=sid if isinstance(sid, str) else None,
        actions=_string_list(_get(raw, "Action")[1]),
        not_actions=_string_list(_get(raw, "NotAction")[1]),
        resources=_string_list(_get(raw, "Resource")[1]),
        not_resources=_string_list(_get(raw, "NotResource")[1]),
        principal=_get(raw, "Principal")[1],
        not_principal=_get(raw, "NotPrincipal")[1],
    )
    cond_key, condition = _get(raw, "Condition")
    if cond_key is not None and condition is not None:
        _add_tests(doc, statement, condition, path + (cond_key,), where)
    doc.statements.append(statement)


def _add_tests(doc: Document, statement: Statement, condition: Any, path: tuple, where: str) -> None:
    index = statement.index
    if isinstance(condition, Unknown):
        statement.condition_opaque = True
        doc.notes.append(Note(f"unresolved value: the Condition of {where} is {describe(condition)}", path, index,
                              kind=unknown_kind(condition)))
        return
    if not isinstance(condition, dict):
        statement.condition_opaque = True
        doc.notes.append(
            Note(f"cannot analyse: the Condition of {where} is {_json_type(condition)}", path, index, kind=MALFORMED)
        )
        return
    for op_name, block in condition.items():
        op_path = path + (op_name,)
        if isinstance(op_name, Unknown):
            statement.condition_opaque = True
            doc.notes.append(Note(f"unresolved value: a condition operator in {where} is {op_name}", op_path, index,
                                  kind=unknown_kind(op_name)))
            continue
        if not isinstance(op_name, str):
            statement.condition_opaque = True
            doc.notes.append(Note(f"cannot analyse: condition operator {op_name!r} in {where}", op_path, index,
                                  kind=MALFORMED))
            continue
        operator = parse_operator(op_name)
        if isinstance(block, Unknown):
            statement.condition_opaque = True
            doc.notes.append(Note(f"unresolved value: {op_name} in {where} is {describe(block)}", op_path, index,
                                  kind=unknown_kind(block)))
            continue
        if not isinstance(block, dict):
            statement.condition_opaque = True
            doc.notes.append(
                Note(f"cannot analyse: {op_name} in {where} is {_json_type(block)}, not a mapping", op_path, index,
                     kind=MALFORMED)
            )
            continue
        for key, raw_values in block.items():
            if isinstance(key, Unknown):
                statement.condition_opaque = True
                doc.notes.append(Note(f"unresolved value: a condition key in {where} is {key}", op_path, index,
                                      kind=unknown_kind(key)))
                continue
            if isinstance(key, bool) or key is None or not isinstance(key, (str, int, float)):
                statement.condition_opaque = True
                doc.notes.append(Note(f"cannot analyse: condition key {key!r} in {where}", op_path, index,
                                      kind=MALFORMED))
                continue
            key = str(key)
            values, ok = value_list(raw_values)
            test = Test(op_name, operator, key, values, op_path, like_target=mfa_like_target(key))
            if (not ok or not values) and not test.is_mfa:
                # a test on another key is assumed able to hold (rules.md): a value list it cannot read (a whole
                # variable whose default is null or empty, a mapping) is one unknown value there, not a note
                test.values = [Unknown(f"the values of {op_name} {key}")]
            elif not ok or not values:
                statement.condition_opaque = True
                statement.unjudged = True
                doc.notes.append(
                    Note(f"cannot analyse: {op_name} {key} in {where} has no string, number or boolean value",
                         op_path, index, kind=MALFORMED)
                )
                continue
            statement.tests.append(test)
