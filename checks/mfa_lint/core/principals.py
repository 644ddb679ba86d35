"""Representative principals of a member account, for deciding by evaluation whom an SCP/RCP statement applies to.

Each principal carries the request values IAM sets for it (IAM User Guide, reference_policies_condition-keys.html:
aws:PrincipalArn, aws:PrincipalType, aws:userid, aws:username; reference_policies_variables.html#principaltable):
a role session's aws:PrincipalArn is the role's ARN, its aws:userid is `role-id:session-name`, and aws:username is
present only for IAM users. Principal tags are absent in every one of them. Tests on keys not modelled here are
assumed able to hold: they never make a statement look scoped when it is not.
"""

from __future__ import annotations

from dataclasses import dataclass

from mfa_lint.core.contexts import evaluate
from mfa_lint.core.model import Test
from mfa_lint.core.values import Unknown

_MODELLED = ("aws:principalarn", "aws:principaltype", "aws:userid", "aws:username")
_TAG_PREFIX = "aws:principaltag/"
_NO_MATCH = "\0no-such-principal"


@dataclass(frozen=True)
class Principal:
    name: str  # for messages
    role_session: bool  # MFA004 fires when an MFA deny still applies to it
    values: dict[str, str]  # canonical key -> request value; a key not listed is absent
    #: SCPs and RCPs restrict it (not so for service-linked roles: orgs_manage_policies_scps.html), so a message
    #: may say the deny applies to it
    controlled: bool = True


_ACCOUNT = "111122223333"
PRINCIPALS = (
    Principal("role sessions", True, {
        "aws:principalarn": f"arn:aws:iam::{_ACCOUNT}:role/app",
        "aws:principaltype": "AssumedRole",
        "aws:userid": "AROAEXAMPLEROLEID:session",
    }),
    Principal("IAM Identity Center (SSO) sessions", True, {
        "aws:principalarn": f"arn:aws:iam::{_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/"
                            "AWSReservedSSO_Admin_0123456789abcdef",
        "aws:principaltype": "AssumedRole",
        "aws:userid": "AROAEXAMPLESSOROLE:alice@example.com",
    }),
    # GetFederationToken sessions are made from an IAM user's long-term keys, and service-linked roles are not
    # affected by SCPs (orgs_manage_policies_scps.html): neither alone makes a deny "unscoped".
    Principal("federated users", False, {
        "aws:principalarn": f"arn:aws:sts::{_ACCOUNT}:federated-user/alice",
        "aws:principaltype": "FederatedUser",
        "aws:userid": f"{_ACCOUNT}:alice",
    }),
    Principal("service-linked role sessions", False, {
        "aws:principalarn": f"arn:aws:iam::{_ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/"
                            "AWSServiceRoleForAutoScaling",
        "aws:principaltype": "AssumedRole",
        "aws:userid": "AROAEXAMPLESLROLE:AutoScaling",
    }, controlled=False),
    Principal("IAM users", False, {
        "aws:principalarn": f"arn:aws:iam::{_ACCOUNT}:user/alice",
        "aws:principaltype": "User",
        "aws:userid": "AIDAEXAMPLEUSERID",
        "aws:username": "alice",
    }),
    Principal("the root user", False, {
        "aws:principalarn": f"arn:aws:iam::{_ACCOUNT}:root",
        "aws:principaltype": "Account",
        "aws:userid": _ACCOUNT,
    }),
)


def is_principal_test(test: Test) -> bool:
    """A test on a key whose value depends on who the principal is (and that is modelled here)."""
    key = test.canonical_key
    return test.operator is not None and (key in _MODELLED or key.startswith(_TAG_PREFIX))


def candidates(test: Test) -> tuple[str, ...]:
    """Values that matter for an unresolved value of this test: each principal's own value, and one matching none."""
    key = test.canonical_key
    return tuple(sorted({p.values[key] for p in PRINCIPALS if key in p.values})) + (_NO_MATCH,)


def verdict(test: Test, principal: Principal) -> bool | None:
    """Whether the test holds for the principal's requests; None when an IAM policy variable or an unresolved value
    decides it."""
    values = test.values
    if any(isinstance(v, Unknown) or "${" in v for v in values):
        return None
    return evaluate(test.operator, principal.values.get(test.canonical_key), [str(v) for v in values])


def applies(tests: list[Test], principal: Principal) -> bool | None:
    """The AND of the tests for this principal: False as soon as one is false, None when one cannot be decided."""
    outcome: bool | None = True
    for test in tests:
        v = verdict(test, principal)
        if v is False:
            return False
        if v is None:
            outcome = None
    return outcome
