"""Judging one file's policy sites: analysis, exact places, fix edits, suppressions, and the notes worth saying.

A site may sit in another file than the one scanned (a called module's file, a policy read with `file()`): its
finding is placed, edited and suppressed in the file that holds its operator, and remembers the scanned file it was
reached through (`Located.via`), so that the scan reports one finding per place (scanning.identity).
"""

from __future__ import annotations

from mfa_lint.core.findings import MISSING_FILE, UNJUDGED_FINDING, Finding
from mfa_lint.core.keys import may_mention_mfa
from mfa_lint.formats.base import Format
from mfa_lint.formats.plan.configuration import split_address
from mfa_lint.formats.registry import comments_in
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.edits import operator_edit
from mfa_lint.reading.lines import line_starts
from mfa_lint.reading.site import PolicySite, Span
from mfa_lint.reading.suppressions import NO_SUPPRESSIONS, FileSuppressions, Skips, Suppression, names
from mfa_lint.scanning.results import FileReport, Located, NoteEntry
from mfa_lint.scanning.site_analysis import Locate, analyze_site


def _locate(locate: Locate, path: tuple) -> Span | None:
    try:
        return locate(tuple(path))
    except Exception:  # a reader's locate must never take the scan down
        return None


def _placed(site: PolicySite, span: Span) -> tuple[str, Span]:
    """(file, span) of a place: a span that lies in another file than its site's (a value the policy takes from a
    local in a sibling file, a module argument or output, a YAML file read with `yamldecode(file())`, a statement
    merged in from another file) carries that file; the span returned is plain (reports carry the file beside it:
    one place, one key, however it was reached)."""
    if span.file is None:
        return site.file, span
    return span.file, Span(span.line, span.column, span.end_line, span.end_column)


def _superseding_place(format_name: str, site: PolicySite) -> tuple[str, str | None] | None:
    """(file, resource as that file's own reading names it) of a site reached in another file in a way that
    supersedes that file's own reading: a nested stack's template (its resources named as in its file), a called
    module's file (`module.a["k"].module.b.aws_iam_policy.x` is `aws_iam_policy.x` there; the places are compared
    without instance keys, scanning.identity). None for anything else."""
    if format_name == "cloudformation":
        return site.file, site.resource
    if format_name == "terraform" and site.resource and site.resource.startswith("module."):
        _, local = split_address(site.resource)
        return (site.file, local) if local else None
    return None


def _empty(document: object) -> bool:
    """`assume_role_policy = ""`, `AssumeRolePolicyDocument: {}`: nothing there, so no MFA test can hide there."""
    return document in ("", {}, []) or (isinstance(document, str) and document.strip() in ("", "{}"))


class _File:
    """A file findings are placed in: its text (None: unreadable), line starts and `mfa-lint:ignore` comments."""

    def __init__(self, path: str, text: str | None, has_comments: bool) -> None:
        self.path = path
        self.text = text
        self._starts: list[int] | None = None
        self.suppressions = FileSuppressions(text) if text is not None and has_comments else NO_SUPPRESSIONS

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = line_starts(self.text or "")
        return self._starts


class FileJudge:
    """Judges the sites the reading of one scanned file found, into that file's report."""

    def __init__(self, path: str, text: str, fmt: Format, context: ReadContext, report: FileReport) -> None:
        self.path = path
        self.format = fmt
        self.context = context
        self.report = report
        self._files = {path: _File(path, text, fmt.comments(text))}

    def _file(self, path: str) -> _File:
        """The scanned file, or another file a site sits in (through the read context's cache)."""
        if path not in self._files:
            text = self.context.referenced(path)
            self._files[path] = _File(path, text, text is not None and comments_in(path, text))
        return self._files[path]

    def _may_hide_mfa(self, site: PolicySite) -> bool:
        """Whether a note on this site can matter: some MFA key text in the scanned file, or in the file the policy
        sits in (a called module's, a file read by `file()`). Where neither mentions one, no MFA test can be in the
        policy: an unresolved value could only bring one from outside the scan, and a malformed policy, a reader
        limit or a budget concern a policy without one. The fast path does not even parse such a file, so with these
        notes `--check-syntax` would note what the default scan cannot: no note (only a file the policy reads that
        is missing is said, since it may hold the MFA test; the fast path parses every file that reads one)."""
        if may_mention_mfa(self._files[self.path].text or ""):
            return True
        if site.file == self.path:
            return False
        text = self._file(site.file).text
        return text is None or may_mention_mfa(text)

    def _suppression(self, site: PolicySite, finding: Finding, line: int, file: str) -> Suppression | None:
        """What suppresses the finding: the site's host skips, a comment on the finding's line or right above it in
        the file that holds it (`file`), or one in the resource's block (in the file that holds the block); None:
        none."""
        if names(site.suppressed, finding):
            skips = site.suppressed
            return skips.suppression(finding) if isinstance(skips, Skips) else Suppression("skip")
        found = self._file(file).suppressions.suppression(finding, line)
        if found is not None or site.block is None:
            return found
        return self._file(site.block_file or site.file).suppressions.suppression(finding, 0, site.block)

    def _unjudged_suppressed(self, site: PolicySite, file: str, span: Span) -> bool:
        """A note is the unjudged result (MFA000 / I9000): `mfa-lint:ignore MFA000` on its line, right above it or
        in the resource's block, or a host skip naming it, silences it on purpose (as on checkov and cfn-lint)."""
        return self._suppression(site, UNJUDGED_FINDING, span.line, file) is not None

    def judge(self, site: PolicySite) -> None:
        """Analyse one policy site and add its findings (or suppressed findings) and notes to the file's report.

        A part that sits in another file than the site (Span.file: a statement an `aws_iam_policy_document` merged in
        from another file of the module or from a module) is placed, edited and suppressed in that file."""
        if site.merged_into is not None:
            return  # no policy on its own: judged in the documents that merge it
        report = self.report
        # a nested stack's template read through its parent, a module's file read through its call: that reading
        # supersedes the file's own, with its defaults (a plan's site placed in its configuration is judged there
        # too and kept once by scanning.identity)
        place = _superseding_place(self.format.name, site) if site.file != self.path else None
        if place is not None and place not in report.reached:
            report.reached.append(place)
        analysis = analyze_site(site)
        noted = self._may_hide_mfa(site)
        for note in site.notes:
            if (noted or note.kind is MISSING_FILE) and not self._unjudged_suppressed(site, site.file, site.span):
                report.notes.append(NoteEntry(site.file, site.span, site.resource, note.message, note.kind))
        for note, locate in analysis.notes:
            if _empty(site.document) or (not noted and note.kind is not MISSING_FILE):
                continue  # an empty policy, or a policy where no MFA text is: no MFA test can hide there
            file, span = _placed(site, _locate(locate, note.path) or site.span)
            if not self._unjudged_suppressed(site, file, span):
                report.notes.append(NoteEntry(file, span, site.resource, note.message, note.kind))
        for finding, locate in analysis.findings:
            exact = _locate(locate, finding.path)
            file, span = _placed(site, exact or site.span)  # the file that holds the operator
            via = self.path if file != self.path else None  # reached through this file
            edit = None
            if exact and finding.fix and finding.operator and self.format.editable:
                holder = self._file(file)  # the edit is made where the operator is, whatever file was scanned
                if holder.text is not None:
                    edit = operator_edit(holder.text, span, finding.operator, finding.fix, holder.starts)
            located = Located(finding, file, span, site.resource, site.kind, self.format.name, exact is not None,
                              edit, via)
            located.suppression = self._suppression(site, finding, span.line, file)
            if located.suppression is not None:
                report.suppressed.append(located)
            else:
                report.findings.append(located)
