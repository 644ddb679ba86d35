"""The cfn-lint rules E9001-W9006 and I9000, generated from the rules catalog (ids, texts, links are never copied).

Each rule is a `CfnLintKeyword` hooked at `Resources/<type>/Properties` for every resource type in the location
table: one level above the policy property, so the rule sees the raw value (`Fn::Sub` text, JSON strings,
`Fn::If`) instead of cfn-lint's resolved copy, whose errors would land under W1031.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from cfnlint.jsonschema import ValidationError, ValidationResult, Validator
from cfnlint.rules.jsonschema.CfnLintKeyword import CfnLintKeyword

from mfa_lint.cfnlint.analysis import hits
from mfa_lint.core.catalog import NOTES, POLICY_KINDS, RULES, Rule
from mfa_lint.formats.cloudformation.attachments import CONTEXTUAL
from mfa_lint.formats.cloudformation.resources import RESOURCES


class MfaRule(CfnLintKeyword):
    """Shared behaviour: read this rule's findings from the per-resource analysis."""

    mfa_id = ""
    tags = ["resources", "iam", "mfa"]
    record: Rule

    def __init__(self) -> None:
        super().__init__(keywords=keywords_for(self.record))

    def validate(self, validator: Validator, keyword: Any, instance: Any, schema: dict[str, Any]) -> ValidationResult:
        for hit in hits(validator, keyword, instance):
            if hit.cfn_lint_id == self.id:
                yield ValidationError(hit.message, path=deque(hit.path), rule=self)


def keywords_for(rule: Rule) -> list[str]:
    """The `Resources/<type>/Properties` keywords of the resource types that can hold a policy of a kind the rule
    applies to (a kind decided per resource, by its properties or by what it is attached to, counts as any kind):
    cfn-lint calls a keyword rule for every resource of its keywords, so a rule that cannot fire there is not
    registered there."""
    found = []
    for resource_type, properties in RESOURCES.items():
        kinds = {kind for p in properties for kind in
                 (POLICY_KINDS if callable(p.kind) or resource_type in CONTEXTUAL else (p.kind,))}
        if any(rule.applies_to(kind) for kind in kinds):
            found.append(f"Resources/{resource_type}/Properties")
    return found


def _rule_class(rule: Rule) -> type[MfaRule]:
    return type(
        rule.cfn_lint_id,
        (MfaRule,),
        {
            "__doc__": rule.title,
            "__module__": __name__,
            "id": rule.cfn_lint_id,
            "mfa_id": rule.id,
            "shortdesc": rule.title,
            "description": rule.rationale,
            "source_url": rule.doc_url,
            "record": rule,
        },
    )


#: E9001-W9006, and I9000: a policy with MFA text that could not be judged in full (informational, where the CLI
#: places its note; checkov's MFA000)
RULE_CLASSES: dict[str, type[MfaRule]] = {
    rule.cfn_lint_id: _rule_class(rule) for rule in (*RULES.values(), *NOTES.values())
}
