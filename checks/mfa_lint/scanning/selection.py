"""`select` / `ignore`: the rules a user asked not to see are dropped from the result (not counted as suppressed)."""

from __future__ import annotations

from mfa_lint.scanning.results import Located, ScanResult


def select_rules(result: ScanResult, select: frozenset[str] | None, ignore: frozenset[str]) -> ScanResult:
    """Keep the findings of the selected rules (every rule when `select` is None) that are not ignored."""
    if select is None and not ignore:
        return result

    def wanted(located: Located) -> bool:
        rule_id = located.finding.rule_id
        return (select is None or rule_id in select) and rule_id not in ignore

    result.findings = [f for f in result.findings if wanted(f)]
    result.suppressed = [f for f in result.suppressed if wanted(f)]
    return result
