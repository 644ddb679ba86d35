"""analyze_policy: parse, resolve unknowns by trying every value they could take, run the registered rules that
apply to the policy kind on every statement.

An unresolved value (a Terraform reference, a CloudFormation intrinsic) may be anything: each MFA test with one is
tried with every value that matters (true and false for Bool; one threshold between fresh and old MFA for Numeric
on the age key). A rule is reported only when every try leads to it; otherwise a note says the verdict depends on
an unresolved value.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from mfa_lint.core.callers import Callers
from mfa_lint.core.catalog import POLICY_KINDS
from mfa_lint.core.findings import BUDGET, MISSING_FILE, UNRESOLVED, Analysis, Finding, Note
from mfa_lint.core.keys import AGE
from mfa_lint.core.model import Document, Statement, Test, parse_document
from mfa_lint.core.policy import Policy
from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.core.rules import REGISTRY
from mfa_lint.core.values import Unknown

MAX_TRIES = 64
#: statements x tries of unresolved values judged per document; past it only statements without one are judged
MAX_STATEMENT_RUNS = 100_000


def analyze_policy(document: Any, kind: PolicyKind | str = PolicyKind.IDENTITY, callers: Callers | None = None
                   ) -> list[Finding]:
    """The findings for one policy document (a dict or a JSON string) of the given policy kind."""
    return analyze_document(document, kind, callers).findings


def analyze_document(document: Any, kind: PolicyKind | str = PolicyKind.IDENTITY, callers: Callers | None = None
                     ) -> Analysis:
    """Findings and notes (what could not be analysed) for one policy document.

    `callers`: who calls the document, when its attachments say so (core/callers.py: a role's policies are called
    by the sessions its trust policy admits, a permission set's by IAM Identity Center sessions). None: the kind's
    default callers, as before.
    """
    if kind not in POLICY_KINDS:
        raise ValueError(f"unknown policy kind {kind!r}; expected one of {', '.join(POLICY_KINDS)}")
    kind = PolicyKind(kind)
    if callers is not None and not isinstance(callers, Callers):
        raise TypeError(f"callers must be a Callers value, not {type(callers).__name__}")
    parsed = parse_document(document)
    analysis = Analysis(notes=list(parsed.notes))
    slots = _unknown_slots(parsed)
    if not slots:
        analysis.findings = _run_rules(parsed.statements, kind, analysis.notes, callers)
        return analysis
    # one unknown is one unknown: tests holding the same unresolved value (and tried with the same candidates) take
    # the same candidate in every try
    variables = list(dict.fromkeys(_variable(parsed, slot) for slot in slots))
    shared = [
        tuple(choice[variables.index(_variable(parsed, slot))] for slot in slots)
        for choice in itertools.islice(itertools.product(*(v[1] for v in variables)), MAX_TRIES + 1)
    ]
    tries = shared
    if len(tries) > MAX_TRIES or len(tries) * len(parsed.statements) > MAX_STATEMENT_RUNS:
        return _too_many_unknowns(parsed, kind, slots, analysis, callers)
    runs: list[list[Finding]] = []
    for values in tries:
        statements = _substitute(parsed.statements, slots, values)
        runs.append(_run_rules(statements, kind, analysis.notes, callers))
    keys = [{_key(f) for f in run} for run in runs]
    common = set.intersection(*keys)
    analysis.findings = [f for f in runs[0] if _key(f) in common]
    undecided = set.union(*keys) - common
    by_index = {s.index: s for s in parsed.statements}
    for index in sorted({k[1] for k in undecided}, key=lambda i: -1 if i is None else i):
        statement = by_index[index]
        unknowns = [v for t in statement.tests for v in t.values if isinstance(v, Unknown)]
        raws = sorted({str(v) for v in unknowns})
        rules = sorted({k[0] for k in undecided if k[1] == index})
        analysis.notes.append(
            Note(
                f"unresolved value: whether {', '.join(rules)} {'applies' if len(rules) == 1 else 'apply'} depends on "
                f"{', '.join(raws) or 'an unresolved value elsewhere in the policy'}",
                statement.path,
                index,
                kind=MISSING_FILE if any(v.kind == MISSING_FILE for v in unknowns) else UNRESOLVED,
            )
        )
    analysis.notes = _dedupe(analysis.notes)
    return analysis


def _key(finding: Finding) -> tuple:
    return (finding.rule_id, finding.statement_index, finding.path, finding.fix)


def _dedupe(notes: list[Note]) -> list[Note]:
    seen: set = set()
    out = []
    for note in notes:
        if (note.message, note.path) not in seen:
            seen.add((note.message, note.path))
            out.append(note)
    return out


def _run_rules(statements: list[Statement], kind: str, notes: list[Note], callers: Callers | None = None
               ) -> list[Finding]:
    """Every rule that applies to `kind`, over every MFA statement. Exclusive rules run first, in id order; the first
    that fires (MFA003, then MFA006) silences the rest for that statement."""
    rules = [r for r in REGISTRY.values() if r.record.applies_to(kind)]
    exclusive = [r for r in rules if r.record.exclusive]
    ordinary = [r for r in rules if not r.record.exclusive]
    policy = Policy(kind, statements, notes, callers)
    findings: list[Finding] = []
    for statement in statements:
        if statement.effect is None or statement.unjudged or not statement.is_mfa_statement:
            continue
        for r in exclusive:
            first = r.check(statement, policy)
            if first:
                findings.extend(first)
                break
        else:
            for r in ordinary:
                findings.extend(r.check(statement, policy))
    return findings


# ---------------------------------------------------------------- unresolved values

Slot = tuple[int, int, tuple[str, ...]]  # (statement position, test position, candidate values)


def _candidates(test: Test) -> tuple[str, ...]:
    family = test.operator.family
    if family == "Numeric" or (family == "String" and test.canonical_key == AGE):
        return ("3600",)
    if family in ("Bool", "Null", "String"):
        return ("true", "false")
    return ("unresolved",)


def _variable(document: Document, slot: Slot) -> tuple[frozenset[str], tuple[str, ...]]:
    """What a slot tries: the unresolved values its test holds (by name) and the candidates it tries for them."""
    si, ti, candidates = slot
    test = document.statements[si].tests[ti]
    return frozenset(str(v) for v in test.values if isinstance(v, Unknown)), candidates


def _unknown_slots(document: Document) -> list[Slot]:
    slots: list[Slot] = []
    for si, statement in enumerate(document.statements):
        for ti, test in enumerate(statement.tests):
            if test.is_mfa and test.has_unknown:
                slots.append((si, ti, _candidates(test)))
    return slots


def _substitute(statements: list[Statement], slots: list[Slot], values: tuple[str, ...]) -> list[Statement]:
    """A copy of the statements with each unresolved MFA value replaced by one candidate."""
    out = list(statements)
    for (si, ti, _), value in zip(slots, values, strict=True):
        statement = out[si]
        tests = list(statement.tests)
        test = tests[ti]
        tests[ti] = dataclasses.replace(test, values=[value if isinstance(v, Unknown) else v for v in test.values])
        out[si] = dataclasses.replace(statement, tests=tests)
    return out


def _too_many_unknowns(document: Document, kind: str, slots: list[Slot], analysis: Analysis,
                       callers: Callers | None) -> Analysis:
    """Too many unresolved values to try them all: judge only the statements without any."""
    unresolved = {si for si, _, _ in slots}
    known = [s for si, s in enumerate(document.statements) if si not in unresolved]
    analysis.findings = _run_rules(known, kind, analysis.notes, callers)
    for si in sorted(unresolved):
        statement = document.statements[si]
        analysis.notes.append(Note("unresolved value: too many unresolved MFA values to judge this statement",
                                   statement.path, statement.index, kind=BUDGET))
    return analysis
