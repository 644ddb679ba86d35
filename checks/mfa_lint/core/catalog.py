"""The rules catalog: every surface (checkov, cfn-lint, CLI, SARIF, docs) reads rule metadata from here.

The records live beside their predicates in `core/rules/mfaNNN.py`; this module collects them. Rule ids never change.
Adding a surface means reading this table, never copying it.
"""

from __future__ import annotations

from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.core.record import DOCS_BASE, RECORDS, Rule
from mfa_lint.core.rules import REGISTRY
from mfa_lint.core.unjudged import UNJUDGED

RULES: dict[str, Rule] = {rule_id: registered.record for rule_id, registered in REGISTRY.items()}
RECORDS.update(RULES)

#: Results that are not rule findings (core/unjudged.py): MFA000 / I9000, "could not be judged in full".
NOTES: dict[str, Rule] = {UNJUDGED.id: UNJUDGED}
RECORDS.update(NOTES)

POLICY_KINDS: tuple[PolicyKind, ...] = tuple(PolicyKind)

__all__ = ["DOCS_BASE", "NOTES", "POLICY_KINDS", "RULES", "UNJUDGED", "PolicyKind", "Rule", "rule"]


def rule(rule_id: str) -> Rule:
    """Look a record up by its mfa-lint id (MFA001, MFA000) or its cfn-lint id (E9001, I9000)."""
    records = {**RULES, **NOTES}
    if rule_id in records:
        return records[rule_id]
    for r in records.values():
        if r.cfn_lint_id == rule_id:
            return r
    raise KeyError(rule_id)
