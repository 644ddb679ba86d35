"""Finding dedupe: a document reached twice (e.g. by two readers' paths) reports each finding once."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

from mfa_lint.formats.terraform.relevance import NO_FORMAT
from mfa_lint.scanning.results import Located, NoteEntry

T = TypeVar("T", bound=Hashable)


def finding_key(located: Located) -> tuple:
    """One finding per rule, place, resource and message."""
    return (located.finding.rule_id, located.span, located.resource, located.finding.message)


def unique_findings(findings: Iterable[Located]) -> list[Located]:
    seen: set[tuple] = set()
    out: list[Located] = []
    for located in findings:
        key = finding_key(located)
        if key not in seen:
            seen.add(key)
            out.append(located)
    return out


def prefer_referenced(findings: Iterable[Located]) -> list[Located]:
    """A file reached through `file()`/`templatefile()`/`template_file` from a scanned .tf is also read on its own in
    a walk: where both readings give the same rule at the same place in it, keep the one that names the using
    resource (it has the right kind); a standalone finding (no resource) at a place no referenced reading judged
    stays. Module files keep both readings: both name a resource. Run over the whole scan (the two readings come
    from different files' reports), so serial and parallel runs agree."""
    findings = list(findings)
    referenced = {(f.file, f.finding.rule_id, f.span) for f in findings if f.resource is not None}
    return [f for f in findings if f.resource is not None or (f.file, f.finding.rule_id, f.span) not in referenced]


def drop_read_elsewhere(notes: Iterable[NoteEntry], referenced: set[str]) -> list[NoteEntry]:
    """The "no format mfa-lint reads" note of a file that a .tf in the same scan read (`yamldecode(file())`) is
    wrong: its policies were judged there."""
    prefix = NO_FORMAT.split("{key}", 1)[1]
    return [n for n in notes if not (n.file in referenced and n.resource is None and n.message.endswith(prefix))]


def unique(items: Iterable[T]) -> list[T]:
    """Hashable items (notes) once each, first occurrence kept."""
    return list(dict.fromkeys(items))


def report_order(located: Located) -> tuple:
    """The order of findings in a report: file, then place, then rule."""
    return (located.file, located.span.line, located.span.column, located.finding.rule_id)
