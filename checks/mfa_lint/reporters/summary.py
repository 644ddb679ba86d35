"""A Markdown job summary (for `$GITHUB_STEP_SUMMARY`): totals by rule, then one row per finding, note, unreadable
file and suppressed finding.

Annotations stop at 10 per level; the summary is where a pull request shows everything. Every text that comes from
the scanned files (paths, resource names, messages that quote them) is escaped, so that it renders as written and
can neither break the table nor become HTML, a link or a mention. GitHub refuses a step summary over 1 MiB as a whole
("$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k"), so rows are added while they fit
the budget and a line says how many were left out and where to see them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from mfa_lint.core.catalog import RULES
from mfa_lint.reading.site import Span
from mfa_lint.reporters import relative_path
from mfa_lint.scanning import Located, ScanResult

#: GitHub's limit for one step's summary file (docs: "Adding a job summary"; the runner's "supports content up to a
#: size of 1024k" error)
LIMIT = 1024 * 1024
#: what can start emphasis, code, a link, HTML, an entity, a mention, an issue link, math or strike-through, or end a
#: cell (a cell never starts a line, so list and heading markers need nothing)
_ESCAPED = re.compile(r"([\\`*_\[\]<>#|~$&@])")
_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def md(text: object) -> str:
    """Text for a Markdown table cell: one line, every character that Markdown or HTML would read backslash-escaped
    (CommonMark lets any ASCII punctuation be escaped), so `|`, `<script>`, `[x](y)`, `@user`, `#1`, `$x$` stay
    literal."""
    one_line = _CONTROLS.sub("", _BREAKS.sub(" ", str(text)))
    return _ESCAPED.sub(r"\\\1", one_line)


@dataclass
class Links:
    """Where a `file:line` links to: a file's blob at the commit of the run (GITHUB_SERVER_URL, GITHUB_REPOSITORY,
    GITHUB_SHA), for paths inside the workspace (GITHUB_WORKSPACE, else the working directory)."""

    base: str
    workspace: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Links | None:
        server, repository, sha = (env.get(k, "").strip() for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY",
                                                                     "GITHUB_SHA"))
        if not (server and repository and sha):
            return None
        return cls(f"{server.rstrip('/')}/{repository}/blob/{sha}/", env.get("GITHUB_WORKSPACE") or os.getcwd())

    def url(self, path: str, line: int | None) -> str | None:
        rel = relative_path(path, self.workspace)
        if rel.startswith("/") or rel.startswith("../") or rel == "..":
            return None
        return self.base + quote(rel, safe="/") + (f"#L{line}" if line else "")


def _where(path: str, span: Span | None, links: Links | None) -> str:
    line = span.line if span else None
    text = md(f"{relative_path(path)}:{line}" if line else relative_path(path))
    url = links.url(path, line) if links else None
    return f"[{text}]({url})" if url else text


def _table_order(located: Located) -> tuple:
    """Most severe rule first, a rule's findings together, then by file and line."""
    f, span = located.finding, located.span
    return (-f.rule.security_severity, f.rule_id, located.file, span.line, span.column)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |\n"


@dataclass
class _Section:
    title: str
    header: list[str]
    rows: list[str] = field(default_factory=list)
    noun: tuple[str, str] = ("row", "rows")  # singular, plural

    def head(self) -> str:
        return f"\n### {self.title}\n\n" + _row(self.header) + _row(["---"] * len(self.header))


def _sections(result: ScanResult, links: Links | None) -> list[_Section]:
    errors = _Section("Could not be read (exit 2)", ["File", "Reason"], noun=("unreadable file", "unreadable files"))
    errors.rows = [_row([_where(e.file, None, links), md(e.message)]) for e in result.errors]
    findings = _Section("Findings", ["Rule", "Location", "Resource", "Message", "Fix"], noun=("finding", "findings"))
    findings.rows = [
        _row([f"[{x.finding.rule_id}]({x.finding.rule.doc_url})", _where(x.file, x.span, links),
              md(x.resource or ""), md(x.finding.message), md(x.finding.fix_text)])
        for x in sorted(result.findings, key=_table_order)
    ]
    notes = _Section("Could not judge (notes)", ["Location", "Resource", "Note"], noun=("note", "notes"))
    notes.rows = [_row([_where(n.file, n.span, links), md(n.resource or ""), md(n.message)]) for n in result.notes]
    suppressed = _Section("Suppressed", ["Rule", "Location", "Resource", "Suppressed by", "Reason"],
                          noun=("suppressed finding", "suppressed findings"))
    suppressed.rows = [
        _row([f"[{x.finding.rule_id}]({x.finding.rule.doc_url})", _where(x.file, x.span, links), md(x.resource or ""),
              md(x.suppression.marker if x.suppression else ""),
              md(x.suppression.justification if x.suppression and x.suppression.justification else "(none given)")])
        for x in result.suppressed
    ]
    return [s for s in (errors, findings, notes, suppressed) if s.rows]


def _headline(result: ScanResult) -> str:
    s = result.summary()
    headline = f"{s['findings']} finding{'' if s['findings'] == 1 else 's'}"
    if s["findings"]:
        headline += f" ({s['errors_in_findings']} error, {s['warnings_in_findings']} warning)"
    if s["unreadable"]:
        headline += f", {s['unreadable']} file{'' if s['unreadable'] == 1 else 's'} could not be read"
    counts = (f"{s['files_walked']} files walked: {s['files_read']} read, {s['files_skipped_unrelated']} skipped as "
              f"unrelated, {s['files_not_iac']} not IaC, {s['unreadable']} could not be read; {s['notes']} could not "
              f"be judged (notes); {s['suppressed']} suppressed.")
    return f"## mfa-lint: {headline}\n\n{counts}\n"


def _totals(result: ScanResult) -> str:
    """Findings by rule, most severe first."""
    by_rule = result.summary()["by_rule"]
    if not by_rule:
        return ""
    text = "\n### Findings by rule\n\n" + _row(["Rule", "Severity", "Findings", "Title"])
    text += _row(["---", "---", "---:", "---"])
    for rule_id, count in sorted(by_rule.items(), key=lambda kv: (-RULES[kv[0]].security_severity, kv[0])):
        rule = RULES[rule_id]
        text += _row([f"[{rule_id}]({rule.doc_url})", rule.severity, str(count), md(rule.title)])
    return text


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut_line(left: int, noun: tuple[str, str]) -> str:
    return (f"\n**{left} more {noun[left != 1]} not listed here**: a step summary holds at most 1 MiB. Every one is "
            "in the scan's own output (this step's log) and, with `--sarif`, in the SARIF report.\n")


def _shares(sections: list[_Section], budget: int) -> dict[int, int]:
    """Bytes for each section's rows: an equal share each, what a small section leaves over going to the larger
    ones, so a long list of findings never crowds out the notes or the suppressions."""
    shares: dict[int, int] = {}
    pending = sorted(range(len(sections)), key=lambda i: sum(_size(r) for r in sections[i].rows))
    for n, i in enumerate(pending):
        share = max(budget, 0) // (len(pending) - n)
        shares[i] = min(share, sum(_size(r) for r in sections[i].rows))
        budget -= shares[i]
    return shares


def render(result: ScanResult, *, budget: int = LIMIT, links: Links | None = None, **_: object) -> str:
    """The summary in at most `budget` bytes of UTF-8: the headline, the unreadable files (they explain an exit 2),
    the totals by rule, then the findings, notes and suppressed findings, one row each, as long as they fit (a
    section cut short ends with a line that says so). Where not even the headline and totals fit, only the
    headline."""
    sections = _sections(result, links)
    pieces: list[str | _Section] = [_headline(result)]
    if sections and sections[0].noun[0] == "unreadable file":
        pieces.append(sections.pop(0))
    pieces += [_totals(result), *sections]
    tables = [p for p in pieces if isinstance(p, _Section)]
    fixed = sum(_size(p) if isinstance(p, str) else _size(p.head() + _cut_line(len(p.rows), p.noun)) for p in pieces)
    if fixed > budget:
        return pieces[0] if _size(pieces[0]) <= budget else ""
    shares = _shares(tables, budget - fixed)
    out: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        out.append(piece.head())
        left, kept = shares[tables.index(piece)], 0
        for row in piece.rows:
            if _size(row) > left:
                break
            out.append(row)
            left -= _size(row)
            kept += 1
        if kept < len(piece.rows):
            out.append(_cut_line(len(piece.rows) - kept, piece.noun))
    return "".join(out)
