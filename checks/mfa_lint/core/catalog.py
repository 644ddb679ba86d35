"""The rules catalog: every surface (checkov, cfn-lint, CLI, SARIF, docs) reads rule metadata from here.

Rule ids never change. Adding a surface means reading this table, never copying it.
"""

from __future__ import annotations

from dataclasses import dataclass

DOCS_BASE = "https://github.com/mfa-lint/mfa-lint/blob/main/docs/rules"


@dataclass(frozen=True)
class Rule:
    """Metadata of one rule, shared by every surface."""

    id: str
    cfn_lint_id: str
    severity: str  # "error" | "warning"
    checkov_severity: str  # "HIGH" | "MEDIUM" | "LOW"
    name: str
    title: str
    rationale: str
    fix: str
    kinds: frozenset[str] | None = None  # policy kinds it applies to; None: every kind
    #: GitHub code scanning's 0-10 rank, one per rule on every surface. checkov derives the value in its own SARIF
    #: from checkov_severity (HIGH 8.9, MEDIUM 6.9, LOW 3.9) and offers no way to set it, so these are its values.
    security_severity: float = 0.0

    @property
    def doc_url(self) -> str:
        return f"{DOCS_BASE}/{self.id}.md"

    @property
    def checkov_id(self) -> str:
        return self.id

    def applies_to(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            id="MFA001",
            cfn_lint_id="E9001",
            severity="error",
            checkov_severity="HIGH",
            security_severity=8.9,
            name="deny-fails-open",
            title="MFA deny fails open for callers without the MFA key",
            rationale=(
                "A Deny meant to block callers without MFA uses an operator that is false when the key is absent. "
                "aws:MultiFactorAuthPresent is absent for AWS CLI/SDK calls signed with long-term access keys, and "
                "aws:MultiFactorAuthAge is absent whenever MFA was not used, so those callers are not denied."
            ),
            fix=(
                "Add IfExists to the operator that fails on the absent key (Bool -> BoolIfExists, "
                "NumericGreaterThan -> NumericGreaterThanIfExists), or add a companion Deny with "
                "\"Null\": {\"aws:MultiFactorAuthPresent\": \"true\"} over the same actions and resources."
            ),
        ),
        Rule(
            id="MFA002",
            cfn_lint_id="E9002",
            severity="error",
            checkov_severity="HIGH",
            security_severity=8.9,
            name="allow-fails-open",
            title="MFA allow fails open for callers without MFA",
            rationale=(
                "An Allow meant to require MFA also matches requests without it: an IfExists operator or a "
                "ForAllValues: qualifier is true when the key is absent (long-term access keys), a negated operator "
                "is true for both, and a value list is an OR."
            ),
            fix=(
                "Drop IfExists / the ForAllValues: qualifier (BoolIfExists -> Bool, ForAllValues:Bool -> Bool) and "
                "test \"Bool\": {\"aws:MultiFactorAuthPresent\": \"true\"}."
            ),
        ),
        Rule(
            id="MFA003",
            cfn_lint_id="E9003",
            severity="error",
            checkov_severity="HIGH",
            security_severity=8.9,
            name="mfa-condition-broken",
            title="MFA condition cannot work as written",
            rationale=(
                "The MFA test has a value invalid for its operator, an operator that cannot apply to the key, a "
                "misspelled key (a different key that is always absent), or tests that together hold in no request. "
                "The statement does not do what it says."
            ),
            fix="Use \"Bool\"/\"BoolIfExists\" with \"true\"/\"false\" on aws:MultiFactorAuthPresent, or Numeric* with "
            "a number of seconds on aws:MultiFactorAuthAge, spelled exactly.",
        ),
        Rule(
            id="MFA004",
            cfn_lint_id="W9004",
            severity="warning",
            checkov_severity="MEDIUM",
            security_severity=6.9,
            name="scp-mfa-deny-unscoped",
            title="MFA deny in an SCP/RCP also denies role sessions and SSO users",
            rationale=(
                "Service and resource control policies apply to every principal in the member accounts. Role "
                "sessions, federated and IAM Identity Center users carry aws:MultiFactorAuthPresent = false, so an "
                "unscoped MFA deny blocks automation, cross-account roles and SSO users, not only IAM users."
            ),
            fix="Scope the statement to IAM users: add \"StringEquals\": {\"aws:PrincipalType\": \"User\"}.",
            kinds=frozenset({"scp", "rcp"}),
        ),
        Rule(
            id="MFA005",
            cfn_lint_id="W9005",
            severity="warning",
            checkov_severity="LOW",
            security_severity=3.9,
            name="mfa-enrolment-blocked",
            title="MFA deny also blocks enrolling an MFA device",
            rationale=(
                "The Deny applies to callers without MFA and covers iam:CreateVirtualMFADevice or "
                "iam:EnableMFADevice, so a user without MFA cannot set one up."
            ),
            fix=(
                "Use NotAction with AWS's DenyAllExceptListedIfNoMFA list: iam:CreateVirtualMFADevice, "
                "iam:EnableMFADevice, iam:GetUser, iam:ListMFADevices, iam:ListVirtualMFADevices, "
                "iam:ResyncMFADevice, sts:GetSessionToken."
            ),
            kinds=frozenset({"identity"}),
        ),
    )
}

POLICY_KINDS = ("identity", "role", "trust", "scp", "rcp", "resource", "unknown")


def rule(rule_id: str) -> Rule:
    """Look a rule up by its mfa-lint id (MFA001) or its cfn-lint id (E9001)."""
    if rule_id in RULES:
        return RULES[rule_id]
    for r in RULES.values():
        if r.cfn_lint_id == rule_id:
            return r
    raise KeyError(rule_id)
