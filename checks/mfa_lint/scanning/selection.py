"""`select` / `ignore`: the rules a user asked not to see are dropped from the result (not counted as suppressed).

Notes are the unjudged result (MFA000 / I9000 on the other surfaces): `ignore` naming MFA000 drops them. `select`
chooses among the rules that fail a scan; it never drops notes, which never change the exit code."""

from __future__ import annotations

from mfa_lint.core.catalog import UNJUDGED
from mfa_lint.scanning.results import Located, ScanResult


def select_rules(result: ScanResult, select: frozenset[str] | None, ignore: frozenset[str]) -> ScanResult:
    """Keep the findings of the selected rules (every rule when `select` is None) that are not ignored."""
    if select is None and not ignore:
        return result

    def wanted(located: Located) -> bool:
        rule_id = located.finding.rule_id
        return (select is None or rule_id in select) and rule_id not in ignore

    if UNJUDGED.id in ignore:
        result.notes = []
    result.findings = [f for f in result.findings if wanted(f)]
    result.suppressed = [f for f in result.suppressed if wanted(f)]
    return result
