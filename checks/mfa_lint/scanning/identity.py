"""One identity per finding: a policy reached more than once (by two readers' paths, directly and through a module
call or `file()`, by Fn::If combinations) is reported once, at the file that holds its operator.

These run over the whole scan (the readings come from different files' reports), so serial and parallel runs agree.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable
from typing import TypeVar

from mfa_lint.core.findings import NO_FORMAT, UNRESOLVED
from mfa_lint.scanning.results import Located, NoteEntry

T = TypeVar("T", bound=Hashable)


def _place(located: Located) -> tuple:
    """Where a finding is: the file (as an absolute path), its span, its rule."""
    return (os.path.normcase(os.path.abspath(located.file)), located.span, located.finding.rule_id)


def finding_key(located: Located) -> tuple:
    """One finding per place, resource and message (two module instances at one place are two resources)."""
    return (*_place(located), located.resource, located.finding.message)


def unique_findings(findings: Iterable[Located]) -> list[Located]:
    seen: set[tuple] = set()
    out: list[Located] = []
    for located in findings:
        key = finding_key(located)
        if key not in seen:
            seen.add(key)
            out.append(located)
    return out


def one_per_place(findings: list[Located], suppressed: list[Located]) -> tuple[list[Located], list[Located]]:
    """(findings, suppressed) with each policy reported once.

    A file reached through another one (a called module's file, a policy read with `file()`) is usually also read on
    its own in a walk. Where a reading through another file judged the same rule at the same place, the direct
    reading is dropped: the reading through the caller has the caller's arguments and the using resource's kind,
    and carries the same edit. A direct finding at a place no other reading judged stays. Then every finding is
    unique by place, resource and message."""
    reached = {_place(f) for f in (*findings, *suppressed) if f.via is not None}

    def kept(items: list[Located]) -> list[Located]:
        return unique_findings(f for f in items if f.via is not None or _place(f) not in reached)

    return kept(findings), kept(suppressed)


def drop_read_elsewhere(notes: Iterable[NoteEntry], referenced: set[str]) -> list[NoteEntry]:
    """The "no format mfa-lint reads" note of a file that a .tf in the same scan read (`yamldecode(file())`) is
    wrong: its policies were judged there."""
    return [n for n in notes if not (n.file in referenced and n.resource is None and n.kind is NO_FORMAT)]


def drop_reached_unresolved(notes: list[NoteEntry], direct: list[bool], reached: set[tuple[str, str | None]]
                            ) -> list[NoteEntry]:
    """An unresolved value in a resource that another scanned file reaches with its values (a nested stack's
    template read with the parameters its parent passes, named as in its own file) is judged there: the note of its
    own reading (`direct`: a parameter only the parent sets) is dropped. What the parent cannot resolve either is
    noted by the reading through the parent."""
    places = {(os.path.normcase(os.path.abspath(f)), r) for f, r in reached}
    return [n for n, own in zip(notes, direct, strict=True)
            if not (own and n.kind is UNRESOLVED and (os.path.normcase(os.path.abspath(n.file)), n.resource) in places)]


def unique(items: Iterable[T]) -> list[T]:
    """Hashable items (notes) once each, first occurrence kept."""
    return list(dict.fromkeys(items))


def report_order(located: Located) -> tuple:
    """The order of findings in a report: file, then place, then rule."""
    return (located.file, located.span.line, located.span.column, located.finding.rule_id)
