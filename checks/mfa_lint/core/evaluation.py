"""A statement's MFA tests evaluated in a request context (rules.md: holds(S, c)).

Tests on keys with the MFA key's availability (aws:TokenIssueTime, core/availability.py) are evaluated too: absent
in LT, present elsewhere. Fresh MFA is a range of ages (rules.md): from 0 up to below the smallest positive age
threshold the statement names, so `NumericNotEquals aws:MultiFactorAuthAge "0"` admits fresh MFA.
"""

from __future__ import annotations

from mfa_lint.core import availability
from mfa_lint.core.contexts import LT, MFF, NM, Context, as_number, evaluate, sample_ages
from mfa_lint.core.keys import AGE
from mfa_lint.core.model import Statement, Test


def test_holds(test: Test, context: Context, age: float | None = None) -> bool:
    """One MFA test in `context` (at `age` instead of the context's own, for the range of fresh MFA)."""
    if test.like_target:
        request = None
    elif age is not None and test.canonical_key == AGE and context.present is not None:
        request = age
    else:
        request = context.value_of(test.canonical_key)
    return evaluate(test.operator, request, [str(v) for v in test.values])


def availability_tests(statement: Statement) -> list[Test]:
    return [t for t in statement.other_tests if availability.is_availability_test(t)]


def _thresholds(statement: Statement) -> list:
    return [
        n
        for t in statement.mfa_tests
        if t.canonical_key == AGE
        for n in (as_number(str(v)) for v in t.values)
        if n is not None
    ]


def fresh_ages(statement: Statement) -> list[float]:
    """Ages of fresh MFA worth trying: 0 up to below the smallest positive threshold (0 and 1 without one)."""
    positive = [float(n) for n in _thresholds(statement) if n > 0]
    if not positive:
        return [0.0, 1.0]
    t = min(positive)
    return sorted({a for a in (0.0, t / 2, t - 1, t - 0.5) if 0 <= a < t})


def _holds_at(statement: Statement, context: Context, age: float | None, surely: bool) -> bool:
    if not all(test_holds(t, context, age) for t in statement.mfa_tests):
        return False
    for t in availability_tests(statement):
        v = availability.verdict(t, context)
        if v is False or (v is None and surely):
            return False
    return True


def _evaluate(statement: Statement, context: Context, surely: bool) -> bool:
    if context is MFF:
        return any(_holds_at(statement, context, age, surely) for age in fresh_ages(statement))
    return _holds_at(statement, context, None, surely)


def holds(statement: Statement, context: Context) -> bool:
    """The AND of the statement's MFA tests (and tests on keys with their availability) in `context`; tests on
    other keys, and an availability key's unknown value, are assumed able to hold. For MFf: at some fresh age."""
    cached = statement.holds_cache.get(context)
    if cached is None:
        cached = statement.holds_cache[context] = _evaluate(statement, context, False)
    return cached


def holds_surely(statement: Statement, context: Context) -> bool:
    """Like `holds`, but an availability key whose value decides counts as not holding (for companions: when
    unsure, a statement does not cover)."""
    key = ("surely", context)
    cached = statement.holds_cache.get(key)
    if cached is None:
        cached = statement.holds_cache[key] = _evaluate(statement, context, True)
    return cached


def first_false(statement: Statement, context: Context) -> Test:
    """The first MFA test (then availability test) that is false in `context` (the statement must not hold there)."""
    for t in statement.mfa_tests:
        if not test_holds(t, context):
            return t
    return next(t for t in availability_tests(statement) if availability.verdict(t, context) is False)


def holds_anywhere(statement: Statement) -> bool:
    """Whether the MFA tests alone can hold together in any request, trying ages around every threshold."""
    ages = sample_ages(_thresholds(statement))
    contexts = [LT, NM] + [
        Context("MF", "MFA session", 2, "true", age, "MFA sessions") for age in ages
    ]
    return any(all(test_holds(t, c) for t in statement.mfa_tests) for c in contexts)
