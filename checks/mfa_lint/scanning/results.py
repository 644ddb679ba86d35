"""The result model every reporter and `mfa-lint fix` read: located findings, notes, errors and what was read.

A file ends in exactly one of four states, counted the same way whether or not `--check-syntax` is on: read (handed
to a reader of its format), skipped as unrelated (it cannot hold an MFA test, so it is not parsed), not IaC (none of
the formats), or unreadable (one error line). `walked` is every candidate file the walk found or the user named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mfa_lint.core.findings import Finding, NoteKind
from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.reading.edits import Edit
from mfa_lint.reading.site import Span
from mfa_lint.reading.suppressions import Suppression
from mfa_lint.scanning.walk import ScanError, SkippedFolder

READ, UNRELATED, NOT_IAC, UNREADABLE = "read", "unrelated", "not_iac", "unreadable"


@dataclass
class Located:
    """A finding placed in a file: the file that holds its operator, whichever file it was reached from.

    `source`: the name of the format that read it (formats.registry). `via`: the scanned file it was reached through
    when that is another file (a module call's caller, a `.tf` that reads it with `file()`), else None; one finding
    reached both ways is reported once (scanning.identity).
    """

    finding: Finding
    file: str
    span: Span
    resource: str | None
    policy_kind: PolicyKind
    source: str
    exact: bool = True  # the span is the offending token (not the fallback span of the whole property)
    edit: Edit | None = None
    via: str | None = None
    suppression: Suppression | None = None  # what suppressed it (only on ScanResult.suppressed)


@dataclass(frozen=True)
class NoteEntry:
    """A note placed in a file: what could not be judged there, and the kind of reason (filters read the kind)."""

    file: str
    span: Span | None
    resource: str | None
    message: str
    kind: NoteKind


@dataclass
class FileReport:
    """What one file contributed: its state and its findings, notes and errors (picklable, for the process pool)."""

    path: str
    state: str = READ
    findings: list[Located] = field(default_factory=list)
    notes: list[NoteEntry] = field(default_factory=list)
    suppressed: list[Located] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    referenced: list[str] = field(default_factory=list)  # other files its policies were read from (file(), modules)
    reached: list[tuple[str, str | None]] = field(default_factory=list)  # (file, resource) of sites in other files


@dataclass
class ScanResult:
    findings: list[Located] = field(default_factory=list)
    notes: list[NoteEntry] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    suppressed: list[Located] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # files read as one of the formats
    walked: int = 0  # candidate files found by the walk or named
    unrelated: int = 0  # files left unparsed: they cannot hold an MFA test (not with --check-syntax)
    not_iac: int = 0  # files of none of the formats
    skipped_folders: list[SkippedFolder] = field(default_factory=list)  # generated templates the walk passed over

    def add(self, report: FileReport) -> None:
        """Take one file's report (in walk order: the order of the report is the order of the walk)."""
        if report.state == READ:
            self.files.append(report.path)
        elif report.state == UNRELATED:
            self.unrelated += 1
        elif report.state == NOT_IAC:
            self.not_iac += 1
        self.findings.extend(report.findings)
        self.notes.extend(report.notes)
        self.suppressed.extend(report.suppressed)
        self.errors.extend(report.errors)

    def summary(self) -> dict[str, Any]:
        by_rule: dict[str, int] = {}
        for located in self.findings:
            by_rule[located.finding.rule_id] = by_rule.get(located.finding.rule_id, 0) + 1
        return {
            "files": len(self.files),  # the same as files_read
            "files_walked": self.walked,
            "files_read": len(self.files),
            "files_skipped_unrelated": self.unrelated,
            "files_not_iac": self.not_iac,
            "findings": len(self.findings),
            "errors_in_findings": sum(1 for f in self.findings if f.finding.severity == "error"),
            "warnings_in_findings": sum(1 for f in self.findings if f.finding.severity == "warning"),
            "by_rule": dict(sorted(by_rule.items())),
            "notes": len(self.notes),
            "suppressed": len(self.suppressed),
            "unreadable": len(self.errors),
            "folders_skipped_generated": len(self.skipped_folders),
        }
