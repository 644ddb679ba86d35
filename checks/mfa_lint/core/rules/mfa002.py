"""MFA002 allow-fails-open: an Allow that admits MFA also admits callers without it (rules.md).

"Admits MFA" is fresh MFA (a range of ages) or old MFA, so an inverted age test counts. Only the contexts of the
statement's callers are weighed (a role ARN's sessions always carry the key: `BoolIfExists true` is `Bool true`
there), only callers for whom it is an exposure are named, and Deny statements of the same document that close the
gap (together, as a union) keep it from leaking.
"""

from __future__ import annotations

from mfa_lint.core.contexts import LT, MFF, MFO, NM, Context
from mfa_lint.core.evaluation import holds, test_holds
from mfa_lint.core.findings import BUDGET, Finding
from mfa_lint.core.keys import MFA_KEYS, PRESENT
from mfa_lint.core.model import Statement, Test
from mfa_lint.core.operators import Operator
from mfa_lint.core.policy import Policy
from mfa_lint.core.record import Rule
from mfa_lint.core.rules.base import finding, label, no_mfa_advice, with_operator

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


class _Undecided(Exception):
    """The companion search ran out of budget before it could decide."""


def admits_mfa(statement: Statement) -> bool:
    return holds(statement, MFF) or holds(statement, MFO)


def _open(statement: Statement, policy: Policy, context: Context) -> bool:
    """The Allow admits `context` for some exposed caller and no Deny of the document closes that gap."""
    if not holds(statement, context) or not policy.callers_of(statement).in_context(context, exposed_only=True):
        return False
    closed = policy.companions.covers(statement, context)
    if closed is None:
        raise _Undecided
    return not closed


def _escape(statement: Statement, policy: Policy) -> Context | None:
    """The weakest context the Allow admits although it means MFA, or None."""
    if statement.effect != "Allow" or not admits_mfa(statement):
        return None
    if policy.occurs(LT, statement) and _open(statement, policy, LT):
        return LT
    means_mfa = any(not (t.canonical_key == PRESENT and t.operator.base == "Null") and not t.like_target
                    for t in statement.mfa_tests)
    if means_mfa and policy.occurs(NM, statement) and _open(statement, policy, NM):
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
    try:
        return _check(statement, policy)
    except _Undecided:
        policy.note(f"not analysed: MFA002 for {label(statement)}: the companion search stopped at its budget of "
                    f"{policy.companions.budget} comparisons per policy", statement, BUDGET)
        return []


def _check(statement: Statement, policy: Policy) -> list[Finding]:
    escape = _escape(statement, policy)
    if escape is None:
        return []
    capable = policy.callers_of(statement).capable
    candidates = [t for t in statement.mfa_tests if test_holds(t, escape)]
    chosen, fix = None, None
    for t in candidates if capable else []:
        for variant in _strict_variants(t.operator):
            fixed = with_operator(statement, t, variant)
            if _escape(fixed, policy) is None and holds(fixed, MFF):
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
        advice = _advice(chosen) if capable else no_mfa_advice(policy.callers_of(statement))
        message += f" Fix: {advice}."
    return [finding(RULE.id, statement, message, chosen, fix, [escape], advice)]
