"""One policy that can be several documents, judged as one: a bounded unknown tried value by value.

A reader that knows the values an unknown may take (a CloudFormation parameter's `AllowedValues`, a Terraform
variable a `validation` pins to a set) builds one document per value and hands the analyses here. As the core
judges an unknown it tries itself (core.analyzer), a rule is reported for a statement only when every document gives
it there; where some do and others do not, a note says the verdict depends on those values. A document built with a
value someone may deploy instead of the one deployed by default (`alternative`) never makes a finding: a rule only
it gives is a note naming that value, so that a default that fails open is a finding and an allowed value that
fails open is something a reviewer hears about.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mfa_lint.core.findings import UNRESOLVED, Analysis, Finding, Note


@dataclass(frozen=True)
class Tried:
    """One document the policy can be, analysed. `label` names the values it was built with (`Op=Bool`); `values`:
    the same as (name, value) pairs, so that a note can name only the values that make the difference."""

    label: str
    analysis: Analysis
    alternative: bool = False
    values: tuple[tuple[str, str], ...] = ()
    #: the document itself: an alternative's note on a statement another alternative already named is not repeated
    document: Any = None


def _key(finding: Finding) -> tuple:
    return (finding.rule_id, finding.statement_index)


def combine(tried: Sequence[Tried]) -> tuple[list[tuple[int, Finding]], list[tuple[int, Note]]]:
    """(findings, notes) of the policy, each with the index of the document it was found in (its place there)."""
    if not tried:
        return [], []
    if len(tried) == 1:
        only = tried[0].analysis
        return [(0, f) for f in only.findings], [(0, n) for n in only.notes]
    base = [i for i, t in enumerate(tried) if not t.alternative] or list(range(len(tried)))
    keys = {i: {_key(f) for f in tried[i].analysis.findings} for i in range(len(tried))}
    common = set.intersection(*(keys[i] for i in base))
    first = base[0]
    findings = [(first, f) for f in tried[first].analysis.findings if _key(f) in common]
    notes: list[tuple[int, Note]] = []
    seen: set[tuple] = set()
    for index in base:  # an alternative's own notes concern values that do not deploy by default: not said
        for note in tried[index].analysis.notes:
            if (note.message, note.path) not in seen:
                seen.add((note.message, note.path))
                notes.append((index, note))
    undecided = set.union(*(keys[i] for i in base)) - common
    for index, (rules, where) in _by_statement(tried, base, undecided):
        key = (where.rule_id, where.statement_index)
        fires, holds = _difference([tried[i] for i in base if key in keys[i]],
                                   [tried[i] for i in base if key not in keys[i]])
        notes.append((index, Note(f"unresolved value: {rules} {_verb(rules)} when deployed with {fires}, not with "
                                  f"{holds} (narrow the allowed values to decide it)", where.path,
                                  where.statement_index, kind=UNRESOLVED)))
    alternatives_noted: set[tuple[str, str]] = set()
    for index in sorted((i for i in range(len(tried)) if i not in base), key=lambda i: _changed(tried, first, i)):
        entry = tried[index]
        extra = keys[index] - common
        defaults = dict(tried[first].values)
        label = ", ".join(f"{n}={v}" for n, v in entry.values if defaults.get(n) != v) or entry.label
        for _, (rules, where) in _by_statement(tried, [index], extra):
            statement = _statement(entry.document, where.statement_index)
            if statement is not None and (rules, statement) in alternatives_noted:
                continue  # the same statement, the same rules: named by an alternative with fewer changed values
            if statement is not None:
                alternatives_noted.add((rules, statement))
            message = (f"unresolved value: deployed with {label} (allowed, not the default), {rules} "
                       f"{_verb(rules)} (narrow the allowed values to rule it out): {where.message}")
            if (message, where.path) not in seen:
                seen.add((message, where.path))
                notes.append((index, Note(message, where.path, where.statement_index, kind=UNRESOLVED)))
    return findings, notes


def _changed(tried: Sequence[Tried], first: int, index: int) -> int:
    """How many values of an alternative differ from the default document's: fewer first."""
    defaults = dict(tried[first].values)
    return sum(1 for name, value in tried[index].values if defaults.get(name) != value)


def _statement(document: Any, index: int | None) -> str | None:
    """A statement of a document as text (to tell statements apart across documents), None when not at hand."""
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if index is None or not isinstance(statements, list) or not 0 <= index < len(statements):
        return None
    return json.dumps(statements[index], sort_keys=True, default=str)


def _verb(rules: str) -> str:
    """`MFA001 applies`, `MFA001, MFA005 apply`."""
    return "apply" if "," in rules else "applies"


_SHOWN = 4  # documents a note names when no one value tells them apart


def _difference(fire: Sequence[Tried], hold: Sequence[Tried]) -> tuple[str, str]:
    """How the documents where a rule applies differ from those where it does not: the values of the names whose
    values differ (`Op=BoolIfExists` / `Op=Bool`), else the first few labels."""
    names = dict.fromkeys(name for t in (*fire, *hold) for name, _ in t.values)
    telling = []
    for name in names:
        fired = {v for t in fire for n, v in t.values if n == name}
        held = {v for t in hold for n, v in t.values if n == name}
        if fired and held and not fired & held:
            telling.append((name, fired, held))
    if telling:
        return (", ".join(f"{n}={'/'.join(sorted(f))}" for n, f, _ in telling),
                ", ".join(f"{n}={'/'.join(sorted(h))}" for n, _, h in telling))

    def shown(group: Sequence[Tried]) -> str:
        more = f"; ... ({len(group) - _SHOWN} more)" if len(group) > _SHOWN else ""
        return "; ".join(t.label for t in group[:_SHOWN]) + more

    return shown(fire), shown(hold)


def _by_statement(tried: Sequence[Tried], indexes: Sequence[int], keys: set[tuple]
                  ) -> list[tuple[int, tuple[str, Finding]]]:
    """Per statement among `keys`: the document to place the note in, its rules, and one finding to place it at."""
    out: dict[int | None, tuple[int, list[str], Finding]] = {}
    for index in indexes:
        for finding in tried[index].analysis.findings:
            key = _key(finding)
            if key not in keys:
                continue
            entry = out.setdefault(finding.statement_index, (index, [], finding))
            if finding.rule_id not in entry[1]:
                entry[1].append(finding.rule_id)
    ordered = sorted(out.items(), key=lambda item: -1 if item[0] is None else item[0])
    return [(index, (", ".join(sorted(rules)), finding)) for _, (index, rules, finding) in ordered]
