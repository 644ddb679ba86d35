"""MFA004 scp-mfa-deny-unscoped: an MFA deny in an SCP/RCP that still applies to role sessions, or an SCP Allow
that requires MFA and so implicitly denies them (rules.md).

Decided by evaluation, not by a list of known scoping tests: the statement's principal tests are evaluated with
the same evaluator for sample principals nobody named (core/samples.py: an exemption for `role/app` or `role/a*`
does not exempt the sample role). An unresolved value is tried with every value that matters; the rule fires only
when every one of them leaves some role session denied.

RCPs: AWS accepts `Allow` only in the RCPFullAWSAccess policy (orgs_manage_policies_rcps_syntax.html), so an RCP
Allow with an MFA condition cannot be deployed and is not judged here.
"""

from __future__ import annotations

import dataclasses
import itertools

from mfa_lint.core.callers import CallerClass
from mfa_lint.core.contexts import MFF, MFO, NM
from mfa_lint.core.evaluation import holds
from mfa_lint.core.findings import BUDGET, Finding
from mfa_lint.core.model import Statement, Test
from mfa_lint.core.policy import Policy
from mfa_lint.core.record import Rule
from mfa_lint.core.rules.base import NO_MFA, finding
from mfa_lint.core.samples import Sample, Unnamed, applies, is_principal_test, samples_for
from mfa_lint.core.values import Unknown

_SCOPE = '"StringEquals": {"aws:PrincipalType": "User"}'
_MAX_TRIES = 64
_NO_MATCH = "\0no-such-principal"
#: the sessions an MFA deny must not break: SCPs restrict them and they carry MFA only when the session recorded it
ROLE_LIKE = frozenset({CallerClass.ROLE_SESSIONS, CallerClass.SSO_SESSIONS})
#: also named in the message when the statement applies to them (choice: AssumeRoot sessions are the member
#: account's root user, so a deny scoped to the root user is scoped on purpose; they exist only with centralized
#: root access)
_OTHERS = frozenset({CallerClass.FEDERATED_USERS, CallerClass.IAM_USERS, CallerClass.ASSUMED_ROOT})
_ALLOW_FIX = (
    'do not require MFA in an SCP Allow: keep an Allow without the MFA condition and add a Deny with "BoolIfExists": '
    f'{{"aws:MultiFactorAuthPresent": "false"}} and {_SCOPE}'
)

RULE = Rule(
    id="MFA004",
    cfn_lint_id="W9004",
    severity="warning",
    security_severity=6.9,  # what checkov's SARIF shows for MEDIUM
    name="scp-mfa-deny-unscoped",
    summary=('an MFA deny in an SCP/RCP that, evaluated for a role and an SSO session nobody named, still denies them;'
             ' an SCP Allow that requires MFA (an allow-list implicitly denies them)'),
    title="MFA deny in an SCP/RCP also denies role sessions and SSO users",
    rationale=(
        "Service and resource control policies apply to every principal in the member accounts. Role "
        "sessions and IAM Identity Center users carry aws:MultiFactorAuthPresent = false unless the session "
        "recorded MFA, so an MFA deny that still applies to them blocks automation, cross-account roles and SSO "
        "users, not only IAM users. An SCP Allow that requires MFA does the same as an allow-list: what it does not "
        "allow is denied. Whether the statement's principal tests exclude them is decided by evaluating them for "
        "a role session and an SSO session that no literal of the policy names, a federated user, an IAM user and "
        "root."
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


def _candidates(test: Test, samples: list[Sample]) -> tuple[str, ...]:
    """Values that matter for an unresolved value of this test: each sample's own value, and one matching none."""
    key = test.canonical_key
    return tuple(sorted({s.values[key] for s in samples if key in s.values})) + (_NO_MATCH,)


def _substitutions(tests: list[Test], samples: list[Sample]) -> list[list[Test]] | None:
    """Every way to fill in the unresolved values of the principal tests (None: too many to try)."""
    slots = [(i, _candidates(t, samples)) for i, t in enumerate(tests) if t.has_unknown]
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


def _denied(tests: list[Test], samples: list[Sample]) -> tuple[list[str], bool]:
    """The role-session samples the statement still applies to, and whether one of them was undecidable."""
    denied, undecided = [], False
    for sample in samples:
        if sample.cls not in ROLE_LIKE:
            continue
        verdict = applies(tests, sample, tags_absent=True)
        if verdict is None:
            undecided = True
        elif verdict and sample.name not in denied:
            denied.append(sample.name)
    return denied, undecided


def _requires_mfa_in_allow(statement: Statement, policy: Policy) -> bool:
    """An SCP Allow that admits MFA but not sessions without it."""
    return (policy.kind == "scp" and statement.effect == "Allow" and (holds(statement, MFF) or holds(statement, MFO))
            and not holds(statement, NM))


def check(statement: Statement, policy: Policy) -> list[Finding]:
    allow = _requires_mfa_in_allow(statement, policy)
    if not allow and (statement.effect != "Deny" or not holds(statement, NM)):
        return []
    unsure = "unresolved value: whether this MFA deny is scoped to IAM users depends on "
    if statement.condition_opaque:
        policy.note(unsure + "a condition that could not be read", statement)
        return []
    tests = [t for t in statement.other_tests if is_principal_test(t)]
    samples = samples_for(tests, Unnamed.for_tests(tests))
    tries = _substitutions(tests, samples) if samples is not None else None
    if tries is None:
        policy.note(unsure + "too many unresolved values", statement)
        return []
    outcomes = [_denied(filled, samples) for filled in tries]
    if any(not denied for denied, _ in outcomes):
        if any(denied or undecided for denied, undecided in outcomes):
            policy.note(unsure + "an unresolved value or an IAM policy variable", statement)
        return []
    if allow:
        opened = policy.allows.covers(statement, NM)
        if opened is None:
            policy.note(f"not analysed: MFA004 for this Allow: the search for other Allow statements stopped at its "
                        f"budget of {policy.allows.budget} comparisons per policy", statement, BUDGET)
            return []
        if opened:
            return []
    denied = outcomes[0][0]
    others = list(dict.fromkeys(
        s.name for s in samples if s.cls in _OTHERS and applies(tries[0], s, tags_absent=True)))
    also = f" (it also applies to {', '.join(others)})" if others else ""
    who = " and ".join(denied)
    if allow:
        message = (
            f"MFA required by an Allow in a service control policy: {who} without MFA are implicitly denied what "
            f"it allows{also}, because an SCP denies what no statement allows and they carry "
            "aws:MultiFactorAuthPresent = false unless the session recorded MFA, so automation, cross-account roles "
            f"and SSO users break. Fix: {_ALLOW_FIX}."
        )
        return [finding(RULE.id, statement, message, None, escapes=[NM], advice=_ALLOW_FIX)]
    message = (
        f"MFA deny in a service/resource control policy also denies {who}{also}: "
        "they carry aws:MultiFactorAuthPresent = false unless the session recorded MFA, so automation, "
        f"cross-account roles and SSO users break. Scope it to IAM users with {_SCOPE}."
    )
    return [finding(RULE.id, statement, message, None, escapes=[NM], advice=RULE.fix)]
