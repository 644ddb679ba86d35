"""Suppressions, one concept for every surface (CLI, checkov, cfn-lint).

- `# mfa-lint:ignore MFA001 reason` (or `// ...` in HCL; mfa-lint ids or their cfn-lint ids, several allowed; a
  bare `mfa-lint:ignore` means every rule) suppresses a finding when it sits on the finding's line, on a
  comment-only line right above it, or anywhere in the resource's block (as `checkov:skip` works), or on the
  comment-only line right above the block. JSON has no comments: only HCL and YAML are searched.
- The hosts' own skips, honoured by the CLI too: `# checkov:skip=MFA001:reason` inside a Terraform block,
  CloudFormation `Metadata: checkov: skip: [{id: MFA001}]` and `Metadata: cfn-lint: config: ignore_checks: [E9001]`.
  Each wing reads its own host skips onto `PolicySite.suppressed` (formats.terraform.suppression.block_skips,
  formats.cloudformation.suppression.metadata_skips).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mfa_lint.core.findings import Finding
from mfa_lint.reading.site import PolicySite

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


def names(ids: Iterable[str], finding: Finding) -> bool:
    """True when `ids` name the finding's rule (mfa-lint id or cfn-lint id) or every rule."""
    upper = {str(i).upper() for i in ids}
    return bool(upper) and (ALL in upper or finding.rule_id in upper or finding.cfn_lint_id in upper)


class FileSuppressions:
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

    def __bool__(self) -> bool:
        return bool(self._own)

    def suppresses(self, finding: Finding, line: int, block: tuple[int, int] | None = None) -> bool:
        """A marker on `line`, right above it, in the block's lines, or right above the block."""
        if not self._own:
            return False
        for ids in (self._own.get(line), self._above.get(line)):
            if ids and names(ids, finding):
                return True
        if block is not None:
            start, end = block
            if any(names(ids, finding) for number, ids in self._own.items() if start <= number <= end):
                return True
            ids = self._above.get(start)
            if ids and names(ids, finding):
                return True
        return False

    def suppresses_site(self, site: PolicySite, finding: Finding, line: int | None = None) -> bool:
        """Every suppression of a finding of `site`: the site's host skips, then the comments."""
        if names(site.suppressed, finding):
            return True
        if line is None:
            try:
                span = site.locate(tuple(finding.path)) or site.span
            except Exception:  # a reader's locate must never take a surface down
                span = site.span
            line = span.line
        return self.suppresses(finding, line, site.block)


NO_SUPPRESSIONS = FileSuppressions("")
