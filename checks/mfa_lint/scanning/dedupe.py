"""Finding dedupe: a document reached twice (e.g. by two readers' paths) reports each finding once."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

from mfa_lint.scanning.results import Located

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


def unique(items: Iterable[T]) -> list[T]:
    """Hashable items (notes) once each, first occurrence kept."""
    return list(dict.fromkeys(items))


def report_order(located: Located) -> tuple:
    """The order of findings in a report: file, then place, then rule."""
    return (located.file, located.span.line, located.span.column, located.finding.rule_id)
