"""Suppressions, one concept for every surface (CLI, checkov, cfn-lint).

- `# mfa-lint:ignore MFA001 reason` (or `// ...` in HCL; mfa-lint ids or their cfn-lint ids, several allowed; a
  bare `mfa-lint:ignore` means every rule) suppresses a finding when it sits on the finding's line, on a
  comment-only line right above it, or anywhere in the resource's block (as `checkov:skip` works), or on the
  comment-only line right above the block. JSON has no comments: only HCL and YAML are searched.
- The hosts' own skips, honoured by the CLI too: `# checkov:skip=MFA001:reason` inside a Terraform block,
  CloudFormation `Metadata: checkov: skip: [{id: MFA001}]` and `Metadata: cfn-lint: config: ignore_checks: [E9001]`.
  Readers put these on `PolicySite.suppressed` (`block_skips`, `metadata_skips`).

What suppressed a finding, and the reason written with it (the words after the ids, `checkov:skip=ID:reason`,
checkov's Metadata `comment`), is a `Suppression`: SARIF reports it as the result's `justification`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mfa_lint.core.catalog import RULES
from mfa_lint.core.findings import Finding
from mfa_lint.sources.site import PolicySite

_MARKER = re.compile(r"(?:#|//|/\*)\s*mfa-lint:ignore\b(?P<rest>[^\n]*)")
_RULE_ID = re.compile(r"^(?:MFA\d{3}|[EWI]9\d{3})$", re.IGNORECASE)
_COMMENT_ONLY = re.compile(r"^\s*(?:#|//|/\*)")
_CHECKOV_SKIP = re.compile(r"(?:#|//)\s*checkov:skip=\s*([A-Za-z0-9_]+)(?::([^\n]*))?")
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


def _reason(text: str) -> str:
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
            return frozenset(ids or {ALL}), _reason(rest[token.start():])  # the reason starts here
        ids.add(word.rstrip(":").upper())
        if word.endswith(":"):
            return frozenset(ids), _reason(rest[token.end():])
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
#: The name this class had before it covered blocks (kept for callers of the old API).
LineSuppressions = FileSuppressions


def site_suppresses(suppressed: Iterable[str], finding: Finding) -> bool:
    """A site-wide skip names the rule by its mfa-lint id or its cfn-lint id."""
    return names(suppressed, finding)


def block_skips(lines: list[str], start: int, end: int) -> Skips:
    """`# checkov:skip=MFA001:reason` comments in a Terraform block's lines (checkov's syntax, honoured by all)."""
    reasons: dict[str, str] = {}
    for line in lines[max(start - 1, 0):end]:
        for match in _CHECKOV_SKIP.finditer(line):
            rule_id = match.group(1).upper()
            reasons[rule_id] = reasons.get(rule_id) or _reason(match.group(2) or "")
    return Skips(reasons, reasons, "checkov:skip")


def metadata_skips(resource: Mapping[str, Any]) -> Skips:
    """A CloudFormation resource's `Metadata`: cfn-lint `ignore_checks` and checkov `skip` ids (ours only), with
    checkov's `comment` as the reason (cfn-lint's ignore_checks has no place for one)."""
    metadata = resource.get("Metadata")
    if not isinstance(metadata, Mapping):
        return Skips()
    named: dict[str, str] = {}
    config = metadata.get("cfn-lint")
    config = config.get("config") if isinstance(config, Mapping) else None
    ignored = config.get("ignore_checks") if isinstance(config, Mapping) else None
    for x in [ignored] if isinstance(ignored, str) else ignored or []:
        if x is not None:
            named[str(x).upper()] = ""
    checkov = metadata.get("checkov")
    skips = checkov.get("skip") if isinstance(checkov, Mapping) else None
    for skip in skips if isinstance(skips, list) else []:
        if isinstance(skip, Mapping) and skip.get("id") is not None:
            comment = skip.get("comment")
            rule_id = str(skip["id"]).upper()
            named[rule_id] = named.get(rule_id) or (comment.strip() if isinstance(comment, str) else "")
    reasons: dict[str, str] = {}
    for r in RULES.values():
        for name in (r.id, r.cfn_lint_id):
            if name in named:
                reasons[r.id] = reasons.get(r.id) or named[name]
    return Skips(reasons, reasons, "Metadata")
