"""Terraform's own suppression syntax: checkov's `# checkov:skip=MFA001:reason` comments inside a block.

mfa-lint honours it on every surface (the CLI, and checkov itself); `# mfa-lint:ignore` comments are read for every
format with comments by mfa_lint.reading.suppressions.
"""

from __future__ import annotations

import re

from mfa_lint.reading.suppressions import Skips, reason_text

_CHECKOV_SKIP = re.compile(r"(?:#|//)\s*checkov:skip=\s*([A-Za-z0-9_]+)(?::([^\n]*))?")


def block_skips(lines: list[str], start: int, end: int) -> Skips:
    """`# checkov:skip=MFA001:reason` comments in a Terraform block's lines (checkov's syntax, honoured by all)."""
    reasons: dict[str, str] = {}
    for line in lines[max(start - 1, 0):end]:
        for match in _CHECKOV_SKIP.finditer(line):
            rule_id = match.group(1).upper()
            reasons[rule_id] = reasons.get(rule_id) or reason_text(match.group(2) or "")
    return Skips(reasons, reasons, "checkov:skip")
