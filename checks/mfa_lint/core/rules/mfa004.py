"""MFA004 scp-mfa-deny-unscoped: an MFA deny in an SCP/RCP that still applies to role sessions (rules.md).

Decided by evaluation, not by a list of known scoping tests: the statement's principal tests are evaluated with
the same evaluator for representative principals (core/principals.py). An unresolved value is tried with every
value that matters; the rule fires only when every one of them leaves some role session denied.
"""

from __future__ import annotations

import dataclasses
import itertools

from mfa_lint.core.contexts import NM
from mfa_lint.core.evaluation import holds
from mfa_lint.core.findings import Finding
from mfa_lint.core.model import Statement, Test
from mfa_lint.core.policy import Policy
from mfa_lint.core.principals import PRINCIPALS, Principal, applies, candidates, is_principal_test
from mfa_lint.core.record import Rule
from mfa_lint.core.rules.base import NO_MFA, finding
from mfa_lint.core.values import Unknown

_SCOPE = '"StringEquals": {"aws:PrincipalType": "User"}'
_MAX_TRIES = 64

RULE = Rule(
    id="MFA004",
    cfn_lint_id="W9004",
    severity="warning",
    security_severity=6.9,  # what checkov's SARIF shows for MEDIUM
    name="scp-mfa-deny-unscoped",
    summary='an MFA deny in an SCP/RCP that, evaluated for a role session and an SSO session, still denies them',
    title="MFA deny in an SCP/RCP also denies role sessions and SSO users",
    rationale=(
        "Service and resource control policies apply to every principal in the member accounts. Role "
        "sessions and IAM Identity Center users carry aws:MultiFactorAuthPresent = false unless the session "
        "recorded MFA, so an MFA deny that still applies to them blocks automation, cross-account roles and SSO "
        "users, not only IAM users. Whether the statement's principal tests exclude them is decided by evaluating "
        "them for a role session, an SSO session, a federated user, a service-linked role, an IAM user and root."
    ),
    fix=f"Scope the statement to IAM users: add {_SCOPE} (or make its principal test exclude every role session).",
    at_statement=True,
    kinds=frozenset({"scp", "rcp"}),
    example=(
        {"Effect": "Deny", "Action": "ec2:*", "Resource": "*", "Condition": NO_MFA},
        {"Effect": "Deny", "Action": "ec2:*", "Resource": "*",
         "Condition": {**NO_MFA, "StringEquals": {"aws:PrincipalType": "User"}}},
    ),
    example_kind="scp",
)


def _substitutions(tests: list[Test]) -> list[list[Test]] | None:
    """Every way to fill in the unresolved values of the principal tests (None: too many to try)."""
    slots = [(i, candidates(t)) for i, t in enumerate(tests) if t.has_unknown]
    if not slots:
        return [tests]
    tries = list(itertools.islice(itertools.product(*(c for _, c in slots)), _MAX_TRIES + 1))
    if len(tries) > _MAX_TRIES:
        return None
    out = []
    for values in tries:
        filled = list(tests)
        for (i, _), value in zip(slots, values, strict=True):
            t = filled[i]
            filled[i] = dataclasses.replace(t, values=[value if isinstance(v, Unknown) else v for v in t.values])
        out.append(filled)
    return out


def _denied(tests: list[Test]) -> tuple[list[Principal], bool]:
    """The role-session principals the statement still applies to, and whether some principal was undecidable."""
    denied, undecided = [], False
    for principal in PRINCIPALS:
        verdict = applies(tests, principal)
        if verdict is None:
            undecided = undecided or principal.role_session
        elif verdict and principal.role_session:
            denied.append(principal)
    return denied, undecided


def check(statement: Statement, policy: Policy) -> list[Finding]:
    if statement.effect != "Deny" or not holds(statement, NM):
        return []
    unsure = "unresolved value: whether this MFA deny is scoped to IAM users depends on "
    if statement.condition_opaque:
        policy.note(unsure + "a condition that could not be read", statement)
        return []
    tests = [t for t in statement.other_tests if is_principal_test(t)]
    tries = _substitutions(tests)
    if tries is None:
        policy.note(unsure + "too many unresolved values", statement)
        return []
    outcomes = [_denied(filled) for filled in tries]
    if any(not denied for denied, _ in outcomes):
        if any(denied or undecided for denied, undecided in outcomes):
            policy.note(unsure + "an unresolved value or an IAM policy variable", statement)
        return []
    denied = outcomes[0][0]
    others = [p.name for p in PRINCIPALS if not p.role_session and p.controlled and applies(tries[0], p)]
    also = f" (it also applies to {', '.join(others)})" if others else ""
    message = (
        f"MFA deny in a service/resource control policy also denies {' and '.join(p.name for p in denied)}{also}: "
        "they carry aws:MultiFactorAuthPresent = false unless the session recorded MFA, so automation, "
        f"cross-account roles and SSO users break. Scope it to IAM users with {_SCOPE}."
    )
    return [finding(RULE.id, statement, message, None, escapes=[NM], advice=RULE.fix)]
