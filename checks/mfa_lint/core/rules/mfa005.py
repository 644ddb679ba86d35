"""MFA005 mfa-enrolment-blocked: an MFA deny for callers without MFA that also blocks enrolling a device (rules.md).

Each enrolment action counts only when the statement's resources can be its resource type (ARNs compared segment
by segment), only when the statement's callers include IAM users (the ones who enrol), and only when its
aws:RequestedRegion tests let IAM's region through: IAM calls are always made in us-east-1 (IAM User Guide,
reference_policies_condition-keys.html#condition-keys-requestedregion). The fix never widens the deny.
"""

from __future__ import annotations

from mfa_lint.core.arns import partition
from mfa_lint.core.callers import CallerClass
from mfa_lint.core.contexts import LT, MFF, MFO, NM, evaluate
from mfa_lint.core.coverage import MFA_ENROLMENT, MFA_SELF_SERVICE, covers_action, reaches_resource
from mfa_lint.core.evaluation import holds
from mfa_lint.core.findings import Finding
from mfa_lint.core.globs import matches, matches_all
from mfa_lint.core.model import Statement
from mfa_lint.core.policy import Policy
from mfa_lint.core.record import Rule
from mfa_lint.core.rules.base import NO_MFA, SELF_SERVICE_LIST, finding
from mfa_lint.core.values import Unknown

RULE = Rule(
    id="MFA005",
    cfn_lint_id="W9005",
    severity="warning",
    security_severity=3.9,  # what checkov's SARIF shows for LOW
    name="mfa-enrolment-blocked",
    summary=(
        'an MFA deny in an identity policy whose actions and resources (ARNs by segment) block '
        '`iam:CreateVirtualMFADevice` / `iam:EnableMFADevice`'
    ),
    title="MFA deny also blocks enrolling an MFA device",
    rationale=(
        "The Deny applies to callers without MFA and covers iam:CreateVirtualMFADevice (on an arn:…:iam::…:mfa/… "
        "resource) or iam:EnableMFADevice (on an arn:…:iam::…:user/… resource), so a user without MFA cannot set "
        "one up."
    ),
    fix=(
        "With Action \"*\": use NotAction with AWS's DenyAllExceptListedIfNoMFA list: "
        f"{SELF_SERVICE_LIST}. With an action list: remove the enrolment actions from it. With NotAction: add "
        "them to it. Never replace a narrower Action by NotAction: that widens the deny."
    ),
    at_statement=True,
    kinds=frozenset({"identity"}),
    example=(
        {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": NO_MFA},
        {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny", "NotAction": list(MFA_SELF_SERVICE),
         "Resource": "*", "Condition": NO_MFA},
    ),
)


def _no_long_term_keys_idiom(statement: Statement) -> bool:
    """Deny with `Null aws:MultiFactorAuthPresent true` alone: deliberately not reported (rules.md)."""
    return holds(statement, LT) and not any(holds(statement, c) for c in (NM, MFO, MFF))


def _advice(statement: Statement, blocked: list[str]) -> str:
    """What to change in this statement, never a rewrite that denies more."""
    names = " and ".join(blocked)
    if statement.not_actions is not None:
        return f"add {names} to NotAction (AWS's DenyAllExceptListedIfNoMFA list: {SELF_SERVICE_LIST})"
    actions = [a for a in statement.actions or [] if isinstance(a, str)]
    if len(actions) == 1 and matches_all(actions[0]):
        return f'replace Action "*" by NotAction with AWS\'s DenyAllExceptListedIfNoMFA list: {SELF_SERVICE_LIST}'
    literal = [a for a in actions if "*" not in a and "?" not in a and any(matches(a, b) for b in blocked)]
    wild = [a for a in actions if a not in literal and any(matches(a, b) for b in blocked)]
    parts = []
    if literal:
        parts.append(f"remove {', '.join(literal)} from Action")
    if wild:
        parts.append(f"replace {', '.join(wild)} in Action by the actions you mean to deny, leaving out {names} "
                     "(a NotAction rewrite would widen this deny to every other action)")
    return "; ".join(parts)


#: the region IAM's calls are made in, per partition (only the commercial partition is documented)
_IAM_REGION = {"aws": "us-east-1"}
_REGION_KEY = "aws:requestedregion"
_ENROLLING = frozenset({CallerClass.PRINCIPALS, CallerClass.IAM_USERS})


def _reaches_iam_region(statement: Statement) -> bool | None:
    """Whether the statement's aws:RequestedRegion tests hold for IAM's region; None when unsure."""
    tests = [t for t in statement.other_tests if t.canonical_key == _REGION_KEY and t.operator is not None]
    if not tests:
        return True
    known = [r for r in (statement.resources or statement.not_resources or []) if isinstance(r, str)]
    region = _IAM_REGION.get(partition(known))
    if region is None:
        return True  # another partition: its IAM region is not documented here, the tests are assumed to hold
    outcome: bool | None = True
    for t in tests:
        if any(isinstance(v, Unknown) or "${" in v for v in t.values):
            outcome = None
        elif not evaluate(t.operator, region, [str(v) for v in t.values]):
            return False
    return outcome


def check(statement: Statement, policy: Policy) -> list[Finding]:
    if statement.effect != "Deny" or not (holds(statement, LT) or holds(statement, NM)):
        return []
    if _no_long_term_keys_idiom(statement):
        return []
    if not policy.callers_of(statement).classes & _ENROLLING:
        return []
    region = _reaches_iam_region(statement)
    if region is False:
        return []
    blocked, unsure = [], region is None
    for action, resource in MFA_ENROLMENT.items():
        verdicts = (covers_action(statement, action), reaches_resource(statement, resource))
        if False in verdicts:
            continue
        if None in verdicts or region is None:
            unsure = True
        else:
            blocked.append(action)
    if not blocked:
        if unsure:
            policy.note("unresolved value: whether this MFA deny blocks MFA enrolment depends on an unresolved "
                        "action, resource or region", statement)
        return []
    advice = _advice(statement, blocked)
    message = (
        f"MFA deny also blocks {' and '.join(blocked)} for callers without MFA, so a user without MFA cannot enrol "
        f"a device. Fix: {advice}."
    )
    return [finding(RULE.id, statement, message, None, escapes=[c for c in (LT, NM) if holds(statement, c)],
                    advice=advice)]
