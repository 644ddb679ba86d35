"""MFA001 deny-fails-open: a Deny that holds in some context lets a weaker context through (rules.md).

Only the contexts that occur for the statement's callers are weighed (core/callers.py: a role policy, or a trust
statement for a role ARN, never meets long-term keys), only callers for whom getting through is an exposure are
named (AWS services are admitted by design), and companion Denies that hold where this one does not close the gap
together (a union). When no caller of the statement can carry MFA there is no operator that fixes it: MFA006 reports
the lockouts, and an escape gets advice instead of a fix.
"""

from __future__ import annotations

from mfa_lint.core.contexts import MFF, Context
from mfa_lint.core.evaluation import first_false, holds
from mfa_lint.core.findings import BUDGET, Finding
from mfa_lint.core.keys import MFA_KEYS
from mfa_lint.core.model import Statement, Test
from mfa_lint.core.policy import Policy
from mfa_lint.core.record import Rule
from mfa_lint.core.rules.base import COMPANION_ADVICE, NO_MFA, finding, label, no_mfa_advice, with_operator

RULE = Rule(
    id="MFA001",
    cfn_lint_id="E9001",
    severity="error",
    security_severity=8.9,  # what checkov's SARIF shows for HIGH (it offers no way to set it)
    name="deny-fails-open",
    summary=(
        'a Deny that does not apply to access keys (or to sessions without MFA, e.g. through the age key) '
        'because its operator is false on the absent key, with no companion covering them; role policies meet'
        ' no access keys, public resource policies also meet anonymous requests'
    ),
    title="MFA deny fails open for callers without the MFA key",
    rationale=(
        "A Deny meant to block callers without MFA uses an operator that is false when the key is absent. "
        "aws:MultiFactorAuthPresent is absent for AWS CLI/SDK calls signed with long-term access keys (and for "
        "anonymous requests to a public resource), and aws:MultiFactorAuthAge is absent whenever MFA was not used, "
        "so those callers are not denied. A role's own policy never meets long-term keys: there only the age key "
        "can fail open."
    ),
    fix=(
        "Add IfExists to the operator that fails on the absent key (Bool -> BoolIfExists, "
        "NumericGreaterThan -> NumericGreaterThanIfExists). Where that is not enough (another MFA test in the same "
        "statement still fails, e.g. NumericGreaterThan age together with Bool true), add a companion Deny with "
        "\"BoolIfExists\": {\"aws:MultiFactorAuthPresent\": \"false\"} over the same actions and resources."
    ),
    fixable=True,
    example=(
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": NO_MFA},
    ),
)


class _Undecided(Exception):
    """The companion search ran out of budget before it could decide."""


def escapes(statement: Statement, policy: Policy) -> list[Context]:
    """The contexts that get through: weaker than one the statement denies, not denied by it or a companion."""
    if statement.effect != "Deny" or holds(statement, MFF):
        return []
    callers = policy.callers_of(statement)
    contexts = callers.contexts()
    holding = [c for c in contexts if c is not MFF and holds(statement, c)]
    if not holding:
        return []
    strongest = max(c.rank for c in holding)
    out = []
    for c in contexts:
        if c.rank >= strongest or holds(statement, c) or not callers.in_context(c, exposed_only=True):
            continue
        covered = policy.companions.covers(statement, c)
        if covered is None:
            raise _Undecided
        if not covered:
            out.append(c)
    return out


def _why_false(test: Test, context: Context, statement: Statement, policy: Policy) -> str:
    key = MFA_KEYS.get(test.canonical_key, test.key)
    if context.value_of(test.canonical_key) is None:
        return (f"{key} is absent from {policy.absent_from(context, statement)} and {test.operator_name} is false "
                "for an absent key")
    return f"{test.operator_name} {key} does not match their value"


def check(statement: Statement, policy: Policy) -> list[Finding]:
    try:
        escaping = escapes(statement, policy)
        if not escaping:
            return []
        test = first_false(statement, escaping[0])
        fix = None
        op = test.operator
        capable = policy.callers_of(statement).capable
        if capable and not op.if_exists and op.base != "Null":
            candidate = op.spelled(if_exists=True)
            if not escapes(with_operator(statement, test, candidate), policy):
                fix = candidate
    except _Undecided:
        policy.note(f"not analysed: MFA001 for {label(statement)}: the companion search stopped at its budget of "
                    f"{policy.companions.budget} comparisons per policy", statement, BUDGET)
        return []
    who = "; ".join(f"{policy.callers(c, statement)} are not denied: "
                    f"{_why_false(first_false(statement, c), c, statement, policy)}" for c in escaping)
    message = f"MFA deny fails open: {who}."
    advice = None
    if fix:
        message += f" Use {fix}."
    elif not capable:
        advice = no_mfa_advice(policy.callers_of(statement))
        message += f" Fix: {advice}."
    else:
        advice = f"no single operator change closes it: {COMPANION_ADVICE}"
        message += f" Fix: {advice}."
    return [finding(RULE.id, statement, message, test, fix, escaping, advice)]
