"""MFA006 mfa-requirement-unsatisfiable: an MFA requirement that no caller of the statement can meet, so it locks
its callers out (rules.md).

Every caller of the statement (core/callers.py: its Principal, the document's callers from its attachments, narrowed
by its principal tests) is a class whose requests never carry MFA: AWS services, sessions of a role only services
assume, SAML/OIDC federation, IAM Identity Center sessions. An Allow that requires MFA then admits none of them; a
Deny that denies without MFA denies all of them. A class whose key state is not documented (services, federation:
absent or false) counts as locked out only when it is locked out in both. Exclusive: when it fires, MFA001 and
MFA002 are not decided for the statement (their fixes would not help).
"""

from __future__ import annotations

from mfa_lint.core.callers import Caller, CallerClass
from mfa_lint.core.contexts import MFF, MFO
from mfa_lint.core.evaluation import first_false, holds
from mfa_lint.core.findings import Finding
from mfa_lint.core.model import Statement, Test
from mfa_lint.core.policy import Policy
from mfa_lint.core.record import Rule
from mfa_lint.core.rules.base import finding

_GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
_AUDIENCE = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
_SUBJECT = {"token.actions.githubusercontent.com:sub": "repo:example/app:ref:refs/heads/main"}
_ADVICE = {
    CallerClass.SSO_SESSIONS: "require MFA in IAM Identity Center (its sign-in settings) and remove this MFA condition",
    CallerClass.SAML_FEDERATION: "require MFA in the identity provider and remove this MFA condition",
    CallerClass.WEB_IDENTITY: "require MFA in the identity provider (or none for a workload such as a CI job) and "
                              "remove this MFA condition",
    CallerClass.FEDERATED_ROLE_SESSIONS: "require MFA in the identity provider and remove this MFA condition",
}
_REMOVE = "remove this MFA condition: these callers can never meet it"

RULE = Rule(
    id="MFA006",
    cfn_lint_id="E9006",
    severity="error",
    security_severity=6.9,  # what checkov's SARIF shows for MEDIUM: a lockout, not an exposure
    name="mfa-requirement-unsatisfiable",
    summary=(
        'an MFA condition no caller can meet: SAML/OIDC trust (GitHub Actions), service-only trust, IAM Identity '
        'Center permission sets, service-role policies, resource policies for service principals'
    ),
    title="MFA requirement that no caller of the policy can meet",
    rationale=(
        "Every caller of the statement is one whose requests never carry MFA: AWS services and the sessions of roles "
        "only services assume, SAML and OIDC federation (AWS cannot see whether the identity provider required "
        "MFA), IAM Identity Center sessions (aws:MultiFactorAuthPresent is false whatever the user did at sign-in). "
        "An Allow that requires MFA then never applies and a Deny without MFA denies them all: the policy locks its "
        "own callers out."
    ),
    fix=(
        "Require MFA where the callers authenticate (in the identity provider, in IAM Identity Center) and remove "
        "the MFA condition, or scope the condition to callers that can carry MFA."
    ),
    example=(
        {"Effect": "Allow", "Principal": {"Federated": _GITHUB}, "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": _AUDIENCE, "Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Effect": "Allow", "Principal": {"Federated": _GITHUB}, "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": _AUDIENCE, "StringLike": _SUBJECT}},
    ),
    example_kind="trust",
    exclusive=True,
)


def _locked(statement: Statement, callers: list[Caller]) -> list[Caller]:
    """The callers the statement locks out in every context their requests can be in."""
    if statement.effect == "Allow":
        if not (holds(statement, MFF) or holds(statement, MFO)):
            return []  # not an MFA requirement
        return [c for c in callers if not any(holds(statement, x) for x in c.info.contexts)]
    if statement.effect == "Deny":
        if holds(statement, MFF):
            return []  # it denies MFA too: not an MFA requirement
        return [c for c in callers if all(holds(statement, x) for x in c.info.contexts)]
    return []


def _test(statement: Statement, locked: list[Caller]) -> Test:
    if statement.effect == "Allow":
        return first_false(statement, locked[0].info.contexts[0])
    return statement.mfa_tests[0]


def advice(locked: list[Caller]) -> str:
    return "; ".join(dict.fromkeys(_ADVICE.get(c.cls, _REMOVE) for c in locked))


def check(statement: Statement, policy: Policy) -> list[Finding]:
    callers = policy.callers_of(statement)
    if not callers or callers.capable:
        return []
    locked = _locked(statement, list(callers))
    if not locked:
        return []
    who = " and ".join(c.describe() for c in locked)
    why = "; ".join(dict.fromkeys(c.info.never for c in locked))
    if statement.effect == "Allow":
        what = f"{who} can never use this Allow"
    else:
        what = f"this Deny denies every request of {who}"
    todo = advice(locked)
    message = f"MFA requirement no caller can meet: {what}: {why}. Fix: {todo}."
    contexts = list(dict.fromkeys(x for c in locked for x in c.info.contexts))
    return [finding(RULE.id, statement, message, _test(statement, locked), escapes=contexts, advice=todo)]
