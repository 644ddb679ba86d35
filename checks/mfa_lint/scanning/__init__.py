"""The pieces of `mfa-lint scan`, one concern per module, in the order a path travels to a report:

options (ScanOptions) -> walk -> module_context (a .tf file's module) -> relevance (the skip filter) -> formats
(sniffing and the readers) -> budget (per-file time limit) -> findings (analysis, with the suppression hook and fix
edits) -> dedupe -> results (ScanResult) -> exit_codes. file_scan runs one file through
them; pool runs many files on every core; mfa_lint.scanning.run puts it together.
"""
