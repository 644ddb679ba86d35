"""Suppressions, one concept for every surface (CLI, checkov, cfn-lint).

- `# mfa-lint:ignore MFA001 reason` (or `// ...` in HCL; mfa-lint ids or their cfn-lint ids, several allowed; a
  bare `mfa-lint:ignore` means every rule) suppresses a finding when it sits on the finding's line, on a
  comment-only line right above it, or anywhere in the resource's block (as `checkov:skip` works), or on the
  comment-only line right above the block. JSON has no comments: only HCL and YAML are searched.
- The hosts' own skips, honoured by the CLI too: `# checkov:skip=MFA001:reason` inside a Terraform block,
  CloudFormation `Metadata: checkov: skip: [{id: MFA001}]` and `Metadata: cfn-lint: config: ignore_checks: [E9001]`.
  Each wing reads its own host skips onto `PolicySite.suppressed` (formats.terraform.suppression.block_skips,
  formats.cloudformation.suppression.metadata_skips).

What suppressed a finding, and the reason written with it (the words after the ids, `checkov:skip=ID:reason`,
checkov's Metadata `comment`), is a `Suppression`: SARIF reports it as the result's `justification`. A host skip's
ids travel as `Skips` (a frozenset that keeps each id's reason).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mfa_lint.core.findings import Finding
from mfa_lint.reading.site import PolicySite

_MARKER = re.compile(r"(?:#|//|/\*)\s*mfa-lint:ignore\b(?P<rest>[^\n]*)")
_RULE_ID = re.compile(r"^(?:MFA\d{3}|[EWI]9\d{3})$", re.IGNORECASE)
_COMMENT_ONLY = re.compile(r"^\s*(?:#|//|/\*)")
_TOKEN = re.compile(r"[^\s,]+")

ALL = "*"


@dataclass(frozen=True)
class Suppression:
    """What suppressed a finding: the marker (`mfa-lint:ignore`, `checkov:skip`, `Metadata`), the reason written
    with it ("" when none was), and the line of an `mfa-lint:ignore` comment (None for a host skip)."""

    marker: str
    justification: str = ""
    line: int | None = None


class Skips(frozenset):
    """A host skip's rule ids (a frozenset, as `PolicySite.suppressed` is) that also keeps the reason written for
    each id, so that a suppressed finding can say why."""

    reasons: Mapping[str, str]
    marker: str

    def __new__(cls, ids: Iterable[str] = (), reasons: Mapping[str, str] | None = None, marker: str = "") -> Skips:
        skips = super().__new__(cls, ids)
        skips.reasons, skips.marker = dict(reasons or {}), marker
        return skips

    def suppression(self, finding: Finding) -> Suppression:
        reason = self.reasons.get(finding.rule_id) or self.reasons.get(finding.cfn_lint_id) or ""
        return Suppression(self.marker, reason)


def reason_text(text: str) -> str:
    """The reason as written: without a leading `-`/`:` separator and a trailing comment closer."""
    text = text.strip()
    for closer in ("*/", "-->"):
        if text.endswith(closer):
            text = text[: -len(closer)].rstrip()
    return text.lstrip("-:–— ").strip()


def _ids_and_reason(rest: str) -> tuple[frozenset[str], str]:
    """The rule ids right after the marker (comma or space separated; none means every rule), and the reason after
    them. `MFA001: reason` names MFA001 (the colon ends the ids)."""
    ids: set[str] = set()
    for token in _TOKEN.finditer(rest):
        word = token.group()
        if not _RULE_ID.match(word.rstrip(":")):
            return frozenset(ids or {ALL}), reason_text(rest[token.start():])  # the reason starts here
        ids.add(word.rstrip(":").upper())
        if word.endswith(":"):
            return frozenset(ids), reason_text(rest[token.end():])
    return frozenset(ids or {ALL}), ""


def names(ids: Iterable[str], finding: Finding) -> bool:
    """True when `ids` name the finding's rule (mfa-lint id or cfn-lint id) or every rule."""
    upper = {str(i).upper() for i in ids}
    return bool(upper) and (ALL in upper or finding.rule_id in upper or finding.cfn_lint_id in upper)


class FileSuppressions:
    """The `mfa-lint:ignore` comments of one file, by 1-based line."""

    def __init__(self, text: str) -> None:
        self._own: dict[int, frozenset[str]] = {}  # a comment anywhere on the line
        self._above: dict[int, frozenset[str]] = {}  # a comment-only line: it covers the next line
        self._reasons: dict[int, str] = {}  # the words after the ids, by the comment's line
        if "mfa-lint:ignore" not in text:
            return
        for number, line in enumerate(text.split("\n"), start=1):
            match = _MARKER.search(line)
            if not match:
                continue
            ids, self._reasons[number] = _ids_and_reason(match.group("rest"))
            self._own[number] = ids
            if _COMMENT_ONLY.match(line):
                self._above[number + 1] = ids

    def __bool__(self) -> bool:
        return bool(self._own)

    def suppresses(self, finding: Finding, line: int, block: tuple[int, int] | None = None) -> bool:
        """A marker on `line`, right above it, in the block's lines, or right above the block."""
        return self.suppression(finding, line, block) is not None

    def suppression(self, finding: Finding, line: int, block: tuple[int, int] | None = None) -> Suppression | None:
        """The comment that suppresses the finding (`suppresses` says where one may be), or None."""
        if not self._own:
            return None
        found = self._marker_line(finding, line, block)
        return None if found is None else Suppression("mfa-lint:ignore", self._reasons.get(found, ""), found)

    def _marker_line(self, finding: Finding, line: int, block: tuple[int, int] | None) -> int | None:
        if names(self._own.get(line, ()), finding):
            return line
        if names(self._above.get(line, ()), finding):
            return line - 1
        if block is not None:
            start, end = block
            for number in range(start, end + 1):
                if names(self._own.get(number, ()), finding):
                    return number
            if names(self._above.get(start, ()), finding):
                return start - 1
        return None

    def suppresses_site(self, site: PolicySite, finding: Finding, line: int | None = None) -> bool:
        """Every suppression of a finding of `site`: the site's host skips, then the comments."""
        return self.site_suppression(site, finding, line) is not None

    def site_suppression(self, site: PolicySite, finding: Finding, line: int | None = None) -> Suppression | None:
        """What suppresses a finding of `site` (its host skips first, then the comments), or None."""
        if names(site.suppressed, finding):
            skips = site.suppressed
            return skips.suppression(finding) if isinstance(skips, Skips) else Suppression("skip")
        if line is None:
            try:
                span = site.locate(tuple(finding.path)) or site.span
            except Exception:  # a reader's locate must never take a surface down
                span = site.span
            line = span.line
        return self.suppression(finding, line, site.block)


NO_SUPPRESSIONS = FileSuppressions("")
