"""`mfa-lint scan`: from paths to a report, top-down.

1. collect_files walks the paths (skipped folders, .gitignore, --exclude; named files always), and names the skipped
   folders of generated templates (`cdk.out`) so that the report can say how to scan them;
2. scan_files runs every file through scanning.file_scan (read, sniff, skip filter, parse within its time budget,
   analyse, suppress, dedupe), on every core, reports in walk order;
   a policy reached directly and through another file (a module call, `file()`) is one finding at the file that
   holds its operator (identity.one_per_place), a plan's finding placed in its configuration where the
   configuration's own reading judged the same is dropped (identity.drop_plan_echoes), a file of no format that a
   .tf reads (yamldecode(file())) gets no "no format" note (identity.drop_read_elsewhere), and a nested stack's
   template judged through its parent is not judged with its own defaults too (identity.drop_superseded);
3. the reports are gathered into one ScanResult, findings sorted by place; exit_code turns it into a status.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from mfa_lint.scanning.identity import (
    drop_plan_echoes,
    drop_read_elsewhere,
    drop_superseded,
    one_per_place,
    report_order,
    superseded,
)
from mfa_lint.scanning.options import ScanOptions
from mfa_lint.scanning.pool import scan_files
from mfa_lint.scanning.results import ScanResult
from mfa_lint.scanning.selection import select_rules
from mfa_lint.scanning.walk import collect_files


def scan(paths: Iterable[str], options: ScanOptions | None = None) -> ScanResult:
    """Scan files and folders; every file is read afresh (a scan's read context lives as long as the scan)."""
    options = options or ScanOptions()
    result = ScanResult()
    paths = list(paths) or ["."]
    # a text given in `overrides` for a path that is not on disk (`scan -` reads standard input) is a named file
    virtual = [(p, True) for p in paths if p in options.overrides and not os.path.lexists(p)]
    tasks = collect_files(
        [p for p in paths if (p, True) not in virtual], result.errors, exclude=options.exclude,
        respect_gitignore=options.respect_gitignore, skipped=result.skipped_folders,
    ) + virtual
    result.walked = len(tasks)
    referenced: set[str] = set()
    reached: dict[str, list[tuple[str, str | None]]] = {}  # scanned file -> (file, resource) it reached elsewhere
    reaching: dict[str, list[str]] = {}  # scanned file -> the other files its reading read
    origins: dict[str, list[str]] = {"notes": [], "findings": [], "suppressed": []}  # the scanned file of each
    for report in scan_files(tasks, options):
        result.add(report)
        referenced.update(report.referenced)
        reached[report.path] = report.reached
        reaching[report.path] = report.referenced
        for name, items in (("notes", report.notes), ("findings", report.findings), ("suppressed", report.suppressed)):
            origins[name].extend(report.path for _ in items)
    places = superseded(reached, reaching)
    result.findings = drop_superseded(result.findings, origins["findings"], places)
    result.suppressed = drop_superseded(result.suppressed, origins["suppressed"], places)
    result.notes = drop_read_elsewhere(drop_superseded(result.notes, origins["notes"], places), referenced)
    result.findings, result.suppressed = one_per_place(result.findings, result.suppressed)
    result.findings, result.suppressed = drop_plan_echoes(result.findings, result.suppressed)
    result.findings.sort(key=report_order)
    return select_rules(result, options.select, options.ignore)
