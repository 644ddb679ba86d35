"""A statement's MFA tests evaluated in a request context (rules.md: holds(S, c))."""

from __future__ import annotations

from mfa_lint.core.contexts import LT, NM, Context, as_number, evaluate, sample_ages
from mfa_lint.core.keys import AGE
from mfa_lint.core.model import Statement, Test


def test_holds(test: Test, context: Context) -> bool:
    request = None if test.like_target else context.value_of(test.canonical_key)
    return evaluate(test.operator, request, [str(v) for v in test.values])


def holds(statement: Statement, context: Context) -> bool:
    """The AND of the statement's MFA tests in `context` (tests on other keys are assumed able to hold)."""
    cached = statement.holds_cache.get(context)
    if cached is None:
        cached = statement.holds_cache[context] = all(test_holds(t, context) for t in statement.mfa_tests)
    return cached


def first_false(statement: Statement, context: Context) -> Test:
    """The first MFA test that is false in `context` (the statement must not hold there)."""
    return next(t for t in statement.mfa_tests if not test_holds(t, context))


def holds_anywhere(statement: Statement) -> bool:
    """Whether the MFA tests can hold together in any request, trying ages around every threshold."""
    thresholds = [
        n
        for t in statement.mfa_tests
        if t.canonical_key == AGE
        for n in (as_number(str(v)) for v in t.values)
        if n is not None
    ]
    contexts = [LT, NM] + [
        Context("MF", "MFA session", 2, "true", age, "MFA sessions") for age in sample_ages(thresholds)
    ]
    return any(holds(statement, c) for c in contexts)
