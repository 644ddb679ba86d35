"""`mfa-lint scan`: from paths to a result, one concern per module, in the order a path travels:

options (ScanOptions: every setting, declared once) -> walk (which files) -> file_scan (triage: read, not IaC?,
unrelated?; then parse within the time budget through formats.registry) -> judge (a site's findings, notes, edits,
suppressions) -> identity (one finding per place) -> results (ScanResult) -> selection -> exit_codes. pool runs many
files on every core; run.scan puts it together. This package is the API reporters, `fix` and tools import.
"""

from mfa_lint.reading.edits import Edit, operator_edit, span_text
from mfa_lint.scanning.exit_codes import FAIL_LEVELS, exit_code
from mfa_lint.scanning.options import ScanOptions
from mfa_lint.scanning.results import FileReport, Located, NoteEntry, ScanResult
from mfa_lint.scanning.run import scan
from mfa_lint.scanning.walk import ScanError

__all__ = [
    "FAIL_LEVELS", "Edit", "FileReport", "Located", "NoteEntry", "ScanError", "ScanOptions", "ScanResult",
    "exit_code", "operator_edit", "scan", "span_text",
]
