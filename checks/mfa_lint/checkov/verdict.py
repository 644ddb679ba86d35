"""Judge a resource's policies once, then answer each rule's check from that one analysis.

checkov runs the five rule checks one after another on the same conf object, so the analysis is cached by the
conf's identity (a strong reference is kept, so the id cannot be reused while cached). Imports nothing from
checkov: the checks map the outcome to a CheckResult.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mfa_lint.checkov.policies import PolicyInput
from mfa_lint.core.analyzer import analyze_document
from mfa_lint.core.catalog import Rule
from mfa_lint.core.findings import Finding
from mfa_lint.reading.suppressions import names
from mfa_lint.scanning.site_analysis import analyze_site

LOG = logging.getLogger(__name__)

FAILED, PASSED, UNKNOWN, SKIPPED = "FAILED", "PASSED", "UNKNOWN", "SKIPPED"


@dataclass
class Verdict:
    """Everything the checks need about one resource's policies."""

    kinds: set[str] = field(default_factory=set)
    findings: list[tuple[str, Finding]] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    suppressed: list[tuple[str, Finding]] = field(default_factory=list)  # by `mfa-lint:ignore` and host skips

    def suppress(self, skips: frozenset[str]) -> None:
        """Move the findings of the rules `skips` names (mfa-lint or cfn-lint ids) to `suppressed`."""
        if skips:
            self.suppressed.extend(item for item in self.findings if names(skips, item[1]))
            self.findings = [item for item in self.findings if not names(skips, item[1])]

    def outcome(self, rule: Rule) -> tuple[str | None, list[str]]:
        """(FAILED | PASSED | UNKNOWN, details), or (None, []) when the rule has nothing to judge here."""
        if not any(rule.applies_to(kind) for kind in self.kinds):
            return None, []
        details: list[str] = []
        for label, finding in self.findings:
            if finding.rule_id != rule.id:
                continue
            fix = f" Fix: {finding.fix_text}." if finding.fix else ""
            detail = f"{label}: {finding.message}{fix}" if label else f"{finding.message}{fix}"
            if detail not in details:
                details.append(detail)
        if details:
            return FAILED, details
        if any(finding.rule_id == rule.id for _, finding in self.suppressed):
            return SKIPPED, [f"{label}: suppressed ({rule.id} named by mfa-lint:ignore or a skip)"
                             for label, finding in self.suppressed if finding.rule_id == rule.id]
        if self.unresolved:
            return UNKNOWN, [f"cannot judge {rule.id}: {reason}" for reason in self.unresolved]
        return PASSED, []


def judge(policies: list[PolicyInput], keep: Callable[[PolicyInput, Finding], bool] | None = None) -> Verdict:
    """Analyse every policy once; unresolved inputs, core notes and internal errors become `unresolved` reasons.

    `keep`: False for a finding that is suppressed (the CLI's suppressions, applied to what mfa-lint read).
    """
    verdict = Verdict()
    for policy in policies:
        if policy.judged_at is not None:
            LOG.debug("mfa-lint: %s is judged at %s", policy.label, policy.judged_at)
            continue
        verdict.kinds.add(policy.kind)
        if policy.unresolved is not None:
            verdict.unresolved.append(policy.unresolved)
            continue
        try:
            if policy.site is not None:  # read by mfa-lint's reader: every variant of it, as the CLI judges it
                site_analysis = analyze_site(policy.site)
                findings = [finding for finding, _ in site_analysis.findings]
                notes = [note for note, _ in site_analysis.notes]
            else:
                analysis = analyze_document(policy.document, policy.kind)
                findings, notes = analysis.findings, analysis.notes
        except Exception as error:  # the core must not raise; if it does, say so instead of passing silently
            LOG.warning("mfa-lint: analysing %s failed: %r", policy.label or "policy", error)
            verdict.unresolved.append(f"{policy.label or 'policy'}: internal error: {error!r}")
            continue
        for finding in findings:
            kept = keep is None or keep(policy, finding)
            (verdict.findings if kept else verdict.suppressed).append((policy.label, finding))
        for note in notes:
            reason = f"{policy.label}: {note.message}" if policy.label else note.message
            if reason not in verdict.unresolved:
                verdict.unresolved.append(reason)
    return verdict


class VerdictCache:
    """A small LRU of verdicts keyed by the conf object's identity and the entity type."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[int, str], tuple[Any, Verdict]] = OrderedDict()

    def get(self, conf: Any, entity_type: str, compute: Callable[[], Verdict]) -> Verdict:
        key = (id(conf), entity_type)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is conf:
            self._entries.move_to_end(key)
            return entry[1]
        verdict = compute()
        self._entries[key] = (conf, verdict)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return verdict
