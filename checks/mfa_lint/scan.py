"""`mfa-lint scan`: walk the paths, hand each file to the reader of its format, analyse every policy it holds.

The answer (ScanResult) is what every reporter and `mfa-lint fix` read: located findings, notes, and one error
per file that could not be read. Readers of other formats are imported only when a file of that format is read,
so a scan of one policy file starts fast (no cfn-lint, hcl2 or checkov import unless needed).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mfa_lint.core.analyzer import analyze_document
from mfa_lint.core.findings import Finding
from mfa_lint.core.keys import may_mention_mfa
from mfa_lint.files import (
    CANDIDATE_EXT,
    JSON_EXT,
    TEMPLATE_EXT,
    TERRAFORM_EXT,
    YAML_EXT,
    ScanError,
    collect_files,
    read_text,
)
from mfa_lint.sources.site import PolicySite, SourceError, Span
from mfa_lint.suppress import NO_SUPPRESSIONS, LineSuppressions

DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024

# Top-level keys that make a YAML file worth handing to the CloudFormation reader (cheap test before decoding).
_CFN_YAML = re.compile(r"^[\"']?(?:AWSTemplateFormatVersion|Resources|Transform)[\"']?\s*:", re.MULTILINE)
# Words that make an unparsable .json found in a walk worth an error rather than a silent skip.
_OURS_JSON = re.compile(r"\"(?:Statement|AWSTemplateFormatVersion|Resources|planned_values|resource_changes)\"")

# A .tf file that refers to variables or locals, and a file that defines them (for the --skip-unrelated filter).
_TF_REFERENCE = re.compile(r"\b(?:var|local)\.")
_TF_DEFINITION = re.compile(r"^\s*(?:variable|locals)\b", re.MULTILINE)

NOT_RECOGNISED = "not a Terraform, Terraform plan JSON, CloudFormation/SAM or IAM policy JSON file"


@dataclass(frozen=True)
class Edit:
    """A mechanical fix: replace `old` (the text at `span`) with `new`; only the operator name changes."""

    span: Span
    old: str
    new: str


@dataclass
class Located:
    """A finding placed in a file."""

    finding: Finding
    file: str
    span: Span
    resource: str | None
    policy_kind: str
    source: str  # terraform | plan | cloudformation | policy
    exact: bool = True  # the span is the offending token (not the fallback span of the whole property)
    edit: Edit | None = None


@dataclass(frozen=True)
class NoteEntry:
    file: str
    span: Span | None
    resource: str | None
    message: str


@dataclass
class ScanOptions:
    kind: str = "identity"
    tf_root: str | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    #: skip a named file of no known format instead of reporting it (pre-commit passes every changed file)
    ignore_unknown: bool = False
    skip_unrelated: bool = False  # in a walk, leave unparsed the files that cannot hold an MFA test
    #: path -> text used instead of the file on disk (`fix --diff` re-scans its edits without writing them).
    overrides: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ScanResult:
    findings: list[Located] = field(default_factory=list)
    notes: list[NoteEntry] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    suppressed: list[Located] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # files that were read as one of the formats
    unparsed: int = 0  # with skip_unrelated: files found in a walk that cannot hold an MFA test, left unparsed

    def summary(self) -> dict[str, Any]:
        by_rule: dict[str, int] = {}
        for located in self.findings:
            by_rule[located.finding.rule_id] = by_rule.get(located.finding.rule_id, 0) + 1
        return {
            "files": len(self.files),
            "files_without_mfa_text": self.unparsed,
            "findings": len(self.findings),
            "errors_in_findings": sum(1 for f in self.findings if f.finding.severity == "error"),
            "warnings_in_findings": sum(1 for f in self.findings if f.finding.severity == "warning"),
            "by_rule": dict(sorted(by_rule.items())),
            "notes": len(self.notes),
            "suppressed": len(self.suppressed),
            "unreadable": len(self.errors),
        }


FAIL_LEVELS = {"error": ("error",), "warning": ("error", "warning"), "never": ()}


def exit_code(result: ScanResult, fail_on: str = "error") -> int:
    """2: some input could not be read; 1: a finding at or above `fail_on`; 0: clean."""
    if result.errors:
        return 2
    levels = FAIL_LEVELS[fail_on]
    return 1 if any(f.finding.severity in levels for f in result.findings) else 0


# ------------------------------------------------------------------------------------------------------- dispatching


class _NotOurs(Exception):
    """The file is none of the formats mfa-lint reads."""


def _looks_like_plan(doc: Any) -> bool:
    if not (isinstance(doc, dict) and ("format_version" in doc or "terraform_version" in doc)):
        return False
    from mfa_lint.sources.terraform.plan_reader import is_plan

    return is_plan(doc)


def _looks_like_template(doc: Any) -> bool:
    if not (isinstance(doc, dict) and ("Resources" in doc or "AWSTemplateFormatVersion" in doc)):
        return False
    from mfa_lint.sources.cloudformation import looks_like_template

    return looks_like_template(doc)


def _json_sites(path: str, text: str, explicit: bool, options: ScanOptions) -> tuple[str, list[PolicySite]]:
    try:
        doc = json.loads(text)
    except RecursionError:
        raise SourceError("invalid JSON: nested too deeply") from None
    except ValueError as exc:
        if not explicit and not _OURS_JSON.search(text):
            raise _NotOurs() from None
        raise SourceError(f"invalid JSON: {exc}") from None
    if _looks_like_plan(doc):
        from mfa_lint.sources.terraform.plan_reader import read_plan

        return "plan", read_plan(path, doc, tf_root=options.tf_root)
    if _looks_like_template(doc):
        return "cloudformation", _cloudformation_sites(path, text)
    from mfa_lint.sources.policy_json import is_policy_document, read_policy_json

    if is_policy_document(doc):
        return "policy", read_policy_json(path, text, options.kind)
    raise _NotOurs()


def _terraform_sites(path: str, text: str, module_texts: dict[str, str]) -> list[PolicySite]:
    from mfa_lint.sources.terraform.hcl_reader import read_terraform  # imports lark: only when a .tf is read

    return read_terraform(path, text, module_texts=module_texts)


def _cloudformation_sites(path: str, text: str) -> list[PolicySite]:
    from mfa_lint.sources.cloudformation import read_cloudformation  # imports cfn-lint's decoder (~0.4 s)

    return read_cloudformation(path, text)


def read_sites(
    path: str, text: str, explicit: bool, options: ScanOptions, module_texts: dict[str, str] | None = None
) -> tuple[str, list[PolicySite]]:
    """(source format, sites) of one file; raises SourceError (bad input) or _NotOurs (another kind of file)."""
    lower = path.lower()
    if lower.endswith(TERRAFORM_EXT):
        return "terraform", _terraform_sites(path, text, module_texts or {})
    if lower.endswith(JSON_EXT) or (lower.endswith(TEMPLATE_EXT) and text.lstrip().startswith("{")):
        return _json_sites(path, text, explicit, options)
    if lower.endswith(YAML_EXT + TEMPLATE_EXT):
        if not _CFN_YAML.search(text):
            raise _NotOurs()
        return "cloudformation", _cloudformation_sites(path, text)
    if explicit and text.lstrip().startswith("{"):  # a named policy.txt or template without the usual suffix
        return _json_sites(path, text, explicit, options)
    raise _NotOurs()


# --------------------------------------------------------------------------------------------------------- analysing


def _offsets(text: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return starts


def span_text(text: str, span: Span, starts: list[int] | None = None) -> tuple[int, int] | None:
    """(start, end) offsets of `span` in `text`, or None when the span lies outside it."""
    starts = starts if starts is not None else _offsets(text)
    if not (1 <= span.line <= len(starts) and 1 <= span.end_line <= len(starts)):
        return None
    start = starts[span.line - 1] + span.column - 1
    end = starts[span.end_line - 1] + span.end_column - 1
    if not (0 <= start <= end <= len(text)):
        return None
    return start, end


_OPERATOR_CHARS = r"A-Za-z0-9:"


def operator_edit(text: str, span: Span, operator: str, replacement: str, starts: list[int]) -> Edit | None:
    """The edit that renames `operator` to `replacement` inside `span`, or None when the span does not hold it
    exactly once (then the file is never touched)."""
    where = span_text(text, span, starts)
    if where is None:
        return None
    old = text[where[0] : where[1]]
    pattern = re.compile(rf"(?<![{_OPERATOR_CHARS}]){re.escape(operator)}(?![{_OPERATOR_CHARS}])")
    matches = list(pattern.finditer(old))
    if len(matches) != 1:
        return None
    m = matches[0]
    return Edit(span=span, old=old, new=old[: m.start()] + replacement + old[m.end() :])


def _locate(site: PolicySite, path: tuple) -> Span | None:
    try:
        return site.locate(tuple(path))
    except Exception:  # a reader's locate must never take the scan down
        return None


def _site_results(
    site: PolicySite, source: str, text: str, lines: LineSuppressions, starts: list[int], result: ScanResult
) -> None:
    analysis = analyze_document(site.document, site.kind)
    for message in site.notes:
        result.notes.append(NoteEntry(site.file, site.span, site.resource, str(message)))
    for note in analysis.notes:
        span = _locate(site, note.path) or site.span
        result.notes.append(NoteEntry(site.file, span, site.resource, note.message))
    for finding in analysis.findings:
        exact = _locate(site, finding.path)
        span = exact or site.span
        edit = None
        if exact and finding.fix and finding.operator and source != "plan":
            edit = operator_edit(text, exact, finding.operator, finding.fix, starts)
        located = Located(finding, site.file, span, site.resource, site.kind, source, exact is not None, edit)
        if lines.suppresses_site(site, finding, span.line):
            result.suppressed.append(located)
        else:
            result.findings.append(located)


def _may_hold_mfa(path: str, text: str, module_texts: dict[str, str] | None) -> bool:
    """In a walk, files that cannot hold an MFA test are not parsed: most of a repository, and the costly part."""
    if not path.lower().endswith(CANDIDATE_EXT):
        return True  # not a usual extension: let the readers decide what it is
    if may_mention_mfa(text):
        return True
    if not module_texts or not _TF_REFERENCE.search(text):
        return False
    # a policy (or a value in it) may come from a variable default or a local defined in another file
    return any(_TF_DEFINITION.search(other) and may_mention_mfa(other) for other in module_texts.values())


def _sibling_texts(path: str, options: ScanOptions, cache: dict[str, dict[str, str]]) -> dict[str, str]:
    """The other .tf files of the file's directory, read once: a module is the whole directory.

    Only the current directory is kept: a walk visits a directory's files together, so memory stays flat.
    """
    directory = os.path.dirname(path) or "."
    if directory not in cache:
        cache.clear()
        texts: dict[str, str] = {}
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            names = []
        for name in names:
            if name.lower().endswith(TERRAFORM_EXT):
                other = os.path.normpath(os.path.join(directory, name))
                try:
                    texts[other] = read_text(other, options.max_file_size, options.overrides)
                except SourceError:
                    continue  # reported when that file itself is scanned
        cache[directory] = texts
    return {p: t for p, t in cache[directory].items() if p != os.path.normpath(path)}


def scan(paths: Iterable[str], options: ScanOptions | None = None) -> ScanResult:
    options = options or ScanOptions()
    result = ScanResult()
    tf_dirs: dict[str, dict[str, str]] = {}
    for path, explicit in collect_files(list(paths) or ["."], result.errors):
        scan_file(path, explicit and not options.ignore_unknown, options, result, tf_dirs)
    result.findings.sort(key=lambda f: (f.file, f.span.line, f.span.column, f.finding.rule_id))
    return result


def scan_file(
    path: str, explicit: bool, options: ScanOptions, result: ScanResult, tf_dirs: dict[str, dict[str, str]]
) -> None:
    """Read, dispatch and analyse one file; every failure becomes one error line for that file."""
    try:
        text = read_text(path, options.max_file_size, options.overrides)
        module_texts = _sibling_texts(path, options, tf_dirs) if path.lower().endswith(TERRAFORM_EXT) else None
        if options.skip_unrelated and not explicit and not _may_hold_mfa(path, text, module_texts):
            result.unparsed += 1  # nothing in it (or its module) can be an MFA test
            return
        source, sites = read_sites(path, text, explicit, options, module_texts)
    except _NotOurs:
        if explicit and not options.ignore_unknown:
            result.errors.append(ScanError(path, NOT_RECOGNISED))
        return
    except SourceError as exc:
        result.errors.append(ScanError(path, _one_line(str(exc))))
        return
    except RecursionError:
        result.errors.append(ScanError(path, "nested too deeply to read"))
        return
    except Exception as exc:  # a reader bug must cost one file, not the whole run (and never a traceback)
        result.errors.append(ScanError(path, _one_line(f"internal error while reading: {type(exc).__name__}: {exc}")))
        return
    result.files.append(path)
    commented = source == "terraform" or (source == "cloudformation" and not text.lstrip().startswith("{"))
    lines = LineSuppressions(text) if commented else NO_SUPPRESSIONS
    starts = _offsets(text)
    seen: set[tuple] = set()
    before, notes_before = len(result.findings), len(result.notes)
    for site in sites:
        try:
            _site_results(site, source, text, lines, starts, result)
        except Exception as exc:
            result.errors.append(
                ScanError(path, _one_line(f"internal error while analysing: {type(exc).__name__}: {exc}"))
            )
    # One finding per rule, place and message: a document reached twice (e.g. by two readers' paths) counts once.
    unique: list[Located] = []
    for located in result.findings[before:]:
        key = (located.finding.rule_id, located.span, located.resource, located.finding.message)
        if key not in seen:
            seen.add(key)
            unique.append(located)
    result.findings[before:] = unique
    result.notes[notes_before:] = list(dict.fromkeys(result.notes[notes_before:]))


def _one_line(message: str) -> str:
    return " ".join(message.split())
