"""The catalog record for "could not be judged in full": not a rule with a predicate, but a result every surface
gives for a policy with MFA text that it could not judge (rules.md "Unjudged"): MFA000 on checkov (a FAILED result,
LOW), I9000 on cfn-lint (informational), a note on the CLI (SARIF level `note`).

It is kept out of `RULES` (the rules with predicates that fire findings) so that every surface iterating the rules
does not grow a predicate-less rule; surfaces that report unjudged policies read this record.
"""

from __future__ import annotations

from mfa_lint.core.record import Rule

UNJUDGED = Rule(
    id="MFA000",
    cfn_lint_id="I9000",
    severity="note",
    security_severity=2.0,  # checkov LOW (below 4.0); below every rule's own number: nothing is known to fail open
    name="mfa-condition-unjudged",
    title="MFA condition could not be judged in full",
    summary="a policy with MFA text whose verdict depends on something mfa-lint could not resolve",
    rationale=(
        "The policy holds MFA text, but a value that decides whether a rule fires could not be resolved (a variable "
        "without a default, a file or data source that is not visible, a policy known only after apply, a reader "
        "limit), so the policy was neither passed nor failed."
    ),
    fix=(
        "Make the value visible to mfa-lint: give the Terraform variable a default or pass a tfvars file, scan from "
        "the root module (--tf-root) or scan the plan (terraform show -json); give the CloudFormation parameter a "
        "Default, or scan the parent template with its nested stack; or suppress this result on purpose by its id."
    ),
)
