"""One identity per finding: a policy reached more than once (by two readers' paths, directly and through a module
call or `file()`, by Fn::If combinations) is reported once, at the file that holds its operator.

These run over the whole scan (the readings come from different files' reports), so serial and parallel runs agree.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable, Iterable
from typing import TypeVar

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


_LAST_INDEX = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]$')
_MODULE_STEPS = re.compile(r'^(?:module\.[\w-]+(?:\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\])?\.)+')


def _names(resource: str | None) -> set[str]:
    """A resource as written and without the index of its last part (a plan says `aws_iam_policy.p[0]`, the
    configuration `aws_iam_policy.p`)."""
    resource = resource or ""
    return {resource, _LAST_INDEX.sub("", resource)}


def drop_plan_echoes(findings: list[Located], suppressed: list[Located]) -> tuple[list[Located], list[Located]]:
    """A plan's finding placed in its configuration (at the `resource` line: formats.plan.configuration) where a
    reading of the configuration itself judged the same rule for the same resource in the same file (at the
    operator, with its edit): one defect, reported once, where the configuration's reading put it. The same resource
    is its address, or, for a module's file read on its own, the address without the module path. A plan's finding
    the configuration's reading did not reach (a value only the plan knows) stays."""
    def place(located: Located, name: str) -> tuple:
        return (os.path.normcase(os.path.abspath(located.file)), located.finding.rule_id, name)

    configured = {place(f, name) for f in (*findings, *suppressed) if f.source != "plan" for name in _names(f.resource)}

    def echo(located: Located) -> bool:
        if located.source != "plan" or located.via is None:
            return False
        names = _names(located.resource) | _names(_MODULE_STEPS.sub("", located.resource or ""))
        return any(place(located, name) in configured for name in names)

    return [f for f in findings if not echo(f)], [f for f in suppressed if not echo(f)]


def drop_read_elsewhere(notes: Iterable[NoteEntry], referenced: set[str]) -> list[NoteEntry]:
    """A note on a whole file that a .tf in the same scan read is wrong: its policies were judged there, with the
    values the .tf gives (a "no format mfa-lint reads" YAML file read with `yamldecode(file())`, a template whose
    `%{ for }` directives `templatefile()` renders)."""
    return [n for n in notes if not (n.file in referenced and n.resource is None)]


Place = tuple[str, "str | None"]  # (file, resource)


def superseded(reached: dict[str, list[Place]], reaching: dict[str, list[str]]) -> dict[str, set[Place]]:
    """Scanned file -> the (file, resource) places whose judgement by that file's own reading another reading
    supersedes.

    A scanned file that another scanned file reaches with its values (a nested stack's template, read with the
    parameters its parent passes; its resources named as in its own file) deploys as that reading says: its own
    reading's defaults are never used for those resources. `reached`: the places each scanned file's reading judged
    in other files; `reaching`: the other files it read (a nested template that only nests others holds no site, but
    its own reading is superseded too)."""
    out: dict[str, set[Place]] = {}
    for scanned, items in reached.items():
        places = {(_norm(f), _unkeyed(r)) for f, r in items}
        for origin in {f for f, _ in places} | {_norm(f) for f in reaching.get(scanned, ())}:
            out.setdefault(origin, set()).update(places)
    return out


def drop_superseded(items: list[T], origins: list[str], places: dict[str, set[Place]]) -> list[T]:
    """Findings or notes (with `file` and `resource`) less those of a reading another reading supersedes
    (`origins`: the scanned file each came from): what a parent passes decides, not the nested template's defaults;
    a parameter only the parent sets is no reason for a note. What the parent leaves open is reported by the reading
    through the parent."""
    return [item for item, origin in zip(items, origins, strict=True)
            if (_norm(item.file), _unkeyed(item.resource)) not in places.get(_norm(origin), ())]  # type: ignore[attr-defined]


_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]$')


def _unkeyed(resource: str | None) -> str | None:
    """A resource without its instance key (`aws_iam_role.x["k"]` -> `aws_iam_role.x`): a call's reading of any
    instance supersedes the module's own reading of that block."""
    return _KEY.sub("", resource) if resource else resource


def _norm(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def unique(items: Iterable[T]) -> list[T]:
    """Hashable items (notes) once each, first occurrence kept."""
    return list(dict.fromkeys(items))


def report_order(located: Located) -> tuple:
    """The order of findings in a report: file, then place, then rule."""
    return (located.file, located.span.line, located.span.column, located.finding.rule_id)
