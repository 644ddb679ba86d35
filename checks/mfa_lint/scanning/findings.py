"""From a file's policy sites to located findings and notes: analysis, exact places, fix edits, suppressions."""

from __future__ import annotations

from mfa_lint.core.analyzer import analyze_document
from mfa_lint.scanning.edits import operator_edit
from mfa_lint.scanning.results import FileReport, Located, NoteEntry
from mfa_lint.scanning.suppression import is_suppressed
from mfa_lint.sources.site import PolicySite, Span
from mfa_lint.suppress import LineSuppressions


def _locate(site: PolicySite, path: tuple) -> Span | None:
    try:
        return site.locate(tuple(path))
    except Exception:  # a reader's locate must never take the scan down
        return None


def _empty(document: object) -> bool:
    """`assume_role_policy = ""`, `AssumeRolePolicyDocument: {}`: nothing there, so no MFA test can hide there."""
    return document in ("", {}, []) or (isinstance(document, str) and document.strip() in ("", "{}"))


def site_findings(
    site: PolicySite, source: str, text: str, lines: LineSuppressions, starts: list[int], report: FileReport
) -> None:
    """Analyse one policy site and add its findings (or suppressed findings) and notes to the file's report."""
    analysis = analyze_document(site.document, site.kind)
    for message in site.notes:
        report.notes.append(NoteEntry(site.file, site.span, site.resource, str(message)))
    for note in analysis.notes:
        if _empty(site.document):
            continue  # an empty policy: no MFA test can hide there
        span = _locate(site, note.path) or site.span
        report.notes.append(NoteEntry(site.file, span, site.resource, note.message))
    for finding in analysis.findings:
        exact = _locate(site, finding.path)
        span = exact or site.span
        edit = None
        # a policy read from another file (`file()`, a module): its edit would need that file's text
        if exact and finding.fix and finding.operator and source != "plan" and site.file == report.path:
            edit = operator_edit(text, exact, finding.operator, finding.fix, starts)
        located = Located(finding, site.file, span, site.resource, site.kind, source, exact is not None, edit)
        if is_suppressed(site, finding, lines, span.line):
            report.suppressed.append(located)
        else:
            report.findings.append(located)
