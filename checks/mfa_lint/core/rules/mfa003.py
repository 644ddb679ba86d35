"""MFA003 mfa-condition-broken: an MFA test that cannot work as written (rules.md). When it fires for a statement,
no other rule is decided for that statement."""

from __future__ import annotations

from mfa_lint.core.contexts import as_number, bool_word
from mfa_lint.core.evaluation import holds_anywhere
from mfa_lint.core.findings import Finding
from mfa_lint.core.keys import AGE, MFA_KEYS, PRESENT
from mfa_lint.core.model import Statement, Test
from mfa_lint.core.policy import Policy
from mfa_lint.core.record import Rule
from mfa_lint.core.rules.base import NO_MFA, finding

RULE = Rule(
    id="MFA003",
    cfn_lint_id="E9003",
    severity="error",
    security_severity=8.9,  # what checkov's SARIF shows for HIGH (it offers no way to set it)
    name="mfa-condition-broken",
    summary=(
        '`"flase"`, a non-number under `Numeric*`, `Date*`/`Ip*`/`Arn*` on an MFA key, a misspelled key, '
        'contradictory tests'
    ),
    title="MFA condition cannot work as written",
    rationale=(
        "The MFA test has a value invalid for its operator, an operator that cannot apply to the key, a "
        "misspelled key (a different key that is always absent), or tests that together hold in no request. "
        "The statement does not do what it says."
    ),
    fix="Use \"Bool\"/\"BoolIfExists\" with \"true\"/\"false\" on aws:MultiFactorAuthPresent, or Numeric* with "
    "a number of seconds on aws:MultiFactorAuthAge, spelled exactly.",
    example=(
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresnt": "false"}}},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": NO_MFA},
    ),
    exclusive=True,
)

_CANNOT_APPLY = {"Date", "IpAddress", "Arn", "Binary"}


def broken_tests(statement: Statement) -> list[tuple[Test, str, str]]:
    """Tests that cannot work, each with what is wrong and what to do."""
    problems: list[tuple[Test, str, str]] = []
    for t in statement.mfa_tests:
        op, family, key = t.operator, t.operator.family, t.canonical_key
        if t.like_target:
            problems.append((t, f"{t.key!r} is not a key AWS sets, so it is always absent and {t.operator_name} "
                                f"never tests MFA: did you mean {t.like_target}?",
                             f"spell the key {t.like_target}"))
            continue
        spelled = MFA_KEYS[key]
        if family in _CANNOT_APPLY or (key == PRESENT and family == "Numeric") or (key == AGE and family == "Bool"):
            problems.append((t, f"{t.operator_name} cannot apply to {spelled} "
                                f"({'a boolean' if key == PRESENT else 'a number of seconds'})",
                             'use "Bool"/"BoolIfExists" on aws:MultiFactorAuthPresent' if key == PRESENT else
                             "use a Numeric* operator on aws:MultiFactorAuthAge"))
            continue
        for v in t.values:
            text = str(v)
            if (op.base in ("Bool", "Null") and bool_word(text) is None) or (
                family == "Numeric" and as_number(text) is None
            ):
                expected = "true or false" if op.base in ("Bool", "Null") else "a number"
                problems.append((t, f"{t.operator_name} {spelled} has the value {text!r}, which is not {expected}, "
                                    "so it never matches", f"write {expected} instead of {text!r}"))
                break
    if not problems and not holds_anywhere(statement):
        first = statement.mfa_tests[0]
        if len(statement.mfa_tests) == 1:
            values = ", ".join(repr(str(v)) for v in first.values)
            why = f"{first.operator_name} {MFA_KEYS[first.canonical_key]} {values} matches no request"
            advice = RULE.fix
            if first.operator.family == "String" and first.canonical_key == PRESENT:
                why += ' (string operators compare case-sensitively: IAM sends "true" or "false")'
                advice = 'use "Bool" (case-insensitive) or the lower-case value'
        else:
            why = ("the MFA tests of this statement contradict each other and together hold in no request, so the "
                   "statement never applies as intended")
            advice = "keep one MFA test per intent; split contradicting tests into separate statements"
        problems.append((first, why, advice))
    return problems


def check(statement: Statement, policy: Policy) -> list[Finding]:
    return [
        finding(RULE.id, statement, f"MFA condition cannot work: {why}.", test, advice=advice)
        for test, why, advice in broken_tests(statement)
    ]
