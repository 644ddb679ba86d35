"""One file's journey: read -> not IaC? -> module context -> unrelated? (triage, cheap) -> parse within its time
budget -> findings -> dedupe (the costly part). Every failure becomes one error line for that file; nothing here
raises. The two halves are separate so that a process pool gets only the files that need parsing."""

from __future__ import annotations

from dataclasses import dataclass

from mfa_lint.files import FILE_SIZE_LIMIT, TERRAFORM_EXT, ScanError, read_text
from mfa_lint.kinds import choose_kind
from mfa_lint.lines import line_starts
from mfa_lint.scanning.budget import BudgetExceeded, budget_message, time_budget
from mfa_lint.scanning.dedupe import unique, unique_findings
from mfa_lint.scanning.findings import site_findings
from mfa_lint.scanning.formats import NOT_RECOGNISED, NotOurs, could_be_iac, prepare, read_sites
from mfa_lint.scanning.module_context import ModuleTexts
from mfa_lint.scanning.options import ScanOptions
from mfa_lint.scanning.relevance import literal_file_reads, may_hold_mfa, unread_mention
from mfa_lint.scanning.results import NOT_IAC, UNREADABLE, UNRELATED, FileReport, NoteEntry
from mfa_lint.scanning.suppression import line_suppressions
from mfa_lint.sources.site import SourceError


def one_line(message: str) -> str:
    return " ".join(message.split())


@dataclass
class ToParse:
    """A file the triage kept: its text and, for Terraform, its module's other files."""

    path: str
    named: bool
    text: str
    module_texts: dict[str, str] | None


def _failed(path: str, message: str) -> FileReport:
    return FileReport(path, UNREADABLE, errors=[ScanError(path, one_line(message))])


def _not_iac(path: str, text: str) -> FileReport:
    """A walked file of none of the formats: a note when it names an MFA key (mfa-lint cannot judge it)."""
    message = unread_mention(path, text)
    return FileReport(path, NOT_IAC, notes=[NoteEntry(path, None, None, message)] if message else [])


def triage(path: str, named: bool, options: ScanOptions, modules: ModuleTexts) -> FileReport | ToParse:
    """Read the file and decide, without parsing, whether it needs parsing: a final report (unreadable, not IaC,
    unrelated) or the file to parse. `named`: on the command line, so always parsed."""
    explicit = named and not options.ignore_unknown
    try:
        text = read_text(path, options.max_file_size, options.overrides)
    except SourceError as exc:
        return _failed(path, str(exc))
    if not explicit and not could_be_iac(path, text):
        return _not_iac(path, text)
    terraform = path.lower().endswith(TERRAFORM_EXT)
    module_texts = modules.siblings(path) if terraform else None
    variable_texts = modules.variable_texts(path) if terraform else []
    if not named and not options.check_syntax and not may_hold_mfa(path, text, module_texts, variable_texts):
        return FileReport(path, UNRELATED)  # nothing in it (or in what it references) can be an MFA test
    return ToParse(path, named, text, module_texts)


def parse(item: ToParse, options: ScanOptions) -> FileReport:
    """Parse and analyse a file the triage kept, within the per-file time budget."""
    path, text = item.path, item.text
    explicit = item.named and not options.ignore_unknown
    report = FileReport(path)
    limit = FILE_SIZE_LIMIT.set(options.max_file_size)
    try:
        prepare(path)
        with time_budget(options.parse_timeout):
            kind = choose_kind(path, options.kinds, options.kind, infer=options.infer_kind).kind
            source, sites = read_sites(path, text, explicit, kind, options.tf_root, item.module_texts,
                                       options.tf_vars)
            lines = line_suppressions(source, text)
            starts = line_starts(text)
            report.referenced = sorted({s.file for s in sites if s.file != path} | literal_file_reads(path, text))
            for site in sites:
                try:
                    site_findings(site, source, text, lines, starts, report)
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
    finally:
        FILE_SIZE_LIMIT.reset(limit)
    report.findings = unique_findings(report.findings)
    report.suppressed = unique_findings(report.suppressed)
    report.notes = unique(report.notes)
    return report


def scan_file(path: str, named: bool, options: ScanOptions, modules: ModuleTexts) -> FileReport:
    """Read, sniff, filter, parse and analyse one file."""
    kept = triage(path, named, options, modules)
    return parse(kept, options) if isinstance(kept, ToParse) else kept
