"""The exit status of a scan: 2 unreadable input, 1 a finding at or above `--fail-on`, 0 clean."""

from __future__ import annotations

from mfa_lint.scanning.results import ScanResult

FAIL_LEVELS = {"error": ("error",), "warning": ("error", "warning"), "never": ()}


def exit_code(result: ScanResult, fail_on: str = "error") -> int:
    """2: some input could not be read; 1: a finding at or above `fail_on`; 0: clean."""
    if result.errors:
        return 2
    levels = FAIL_LEVELS[fail_on]
    return 1 if any(f.finding.severity in levels for f in result.findings) else 0
