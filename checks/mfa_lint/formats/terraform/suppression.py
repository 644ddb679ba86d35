"""Terraform's own suppression syntax: checkov's `# checkov:skip=MFA001:reason` comments inside a block.

mfa-lint honours it on every surface (the CLI, and checkov itself); `# mfa-lint:ignore` comments are read for every
format with comments by mfa_lint.reading.suppressions.
"""

from __future__ import annotations

import re

_CHECKOV_SKIP = re.compile(r"(?:#|//)\s*checkov:skip=\s*([A-Za-z0-9_]+)")


def block_skips(lines: list[str], start: int, end: int) -> frozenset[str]:
    """`# checkov:skip=MFA001:reason` comments in a Terraform block's lines (checkov's syntax, honoured by all)."""
    found: set[str] = set()
    for line in lines[max(start - 1, 0):end]:
        found.update(m.group(1).upper() for m in _CHECKOV_SKIP.finditer(line))
    return frozenset(found)
