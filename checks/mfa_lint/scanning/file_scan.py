"""One file's journey: read -> not IaC? -> unrelated? (triage, cheap) -> parse within its time budget -> findings ->
dedupe (the costly part). Every failure becomes one error line for that file; nothing here raises. The two halves
are separate so that a process pool gets only the files that need parsing."""

from __future__ import annotations

from dataclasses import dataclass

from mfa_lint.formats.base import NotOurs
from mfa_lint.formats.policy_json.kinds import choose_kind
from mfa_lint.formats.registry import (
    NOT_RECOGNISED,
    could_be_iac,
    may_hold_mfa,
    prepare,
    read_sites,
    references,
    unread_mention,
)
from mfa_lint.reading.budget import BudgetExceeded, budget_message
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.site import SourceError
from mfa_lint.scanning.identity import unique, unique_findings
from mfa_lint.scanning.judge import FileJudge
from mfa_lint.scanning.options import ScanOptions
from mfa_lint.scanning.results import NOT_IAC, UNREADABLE, UNRELATED, FileReport, NoteEntry
from mfa_lint.scanning.walk import ScanError


def one_line(message: str) -> str:
    return " ".join(message.split())


def read_context(options: ScanOptions) -> ReadContext:
    """A scan's read context (one per scan, and one per worker process)."""
    return ReadContext(max_file_size=options.max_file_size, overrides=options.overrides,
                       parse_timeout=options.parse_timeout, tf_vars=options.tf_vars)


@dataclass
class ToParse:
    """A file the triage kept, and its text."""

    path: str
    named: bool
    text: str


def _failed(path: str, message: str) -> FileReport:
    return FileReport(path, UNREADABLE, errors=[ScanError(path, one_line(message))])


def _not_iac(path: str, text: str) -> FileReport:
    """A walked file of none of the formats: a note when it names an MFA key (mfa-lint cannot judge it)."""
    note = unread_mention(path, text)
    return FileReport(path, NOT_IAC, notes=[NoteEntry(path, None, None, note.message, note.kind)] if note else [])


def triage(path: str, named: bool, options: ScanOptions, context: ReadContext) -> FileReport | ToParse:
    """Read the file and decide, without parsing, whether it needs parsing: a final report (unreadable, not IaC,
    unrelated) or the file to parse. `named`: on the command line, so always parsed."""
    explicit = named and not options.ignore_unknown
    try:
        text = context.read(path)
    except SourceError as exc:
        return _failed(path, str(exc))
    if not explicit and not could_be_iac(path, text):
        return _not_iac(path, text)
    if not named and not options.check_syntax and not may_hold_mfa(path, text, context):
        return FileReport(path, UNRELATED)  # nothing in it (or in what it references) can be an MFA test
    return ToParse(path, named, text)


def parse(item: ToParse, options: ScanOptions, context: ReadContext) -> FileReport:
    """Parse and analyse a file the triage kept, within the per-file time budget."""
    path, text = item.path, item.text
    explicit = item.named and not options.ignore_unknown
    report = FileReport(path)
    try:
        prepare(path)
        with context.budget():
            kind = choose_kind(path, options.kinds, options.kind, infer=options.infer_kind).kind
            fmt, sites = read_sites(path, text, context, explicit=explicit, kind=kind, tf_root=options.tf_root)
            judge = FileJudge(path, text, fmt, context, report)
            report.referenced = sorted({s.file for s in sites if s.file != path} | references(path, text))
            for site in sites:
                try:
                    judge.judge(site)
                except Exception as exc:
                    report.errors.append(
                        ScanError(path, one_line(f"internal error while analysing: {type(exc).__name__}: {exc}"))
                    )
    except NotOurs:
        return _failed(path, NOT_RECOGNISED) if explicit else _not_iac(path, text)
    except SourceError as exc:
        return _failed(path, str(exc))
    except BudgetExceeded:
        return _failed(path, budget_message(options.parse_timeout or 0))
    except RecursionError:
        return _failed(path, "nested too deeply to read")
    except Exception as exc:  # a reader bug must cost one file, not the whole run (and never a traceback)
        return _failed(path, f"internal error while reading: {type(exc).__name__}: {exc}")
    report.findings = unique_findings(report.findings)
    report.suppressed = unique_findings(report.suppressed)
    report.notes = unique(report.notes)
    return report


def scan_file(path: str, named: bool, options: ScanOptions, context: ReadContext) -> FileReport:
    """Read, sniff, filter, parse and analyse one file."""
    kept = triage(path, named, options, context)
    return parse(kept, options, context) if isinstance(kept, ToParse) else kept
