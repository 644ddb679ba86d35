"""MFA002 allow-fails-open: an Allow that admits MFA also admits callers without it (rules.md)."""

from __future__ import annotations

from mfa_lint.core.contexts import LT, MFF, NM, Context
from mfa_lint.core.evaluation import holds, test_holds
from mfa_lint.core.findings import Finding
from mfa_lint.core.keys import MFA_KEYS, PRESENT
from mfa_lint.core.model import Statement, Test
from mfa_lint.core.operators import Operator
from mfa_lint.core.policy import Policy
from mfa_lint.core.record import Rule
from mfa_lint.core.rules.base import finding, with_operator

_TRUST_ROOT = {"AWS": "arn:aws:iam::111122223333:root"}

RULE = Rule(
    id="MFA002",
    cfn_lint_id="E9002",
    severity="error",
    security_severity=8.9,  # what checkov's SARIF shows for HIGH (it offers no way to set it)
    name="allow-fails-open",
    summary=(
        'an Allow that admits MFA and also access keys without MFA (`BoolIfExists true`, `ForAllValues:Bool`,'
        ' `StringNotEquals false`, …) or sessions without MFA (`Bool ["true","false"]`, '
        '`NumericLessThanIfExists` age beside `Null false`)'
    ),
    title="MFA allow fails open for callers without MFA",
    rationale=(
        "An Allow meant to require MFA also matches requests without it: an IfExists operator or a "
        "ForAllValues: qualifier is true when the key is absent (long-term access keys, anonymous requests), a "
        "negated operator is true for both, and a value list is an OR. An age test with IfExists beside "
        "\"Null\": {\"aws:MultiFactorAuthPresent\": \"false\"} still admits sessions without MFA."
    ),
    fix=(
        "Drop IfExists / the ForAllValues: qualifier (BoolIfExists -> Bool, ForAllValues:Bool -> Bool) and "
        "test \"Bool\": {\"aws:MultiFactorAuthPresent\": \"true\"}."
    ),
    fixable=True,
    example=(
        {"Effect": "Allow", "Principal": _TRUST_ROOT, "Action": "sts:AssumeRole",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Effect": "Allow", "Principal": _TRUST_ROOT, "Action": "sts:AssumeRole",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
    ),
    example_kind="trust",
)


def _escape(statement: Statement, policy: Policy) -> Context | None:
    """The weakest context the Allow admits although it means MFA, or None."""
    if statement.effect != "Allow" or not holds(statement, MFF):
        return None
    if policy.occurs(LT) and holds(statement, LT):
        return LT
    means_mfa = any(not (t.canonical_key == PRESENT and t.operator.base == "Null") and not t.like_target
                    for t in statement.mfa_tests)
    if holds(statement, NM) and means_mfa:
        return NM
    return None


def _strict_variants(op: Operator) -> list[str]:
    out = []
    if op.if_exists:
        out.append(op.spelled(if_exists=False))
    if op.qualifier == "ForAllValues":
        out.append(op.spelled(qualifier=None))
        if op.if_exists:
            out.append(op.spelled(qualifier=None, if_exists=False))
    return out


def _advice(test: Test) -> str:
    key = MFA_KEYS.get(test.canonical_key, test.key)
    if len(test.values) > 1:
        return f"a value list is an OR: keep only the value that means MFA under {test.operator_name} {key}"
    if test.canonical_key == PRESENT:
        return f'replace {test.operator_name} with "Bool": {{"aws:MultiFactorAuthPresent": "true"}}'
    return f"use a Numeric*LessThan operator on {key} without IfExists"


def check(statement: Statement, policy: Policy) -> list[Finding]:
    escape = _escape(statement, policy)
    if escape is None:
        return []
    candidates = [t for t in statement.mfa_tests if test_holds(t, escape)]
    chosen, fix = None, None
    for t in candidates:
        for variant in _strict_variants(t.operator):
            if _escape(with_operator(statement, t, variant), policy) is None:
                chosen, fix = t, variant
                break
        if chosen:
            break
    if chosen is None:
        on_present = [t for t in candidates if t.canonical_key == PRESENT and t.operator.base != "Null"]
        chosen = (on_present or candidates or statement.mfa_tests)[0]
    key = MFA_KEYS.get(chosen.canonical_key, chosen.key)
    value = escape.value_of(chosen.canonical_key)
    state = "absent" if value is None else f"{value}"
    message = (
        f"MFA allow fails open: {policy.callers(escape, statement)} are allowed without MFA, because "
        f"{chosen.operator_name} {key} also holds when the key is {state}."
    )
    advice = None
    if fix:
        message += f" Use {fix}."
    else:
        advice = _advice(chosen)
        message += f" Fix: {advice}."
    return [finding(RULE.id, statement, message, chosen, fix, [escape], advice)]
