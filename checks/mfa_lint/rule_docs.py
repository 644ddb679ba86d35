"""Renders docs/rules/<ID>.md from the catalog: `python -m mfa_lint.rule_docs docs/rules`.

A test keeps the pages in sync and checks that each example fires / stays silent.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mfa_lint.core.catalog import RULES, Rule

_NO_MFA = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
_SELF_SERVICE = [
    "iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
    "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken",
]

#: rule id -> (statement that fires, the statement fixed)
EXAMPLES: dict[str, tuple[dict, dict]] = {
    "MFA001": (
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": _NO_MFA},
    ),
    "MFA002": (
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
    ),
    "MFA003": (
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresnt": "false"}}},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": _NO_MFA},
    ),
    "MFA004": (
        {"Effect": "Deny", "Action": "ec2:*", "Resource": "*", "Condition": _NO_MFA},
        {"Effect": "Deny", "Action": "ec2:*", "Resource": "*",
         "Condition": {**_NO_MFA, "StringEquals": {"aws:PrincipalType": "User"}}},
    ),
    "MFA005": (
        {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": _NO_MFA},
        {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny", "NotAction": _SELF_SERVICE, "Resource": "*",
         "Condition": _NO_MFA},
    ),
}


def render(rule: Rule) -> str:
    bad, good = EXAMPLES[rule.id]
    kinds = ", ".join(sorted(rule.kinds)) if rule.kinds else "every policy kind"
    return "\n".join(
        [
            f"# {rule.id} {rule.name}: {rule.title}",
            "",
            "| mfa-lint / checkov | cfn-lint | severity | checkov severity | applies to |",
            "|---|---|---|---|---|",
            f"| {rule.id} | {rule.cfn_lint_id} | {rule.severity} | {rule.checkov_severity} | {kinds} |",
            "",
            "## Why",
            rule.rationale,
            "",
            "## Fires on",
            "```json",
            json.dumps(bad, indent=2),
            "```",
            "",
            "## Fix",
            rule.fix,
            "",
            "```json",
            json.dumps(good, indent=2),
            "```",
            "",
        ]
    )


def write_all(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for rule in RULES.values():
        (folder / f"{rule.id}.md").write_text(render(rule))


if __name__ == "__main__":
    write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules"))
