"""One file's journey: read -> not IaC? -> module context -> unrelated? -> parse (within its time budget) ->
findings -> dedupe. Every failure becomes one error line for that file; nothing here raises."""

from __future__ import annotations

from mfa_lint.files import TERRAFORM_EXT, ScanError, read_text
from mfa_lint.lines import line_starts
from mfa_lint.scanning.budget import BudgetExceeded, budget_message, time_budget
from mfa_lint.scanning.dedupe import unique, unique_findings
from mfa_lint.scanning.findings import site_findings
from mfa_lint.scanning.formats import NOT_RECOGNISED, NotOurs, could_be_iac, prepare, read_sites
from mfa_lint.scanning.module_context import ModuleTexts
from mfa_lint.scanning.options import ScanOptions
from mfa_lint.scanning.relevance import may_hold_mfa
from mfa_lint.scanning.results import NOT_IAC, UNREADABLE, UNRELATED, FileReport
from mfa_lint.scanning.suppression import line_suppressions
from mfa_lint.sources.site import SourceError


def one_line(message: str) -> str:
    return " ".join(message.split())


def scan_file(path: str, named: bool, options: ScanOptions, modules: ModuleTexts) -> FileReport:
    """Read, sniff, filter, parse and analyse one file. `named`: on the command line, so always parsed, and an
    error when it is none of the formats (unless --ignore-unknown)."""
    report = FileReport(path)
    explicit = named and not options.ignore_unknown

    def fail(message: str) -> FileReport:
        report.state = UNREADABLE
        report.errors.append(ScanError(path, one_line(message)))
        return report

    try:
        text = read_text(path, options.max_file_size, options.overrides)
        if not explicit and not could_be_iac(path, text):
            report.state = NOT_IAC
            return report
        module_texts = modules.siblings(path) if path.lower().endswith(TERRAFORM_EXT) else None
        if not named and not options.check_syntax and not may_hold_mfa(path, text, module_texts):
            report.state = UNRELATED  # nothing in it (or in what it references) can be an MFA test
            return report
        prepare(path)
        with time_budget(options.parse_timeout):
            source, sites = read_sites(path, text, explicit, options.kind, options.tf_root, module_texts)
            lines = line_suppressions(source, text)
            starts = line_starts(text)
            for site in sites:
                try:
                    site_findings(site, source, text, lines, starts, report)
                except Exception as exc:
                    report.errors.append(
                        ScanError(path, one_line(f"internal error while analysing: {type(exc).__name__}: {exc}"))
                    )
    except NotOurs:
        if explicit:
            return fail(NOT_RECOGNISED)
        report.state = NOT_IAC
        return report
    except SourceError as exc:
        return fail(str(exc))
    except BudgetExceeded:
        report.findings.clear()
        report.notes.clear()
        report.suppressed.clear()
        return fail(budget_message(options.parse_timeout or 0))
    except RecursionError:
        return fail("nested too deeply to read")
    except Exception as exc:  # a reader bug must cost one file, not the whole run (and never a traceback)
        return fail(f"internal error while reading: {type(exc).__name__}: {exc}")
    report.findings = unique_findings(report.findings)
    report.notes = unique(report.notes)
    return report
