"""`mfa-lint fix`: apply the mechanical fixes (MFA001 add IfExists, MFA002 drop IfExists / ForAllValues:).

Only the operator name inside the finding's token changes (`"Bool"` -> `"BoolIfExists"`); every other byte of the
file stays as it was (line endings, BOM, comments, formatting). An edit whose token no longer reads as scanned is
refused. Terraform plan JSON is generated output and is never edited: fix the configuration it came from.
`fix -` fixes standard input: its text is given in `texts` (it is on no disk) and the caller prints the result.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field

from mfa_lint.formats.registry import by_name
from mfa_lint.reading.lines import line_starts
from mfa_lint.reporters import relative_path
from mfa_lint.scanning import Edit, Located, ScanOptions, ScanResult, scan, span_text

_BOM = "\ufeff"


@dataclass
class FileFix:
    path: str
    original: str  # the file's text exactly as on disk (CRLF kept, BOM dropped)
    fixed: str
    bom: bool
    applied: list[Located] = field(default_factory=list)


@dataclass
class FixPlan:
    files: list[FileFix] = field(default_factory=list)
    refused: list[tuple[Located, str]] = field(default_factory=list)


def _raw_text(path: str) -> tuple[str, bool]:
    with open(path, "rb") as handle:
        text = handle.read().decode("utf-8")
    return (text[1:], True) if text.startswith(_BOM) else (text, False)


def _apply(text: str, edits: list[tuple[Located, Edit]], refused: list[tuple[Located, str]]) -> tuple[str, list]:
    """Apply the edits from the end of the file so earlier offsets stay valid; same-token duplicates count once."""
    starts = line_starts(text)
    placed: list[tuple[int, int, Located, Edit]] = []
    for located, edit in edits:
        where = span_text(text, edit.span, starts)
        if where is None or text[where[0] : where[1]] != edit.old:
            refused.append((located, "the file changed since it was scanned"))
            continue
        placed.append((where[0], where[1], located, edit))
    placed.sort(key=lambda p: (p[0], p[1]), reverse=True)
    applied: list[Located] = []
    limit = len(text) + 1
    last: tuple[int, int, str] | None = None
    for start, end, located, edit in placed:
        if last == (start, end, edit.new):
            applied.append(located)  # the same token fixed for a second finding
            continue
        if end > limit:
            refused.append((located, "overlaps another fix"))
            continue
        text = text[:start] + edit.new + text[end:]
        limit, last = start, (start, end, edit.new)
        applied.append(located)
    return text, applied


def plan_fixes(result: ScanResult, texts: Mapping[str, tuple[str, bool]] | None = None) -> FixPlan:
    """The edits per file. `texts`: (text, had a BOM) of files that are not on disk (standard input)."""
    texts = texts or {}
    plan = FixPlan()
    by_file: dict[str, list[tuple[Located, Edit]]] = {}
    for located in result.findings:
        f = located.finding
        if not f.fix:
            continue
        fmt = by_name(located.source)
        if not fmt.editable:
            plan.refused.append((located, fmt.not_editable))
        elif located.edit is None:
            why = "the operator is not in its token" if located.exact else "the finding points at the whole property"
            plan.refused.append((located, why))
        else:
            by_file.setdefault(located.file, []).append((located, located.edit))
    for path, edits in by_file.items():
        try:
            original, bom = texts[path] if path in texts else _raw_text(path)
        except (OSError, UnicodeDecodeError) as exc:
            plan.refused.extend((located, f"cannot read the file again: {exc}") for located, _ in edits)
            continue
        fixed, applied = _apply(original, edits, plan.refused)
        if applied:
            plan.files.append(FileFix(path, original, fixed, bom, applied))
    return plan


def write(plan: FixPlan) -> None:
    """Write every fixed file; a file that cannot be written moves its fixes to `refused`."""
    written: list[FileFix] = []
    for file in plan.files:
        data = ((_BOM if file.bom else "") + file.fixed).encode("utf-8")
        try:
            with open(file.path, "wb") as handle:  # in place: mode, owner and inode stay
                handle.write(data)
        except OSError as exc:
            plan.refused.extend((located, f"cannot write the file: {exc.strerror or exc}") for located in file.applied)
            continue
        written.append(file)
    plan.files = written


def _lines(text: str) -> list[str]:
    """Lines as git and patch see them: split at LF only (str.splitlines also splits at VT, FF, U+2028...)."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(plan: FixPlan) -> str:
    """One unified diff over every fixed file that `git apply` and `patch -p1` accept.

    difflib leaves a last line without its newline as it is, which runs the next line of the patch into it: such a
    line gets its newline and the `\\ No newline at end of file` marker. The BOM stays in the first line, as in the
    file the patch is applied to.
    """
    chunks: list[str] = []
    for file in plan.files:
        name = relative_path(file.path)
        bom = _BOM if file.bom else ""
        lines = difflib.unified_diff(
            _lines(bom + file.original),
            _lines(bom + file.fixed),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
        for line in lines:
            chunks.append(line if line.endswith("\n") else line + "\n" + NO_NEWLINE)
    return "".join(chunks)


def describe(plan: FixPlan, *, written: bool = True) -> list[str]:
    """One line per fix: `fixed` when it was written, `would fix` when it was only shown (`--diff`)."""
    done = "fixed" if written else "would fix"
    lines = []
    for file in plan.files:
        for located in file.applied:
            f, span = located.finding, located.span
            lines.append(f"{done} {located.file}:{span.line}:{span.column}: {f.rule_id} {f.operator} -> {f.fix}")
    for located, why in plan.refused:
        f, span = located.finding, located.span
        lines.append(f"not fixed {located.file}:{span.line}:{span.column}: {f.rule_id} {f.operator} -> {f.fix}: {why}")
    return lines


def fix(
    paths: list[str], options: ScanOptions, *, apply: bool, texts: Mapping[str, tuple[str, bool]] | None = None
) -> tuple[FixPlan, ScanResult]:
    """Scan, fix, and re-scan. With apply=False nothing is written: the re-scan reads the fixed texts in memory."""
    plan = plan_fixes(scan(paths, options), texts)
    if apply:
        write(plan)
        return plan, scan(paths, options)
    overrides = dict(options.overrides)
    overrides.update({file.path: file.fixed.replace("\r\n", "\n") for file in plan.files})
    rescan_options = dataclasses.replace(options, overrides=overrides)
    return plan, scan(paths, rescan_options)
