"""The rules catalog: every surface (checkov, cfn-lint, CLI, SARIF, docs) reads rule metadata from here.

The records live beside their predicates in `core/rules/mfaNNN.py`; this module collects them. Rule ids never change.
Adding a surface means reading this table, never copying it.
"""

from __future__ import annotations

from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.core.record import DOCS_BASE, RECORDS, Rule
from mfa_lint.core.rules import REGISTRY

RULES: dict[str, Rule] = {rule_id: registered.record for rule_id, registered in REGISTRY.items()}
RECORDS.update(RULES)

POLICY_KINDS: tuple[PolicyKind, ...] = tuple(PolicyKind)

__all__ = ["DOCS_BASE", "POLICY_KINDS", "RULES", "PolicyKind", "Rule", "rule"]


def rule(rule_id: str) -> Rule:
    """Look a rule up by its mfa-lint id (MFA001) or its cfn-lint id (E9001)."""
    if rule_id in RULES:
        return RULES[rule_id]
    for r in RULES.values():
        if r.cfn_lint_id == rule_id:
            return r
    raise KeyError(rule_id)
