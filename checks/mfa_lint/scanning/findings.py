"""From a file's policy sites to located findings and notes: analysis, exact places, fix edits, suppressions."""

from __future__ import annotations

from mfa_lint.core.keys import may_mention_mfa
from mfa_lint.files import DEFAULT_MAX_FILE_SIZE, read_text
from mfa_lint.scanning.edits import operator_edit
from mfa_lint.scanning.results import FileReport, Located, NoteEntry
from mfa_lint.scanning.site_analysis import Locate, analyze_site
from mfa_lint.scanning.suppression import is_suppressed
from mfa_lint.sources.site import PolicySite, SourceError, Span
from mfa_lint.suppress import LineSuppressions


def _locate(locate: Locate, path: tuple) -> Span | None:
    try:
        return locate(tuple(path))
    except Exception:  # a reader's locate must never take the scan down
        return None


def _empty(document: object) -> bool:
    """`assume_role_policy = ""`, `AssumeRolePolicyDocument: {}`: nothing there, so no MFA test can hide there."""
    return document in ("", {}, []) or (isinstance(document, str) and document.strip() in ("", "{}"))


def _unresolved(message: str) -> bool:
    """A note on a value the scan could not know; `file(...)` of a file that is not there is always said."""
    if "file(" in message:
        return False
    return message.startswith("unresolved value")


def _may_hide_mfa(site: PolicySite, text: str, path: str) -> bool:
    """Whether a note on an unresolved part of this site can matter: some MFA key text in the scanned file, or in the
    file the policy sits in (a called module's, a file read by `file()`). Where neither mentions one, an unresolved
    value could only bring an MFA test from outside the scan, and the fast path would not even parse such a file:
    no note. (A malformed part is still noted: the file was named or is read anyway.)"""
    if may_mention_mfa(text):
        return True
    if site.file == path:
        return False
    try:
        return may_mention_mfa(read_text(site.file, DEFAULT_MAX_FILE_SIZE))
    except SourceError:
        return True


def site_findings(
    site: PolicySite, source: str, text: str, lines: LineSuppressions, starts: list[int], report: FileReport
) -> None:
    """Analyse one policy site and add its findings (or suppressed findings) and notes to the file's report.

    A part that sits in another file than the site (Span.file: a statement merged in from a module's data source)
    is reported in that file."""
    if site.merged_into is not None:
        return  # no policy on its own: judged in the documents that merge it
    analysis = analyze_site(site)
    noted = _may_hide_mfa(site, text, report.path)
    for message in site.notes:
        if noted or not _unresolved(str(message)):
            report.notes.append(NoteEntry(site.file, site.span, site.resource, str(message)))
    for note, locate in analysis.notes:
        if _empty(site.document) or (not noted and _unresolved(note.message)):
            continue  # an empty policy, or an unresolved part where no MFA text is: no MFA test can hide there
        span = _locate(locate, note.path) or site.span
        report.notes.append(NoteEntry(span.file or site.file, _plain(span), site.resource, note.message))
    for finding, locate in analysis.findings:
        exact = _locate(locate, finding.path)
        span = exact or site.span
        file = span.file or site.file
        edit = None
        # a policy read from another file (`file()`, a module): its edit would need that file's text
        if exact and finding.fix and finding.operator and source != "plan" and file == report.path:
            edit = operator_edit(text, exact, finding.operator, finding.fix, starts)
        located = Located(finding, file, _plain(span), site.resource, site.kind, source, exact is not None, edit)
        # comments in the scanned file: at the operator when it sits here, else at the attribute that uses it
        if is_suppressed(site, finding, lines, span.line if span.file is None or file == report.path
                         else site.span.line):
            report.suppressed.append(located)
        else:
            report.findings.append(located)


def _plain(span: Span) -> Span:
    """The span without its file (reports carry the file beside it): one place, one key, however it was reached."""
    return Span(span.line, span.column, span.end_line, span.end_column) if span.file is not None else span
