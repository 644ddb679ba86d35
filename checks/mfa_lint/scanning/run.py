"""`mfa-lint scan`: from paths to a report, top-down.

1. collect_files walks the paths (skipped folders, .gitignore, --exclude; named files always);
2. scan_files runs every file through scanning.file_scan (read, sniff, skip filter, parse within its time budget,
   analyse, suppress, dedupe), on every core, reports in walk order;
   a referenced file also reached on its own reports each finding once (dedupe.prefer_referenced), and a file of
   no format that a .tf reads (yamldecode(file())) gets no "no format" note (dedupe.drop_read_elsewhere);
3. the reports are gathered into one ScanResult, findings sorted by place; exit_code turns it into a status.

The pieces live in mfa_lint.scanning, one concern per module; this module re-exports the names tools and tests
import (`from mfa_lint.scanning.run import scan, ScanOptions, ScanResult, exit_code`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from mfa_lint.formats.registry import NOT_RECOGNISED, read_sites
from mfa_lint.reading.edits import Edit, operator_edit, span_text
from mfa_lint.scanning.exit_codes import FAIL_LEVELS, exit_code
from mfa_lint.scanning.identity import drop_read_elsewhere, prefer_referenced, report_order
from mfa_lint.scanning.options import DEFAULT_PARSE_TIMEOUT, ScanOptions
from mfa_lint.scanning.pool import scan_files
from mfa_lint.scanning.results import FileReport, Located, NoteEntry, ScanResult
from mfa_lint.scanning.selection import select_rules
from mfa_lint.scanning.walk import DEFAULT_MAX_FILE_SIZE, ScanError, collect_files

__all__ = [
    "DEFAULT_MAX_FILE_SIZE", "DEFAULT_PARSE_TIMEOUT", "FAIL_LEVELS", "NOT_RECOGNISED", "Edit", "FileReport",
    "Located", "NoteEntry", "ScanError", "ScanOptions", "ScanResult", "exit_code", "operator_edit", "read_sites",
    "scan", "span_text",
]


def scan(paths: Iterable[str], options: ScanOptions | None = None) -> ScanResult:
    options = options or ScanOptions()
    result = ScanResult()
    paths = list(paths) or ["."]
    # a text given in `overrides` for a path that is not on disk (`scan -` reads standard input) is a named file
    virtual = [(p, True) for p in paths if p in options.overrides and not os.path.lexists(p)]
    tasks = collect_files(
        [p for p in paths if (p, True) not in virtual], result.errors, exclude=options.exclude,
        respect_gitignore=options.respect_gitignore, exclude_in=options.exclude_in,
    ) + virtual
    result.walked = len(tasks)
    referenced: set[str] = set()
    for report in scan_files(tasks, options):
        result.add(report)
        referenced.update(report.referenced)
    result.notes = drop_read_elsewhere(result.notes, referenced)
    result.findings = prefer_referenced(result.findings)
    result.suppressed = prefer_referenced(result.suppressed)
    result.findings.sort(key=report_order)
    return select_rules(result, options.select, options.ignore)
