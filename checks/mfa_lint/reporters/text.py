"""Text for a terminal: `file:line:col: MFA001 message`, a fix hint under it, colour only on a terminal."""

from __future__ import annotations

from mfa_lint.scanning import ScanResult

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "note": "\033[36m", "dim": "\033[2m", "bold": "\033[1m"}
_RESET = "\033[0m"


def _paint(text: str, what: str, colour: bool) -> str:
    return f"{_COLOURS[what]}{text}{_RESET}" if colour else text


def render(result: ScanResult, *, colour: bool = False, **_: object) -> str:
    out: list[str] = []
    for located in result.findings:
        f, span = located.finding, located.span
        where = f"{located.file}:{span.line}:{span.column}"
        resource = f" [{located.resource}]" if located.resource else ""
        kind = f" ({located.policy_kind} policy)"
        out.append(
            f"{_paint(where, 'bold', colour)}: {_paint(f.rule_id, f.severity, colour)} {f.message}{resource}{kind}"
        )
        out.append(_paint(f"    fix: {f.fix_text}", "dim", colour))
    for note in result.notes:
        line = f"{note.file}:{note.span.line}:{note.span.column}" if note.span else note.file
        resource = f" [{note.resource}]" if note.resource else ""
        out.append(f"{line}: {_paint('note:', 'note', colour)} {note.message}{resource}")
    for error in result.errors:
        out.append(f"{error.file}: {_paint('error:', 'error', colour)} {error.message}")
    out.append(_summary_line(result))
    return "\n".join(out) + "\n"


def _summary_line(result: ScanResult) -> str:
    s = result.summary()
    parts = [
        f"{s['findings']} finding{'s' if s['findings'] != 1 else ''}"
        f" ({s['errors_in_findings']} error, {s['warnings_in_findings']} warning)",
        f"{s['files_walked']} file{'s' if s['files_walked'] != 1 else ''} walked: {s['files_read']} read,"
        f" {s['files_skipped_unrelated']} skipped as unrelated, {s['files_not_iac']} not IaC",
    ]
    if s["suppressed"]:
        parts.append(f"{s['suppressed']} suppressed")
    if s["notes"]:
        parts.append(f"{s['notes']} note{'s' if s['notes'] != 1 else ''}")
    if s["unreadable"]:
        parts.append(f"{s['unreadable']} could not be read")
    return "mfa-lint: " + ", ".join(parts)
