"""GitHub Actions workflow commands: `::error`/`::warning`/`::notice` annotations, shown on the pull request.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (and 50 per job) and drops the rest
without a word, so this format chooses which ones are shown: per level, the most severe first (unreadable files,
which explain an exit 2, before every finding; then the rule's security-severity; then the first finding of each
rule in each file before a second one, so that ten annotations cover as many files as they can; then file and line).
When a level has more than 10, the 10th annotation says how many more there are, of which rules, and where they are
listed (the job summary, the SARIF file, this step's log). Every finding, note and error is also printed in text
form inside a collapsed log group, with workflow commands stopped so that no file name or message can issue one.

Escaping follows the runner's rules: in the message `%`, CR and LF; in a property also `:` and `,`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

from mfa_lint.reporters import relative_path
from mfa_lint.scanning import Located, NoteEntry, ScanError, ScanResult

#: GitHub's per-step limit for each of error, warning and notice annotations (actions/toolkit docs/problem-matchers.md)
PER_LEVEL = 10
LEVELS = ("error", "warning", "notice")


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, properties: dict[str, object], message: str) -> str:
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v is not None)
    return f"::{level} {props}::{escape_data(message)}" if props else f"::{level}::{escape_data(message)}"


def _finding(located: Located) -> str:
    f, span = located.finding, located.span
    message = f"{f.message} ({located.resource})" if located.resource else f.message
    message += f"\nPolicy kind: {located.policy_kind}\nFix: {f.fix_text}\n{f.rule.doc_url}"
    props = {
        "file": relative_path(located.file),
        "line": span.line,
        "col": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
        "title": f"{f.rule_id} {f.title}",
    }
    return _command("error" if f.severity == "error" else "warning", props, message)


def _note(note: NoteEntry) -> str:
    props = {"file": relative_path(note.file), "line": note.span.line if note.span else None,
             "col": note.span.column if note.span else None, "title": "mfa-lint could not judge"}
    message = f"{note.message} ({note.resource})" if note.resource else note.message
    return _command("notice", props, message)


def _error(error: ScanError) -> str:
    return _command("error", {"file": relative_path(error.file), "title": "mfa-lint could not read"}, error.message)


def severity_order(findings: Sequence[Located]) -> list[Located]:
    """Most severe rule first; rules of the same severity take turns, and each rule shows its first finding in every
    file before a second one in the same file, so the first annotations cover as many rules and files as they can."""
    by_rule: dict[str, list[Located]] = {}
    for located in findings:
        by_rule.setdefault(located.finding.rule_id, []).append(located)
    ranked = []
    for rule_id, items in by_rule.items():
        seen: Counter = Counter()
        keyed = []
        for located in sorted(items, key=lambda x: (x.file, x.span.line, x.span.column)):
            keyed.append((seen[located.file], located.file, located.span.line, located.span.column, located))
            seen[located.file] += 1
        keyed.sort(key=lambda k: k[:-1])
        severity = -items[0].finding.rule.security_severity
        ranked.extend(((severity, turn, rule_id), k[-1]) for turn, k in enumerate(keyed))
    ranked.sort(key=lambda r: r[0])
    return [located for _, located in ranked]


def _overflow(level: str, hidden: list[str], elsewhere: Sequence[str]) -> str:
    """The 10th annotation of a level that has more than 10: how many more, which, and where they are listed."""
    noun, verb = (level, "is") if len(hidden) == 1 else (f"{level}s", "are")
    counts = ", ".join(f"{what} \u00d7{n}" if n > 1 else what for what, n in Counter(hidden).most_common())
    places = [*elsewhere, "the group \"mfa-lint: every result\" in this step's log"]
    message = (f"GitHub shows {PER_LEVEL} {level} annotations per step: {len(hidden)} more {noun} {verb} not "
               f"annotated ({counts}). Every one is listed in " + ", ".join(places) + ", and by `mfa-lint scan`.")
    return _command(level, {"title": f"mfa-lint: {len(hidden)} more {noun} not shown"}, message)


def annotations(result: ScanResult, elsewhere: Sequence[str] = ()) -> list[str]:
    """At most PER_LEVEL workflow commands per level, in the order described in the module docstring."""
    findings = severity_order(result.findings)
    levels: dict[str, list[tuple[str, str]]] = {  # (command, what it is, for the overflow count)
        "error": [(_error(e), "unreadable file") for e in result.errors]
        + [(_finding(x), x.finding.rule_id) for x in findings if x.finding.severity == "error"],
        "warning": [(_finding(x), x.finding.rule_id) for x in findings if x.finding.severity != "error"],
        "notice": [(_note(n), "could not judge") for n in sorted(result.notes, key=_note_order)],
    }
    out: list[str] = []
    for level in LEVELS:
        items = levels[level]
        if len(items) <= PER_LEVEL:
            out.extend(command for command, _ in items)
        else:
            out.extend(command for command, _ in items[: PER_LEVEL - 1])
            out.append(_overflow(level, [what for _, what in items[PER_LEVEL - 1 :]], elsewhere))
    return out


def _note_order(note: NoteEntry) -> tuple:
    return (note.file, note.span.line if note.span else 0, note.span.column if note.span else 0)


def _log_group(result: ScanResult) -> list[str]:
    """Every result as text, in a collapsed group; `::stop-commands::` keeps its lines from being commands."""
    from mfa_lint.reporters.text import render as text

    lines = text(result).splitlines()[:-1]  # without its summary line: ours follows
    if not lines:
        return []
    token = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:32]
    return ["::group::mfa-lint: every result (text)", f"::stop-commands::{token}", *lines, f"::{token}::",
            "::endgroup::"]


def render(result: ScanResult, *, elsewhere: Sequence[str] = (), **_: object) -> str:
    """`elsewhere`: the other places this scan's results go (the job summary, a SARIF file), named in the 10th
    annotation of a level that has more than 10."""
    out = annotations(result, elsewhere) + _log_group(result)
    s = result.summary()
    out.append(f"mfa-lint: {s['findings']} finding(s); {s['files_walked']} file(s) walked: {s['files_read']} read,"
               f" {s['files_skipped_unrelated']} skipped as unrelated, {s['files_not_iac']} not IaC,"
               f" {s['unreadable']} unreadable; {s['notes']} note(s), {s['suppressed']} suppressed")
    return "\n".join(out) + "\n"
