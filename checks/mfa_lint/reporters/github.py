"""GitHub Actions workflow commands: one `::error`/`::warning` annotation per finding, shown on the PR diff.

Escaping follows the runner's rules: in the message `%`, CR and LF; in a property also `:` and `,`.
"""

from __future__ import annotations

from mfa_lint.reporters import relative_path
from mfa_lint.scanning import ScanResult


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, properties: dict[str, object], message: str) -> str:
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v is not None)
    return f"::{level} {props}::{escape_data(message)}"


def render(result: ScanResult, **_: object) -> str:
    out: list[str] = []
    for located in result.findings:
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
        out.append(_command("error" if f.severity == "error" else "warning", props, message))
    for note in result.notes:
        props = {"file": relative_path(note.file), "line": note.span.line if note.span else None,
                 "title": "mfa-lint note"}
        out.append(_command("notice", props, note.message))
    for error in result.errors:
        out.append(_command("error", {"file": relative_path(error.file), "title": "mfa-lint could not read"},
                            error.message))
    s = result.summary()
    out.append(f"mfa-lint: {s['findings']} finding(s); {s['files_walked']} file(s) walked: {s['files_read']} read,"
               f" {s['files_skipped_unrelated']} skipped as unrelated, {s['files_not_iac']} not IaC,"
               f" {s['unreadable']} unreadable")
    return "\n".join(out) + "\n"
