"""Suppressions, one concept for every surface (CLI, checkov, cfn-lint).

- `# mfa-lint:ignore MFA001 reason` (or `// ...` in HCL; mfa-lint ids or their cfn-lint ids, several allowed; a
  bare `mfa-lint:ignore` means every rule) suppresses a finding when it sits on the finding's line, on a
  comment-only line right above it, or anywhere in the resource's block (as `checkov:skip` works), or on the
  comment-only line right above the block. JSON has no comments: only HCL and YAML are searched.
- The hosts' own skips, honoured by the CLI too: `# checkov:skip=MFA001:reason` inside a Terraform block,
  CloudFormation `Metadata: checkov: skip: [{id: MFA001}]` and `Metadata: cfn-lint: config: ignore_checks: [E9001]`.
  Readers put these on `PolicySite.suppressed` (`block_skips`, `metadata_skips`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from mfa_lint.core.catalog import NOTES, RULES
from mfa_lint.core.findings import Finding
from mfa_lint.sources.site import PolicySite

_MARKER = re.compile(r"(?:#|//|/\*)\s*mfa-lint:ignore\b(?P<rest>[^\n]*)")
_RULE_ID = re.compile(r"^(?:MFA\d{3}|[EWI]9\d{3})$", re.IGNORECASE)
_COMMENT_ONLY = re.compile(r"^\s*(?:#|//|/\*)")
_CHECKOV_SKIP = re.compile(r"(?:#|//)\s*checkov:skip=\s*([A-Za-z0-9_]+)")

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
#: The name this class had before it covered blocks (kept for callers of the old API).
LineSuppressions = FileSuppressions


def site_suppresses(suppressed: Iterable[str], finding: Finding) -> bool:
    """A site-wide skip names the rule by its mfa-lint id or its cfn-lint id."""
    return names(suppressed, finding)


def block_skips(lines: list[str], start: int, end: int) -> frozenset[str]:
    """`# checkov:skip=MFA001:reason` comments in a Terraform block's lines (checkov's syntax, honoured by all)."""
    found: set[str] = set()
    for line in lines[max(start - 1, 0):end]:
        found.update(m.group(1).upper() for m in _CHECKOV_SKIP.finditer(line))
    return frozenset(found)


def metadata_skips(resource: Mapping[str, Any]) -> frozenset[str]:
    """A CloudFormation resource's `Metadata`: cfn-lint `ignore_checks` and checkov `skip` ids (ours only)."""
    metadata = resource.get("Metadata")
    if not isinstance(metadata, Mapping):
        return frozenset()
    named: set[str] = set()
    config = metadata.get("cfn-lint")
    config = config.get("config") if isinstance(config, Mapping) else None
    ignored = config.get("ignore_checks") if isinstance(config, Mapping) else None
    named.update(str(x) for x in ([ignored] if isinstance(ignored, str) else ignored or []) if x is not None)
    checkov = metadata.get("checkov")
    skips = checkov.get("skip") if isinstance(checkov, Mapping) else None
    for skip in skips if isinstance(skips, list) else []:
        if isinstance(skip, Mapping) and skip.get("id") is not None:
            named.add(str(skip["id"]))
    upper = {n.upper() for n in named}
    return frozenset(r.id for r in (*RULES.values(), *NOTES.values()) if r.id in upper or r.cfn_lint_id in upper)
