"""The evaluator, operator family by operator family, over the four request contexts (semantics.md)."""

from __future__ import annotations

import pytest
from mfa_lint.core.contexts import CONTEXTS, LT, MFF, MFO, NM, evaluate
from mfa_lint.core.keys import AGE, PRESENT, edit_distance, mfa_like_target
from mfa_lint.core.operators import parse_operator


def truth(operator: str, key: str, values: list[str]) -> dict[str, bool]:
    op = parse_operator(operator)
    assert op is not None, operator
    return {c.id: evaluate(op, c.value_of(key), values) for c in CONTEXTS}


def row(lt: bool, nm: bool, mfo: bool, mff: bool) -> dict[str, bool]:
    return {"LT": lt, "NM": nm, "MFo": mfo, "MFf": mff}


@pytest.mark.parametrize(
    ("operator", "key", "values", "expected"),
    [
        # Bool: false on an absent key; IfExists: true on an absent key; case-insensitive values
        ("Bool", PRESENT, ["false"], row(False, True, False, False)),
        ("Bool", PRESENT, ["False"], row(False, True, False, False)),
        ("Bool", PRESENT, ["true"], row(False, False, True, True)),
        ("BoolIfExists", PRESENT, ["false"], row(True, True, False, False)),
        ("BoolIfExists", PRESENT, ["TRUE"], row(True, False, True, True)),
        ("Bool", PRESENT, ["true", "false"], row(False, True, True, True)),
        ("Bool", PRESENT, ["flase"], row(False, False, False, False)),
        # String*: case-sensitive equality, globbing, IgnoreCase, negation true on an absent key
        ("StringEquals", PRESENT, ["false"], row(False, True, False, False)),
        ("StringEquals", PRESENT, ["False"], row(False, False, False, False)),
        ("StringEqualsIgnoreCase", PRESENT, ["False"], row(False, True, False, False)),
        ("StringLike", PRESENT, ["f*"], row(False, True, False, False)),
        ("StringLike", PRESENT, ["*"], row(False, True, True, True)),
        ("StringNotEquals", PRESENT, ["true"], row(True, True, False, False)),
        ("StringNotEquals", PRESENT, ["false"], row(True, False, True, True)),
        ("StringNotLike", PRESENT, ["t*"], row(True, True, False, False)),
        ("StringNotEqualsIgnoreCase", PRESENT, ["TRUE"], row(True, True, False, False)),
        # Numeric* on the age key: absent in LT and NM; large in MFo; 0 in MFf
        ("NumericGreaterThan", AGE, ["3600"], row(False, False, True, False)),
        ("NumericGreaterThanIfExists", AGE, ["3600"], row(True, True, True, False)),
        ("NumericLessThan", AGE, ["3600"], row(False, False, False, True)),
        ("NumericLessThanIfExists", AGE, ["3600"], row(True, True, False, True)),
        ("NumericLessThanEquals", AGE, ["0"], row(False, False, False, True)),
        ("NumericGreaterThanEquals", AGE, ["0"], row(False, False, True, True)),
        ("NumericNotEquals", AGE, ["0"], row(True, True, True, False)),
        ("NumericEquals", AGE, ["0"], row(False, False, False, True)),
        ("NumericLessThan", AGE, ["soon"], row(False, False, False, False)),
        ("NumericLessThan", PRESENT, ["1"], row(False, False, False, False)),
        # Null: true matches an absent key, false a present one
        ("Null", PRESENT, ["true"], row(True, False, False, False)),
        ("Null", PRESENT, ["false"], row(False, True, True, True)),
        ("Null", AGE, ["true"], row(True, True, False, False)),
        ("Null", AGE, ["false"], row(False, False, True, True)),
        # set qualifiers: ForAllValues true on an absent key, ForAnyValue false
        ("ForAllValues:Bool", PRESENT, ["true"], row(True, False, True, True)),
        ("ForAnyValue:Bool", PRESENT, ["false"], row(False, True, False, False)),
        ("ForAnyValue:BoolIfExists", PRESENT, ["false"], row(True, True, False, False)),
        ("ForAllValues:StringEquals", PRESENT, ["false"], row(True, True, False, False)),
        # Date, IpAddress, Arn, Binary never match an MFA key's value; negated forms are true
        ("DateGreaterThan", AGE, ["2020-01-01T00:00:00Z"], row(False, False, False, False)),
        ("DateNotEquals", AGE, ["2020-01-01T00:00:00Z"], row(True, True, True, True)),
        ("IpAddress", PRESENT, ["10.0.0.0/8"], row(False, False, False, False)),
        ("NotIpAddress", PRESENT, ["10.0.0.0/8"], row(True, True, True, True)),
        ("ArnLike", PRESENT, ["arn:*"], row(False, False, False, False)),
        ("ArnNotLike", PRESENT, ["arn:*"], row(True, True, True, True)),
        ("BinaryEquals", PRESENT, ["dHJ1ZQ=="], row(False, False, False, False)),
        ("BinaryEqualsIfExists", PRESENT, ["dHJ1ZQ=="], row(True, False, False, False)),
    ],
)
def test_operator_over_contexts(operator: str, key: str, values: list[str], expected: dict[str, bool]) -> None:
    assert truth(operator, key, values) == expected


def test_a_misspelled_key_is_always_absent() -> None:
    assert all(c.value_of("aws:multifactorauthpresnt") is None for c in (LT, NM, MFO, MFF))


@pytest.mark.parametrize(
    "name", ["stringEquals", "bool", "NullIfExists", "ForAnyvalue:Bool", "Bool ", "IfExists", "", None, 3]
)
def test_unknown_operator_names_are_left_alone(name: object) -> None:
    assert parse_operator(name) is None


def test_operator_parts() -> None:
    op = parse_operator("ForAllValues:StringNotEqualsIfExists")
    assert (op.qualifier, op.base, op.if_exists, op.family, op.negated) == (
        "ForAllValues", "StringNotEquals", True, "String", True
    )
    assert op.spelled(qualifier=None, if_exists=False) == "StringNotEquals"


@pytest.mark.parametrize(
    ("key", "target"),
    [
        ("aws:MultiFactorAuthPresnt", "aws:MultiFactorAuthPresent"),
        ("MultiFactorAuthPresent", "aws:MultiFactorAuthPresent"),
        ("aws:MultiFactorAuthAg", "aws:MultiFactorAuthAge"),
        ("aws:MultiFactorAuthenticationPresent", "aws:MultiFactorAuthPresent"),
        ("aws:MultiFactorAuthPresent", None),
        ("AWS:MULTIFACTORAUTHAGE", None),
        ("aws:PrincipalType", None),
        ("aws:SecureTransport", None),
    ],
)
def test_mfa_like_keys(key: str, target: str | None) -> None:
    assert mfa_like_target(key) == target


def test_edit_distance() -> None:
    assert edit_distance("kitten", "sitting", 5) == 3
    assert edit_distance("a" * 50, "b", 3) == 4
