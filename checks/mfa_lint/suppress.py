"""Inline suppressions: `# mfa-lint:ignore MFA001 reason` (or `// ...` in HCL) in a file that has comments.

A comment on the finding's own line, or a comment-only line right above it, suppresses the named rules (mfa-lint
ids or their cfn-lint ids); a bare `mfa-lint:ignore` suppresses every rule. JSON has no comments, so only
Terraform HCL and YAML templates are searched. Site-wide skips (`checkov:skip=`, cfn-lint `ignore_checks`) arrive
from the readers as `PolicySite.suppressed` and are checked by `site_suppresses`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mfa_lint.core.findings import Finding

_MARKER = re.compile(r"(?:#|//|/\*)\s*mfa-lint:ignore\b(?P<rest>[^\n]*)")
_RULE_ID = re.compile(r"^(?:MFA\d{3}|[EWI]9\d{3})$", re.IGNORECASE)
_COMMENT_ONLY = re.compile(r"^\s*(?:#|//|/\*)")

ALL = "*"


def _ids(rest: str) -> frozenset[str]:
    """The rule ids right after the marker (comma or space separated); none means every rule."""
    ids: set[str] = set()
    for token in re.split(r"[\s,]+", rest.strip()):
        if not token:
            continue
        if not _RULE_ID.match(token):
            break  # the reason starts here
        ids.add(token.upper())
    return frozenset(ids) if ids else frozenset({ALL})


class LineSuppressions:
    """The `mfa-lint:ignore` comments of one file, by 1-based line."""

    def __init__(self, text: str) -> None:
        self._own: dict[int, frozenset[str]] = {}  # a comment anywhere on the line
        self._above: dict[int, frozenset[str]] = {}  # a comment-only line: it covers the next line
        if "mfa-lint:ignore" not in text:
            return
        for number, line in enumerate(text.split("\n"), start=1):
            match = _MARKER.search(line)
            if not match:
                continue
            ids = _ids(match.group("rest"))
            self._own[number] = ids
            if _COMMENT_ONLY.match(line):
                self._above[number + 1] = ids

    def suppresses(self, finding: Finding, line: int) -> bool:
        for ids in (self._own.get(line), self._above.get(line)):
            if ids and (ALL in ids or finding.rule_id in ids or finding.cfn_lint_id in ids):
                return True
        return False


NO_SUPPRESSIONS = LineSuppressions("")


def site_suppresses(suppressed: Iterable[str], finding: Finding) -> bool:
    """A site-wide skip names the rule by its mfa-lint id or its cfn-lint id."""
    names = {str(s).upper() for s in suppressed}
    return bool(names) and (finding.rule_id in names or finding.cfn_lint_id in names or ALL in names)
