"""MFA001–MFA005, each defined once, over statements whose values are all known (rules.md is the spec).

Each rule function takes one statement (and its document, for companions) and returns findings; the analyzer
handles unresolved values, rule precedence (MFA003 silences the others) and policy kinds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from mfa_lint.core.contexts import CONTEXTS, LT, MFF, MFO, NM, Context, as_number, bool_word, evaluate, sample_ages
from mfa_lint.core.coverage import MFA_ENROLMENT, covers_action, may_touch_iam, statement_covers
from mfa_lint.core.findings import Finding, Note
from mfa_lint.core.globs import contains, matches
from mfa_lint.core.keys import AGE, MFA_KEYS, PRESENT
from mfa_lint.core.model import Statement, Test
from mfa_lint.core.operators import Operator, parse_operator

_CANNOT_APPLY = {"Date", "IpAddress", "Arn", "Binary"}


# ---------------------------------------------------------------- evaluation


def test_holds(test: Test, context: Context) -> bool:
    request = None if test.like_target else context.value_of(test.canonical_key)
    return evaluate(test.operator, request, [str(v) for v in test.values])


def holds(statement: Statement, context: Context) -> bool:
    """The AND of the statement's MFA tests in `context` (tests on other keys are assumed able to hold)."""
    return all(test_holds(t, context) for t in statement.mfa_tests)


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
        Context("MF", 2, "true", age, "MFA sessions") for age in sample_ages(thresholds)
    ]
    return any(holds(statement, c) for c in contexts)


def _with_operator(statement: Statement, test: Test, new_name: str) -> Statement:
    replaced = dataclasses.replace(test, operator_name=new_name, operator=parse_operator(new_name))
    return dataclasses.replace(statement, tests=[replaced if t is test else t for t in statement.tests])


def _label(statement: Statement) -> str:
    return f"statement {statement.sid!r}" if statement.sid else (
        f"statement {statement.index}" if statement.index is not None else "the statement"
    )


def _finding(rule_id: str, statement: Statement, message: str, test: Test | None, fix: str | None = None,
             escapes: Iterable[Context] = ()) -> Finding:
    return Finding(
        rule_id=rule_id,
        message=message,
        statement_index=statement.index,
        path=test.path if test is not None else statement.path,
        fix=fix,
        operator=test.operator_name if test is not None else None,
        key=test.key if test is not None else None,
        sid=statement.sid,
        escapes=tuple(c.name for c in escapes),
    )


def _why_false(test: Test, context: Context) -> str:
    key = MFA_KEYS.get(test.canonical_key, test.key)
    if context.value_of(test.canonical_key) is None:
        who = "requests signed with long-term keys (CLI, SDK, API)" if context is LT else "their requests"
        return f"{key} is absent from {who} and {test.operator_name} is false for an absent key"
    return f"{test.operator_name} {key} does not match their value"


# ---------------------------------------------------------------- MFA003


def broken_tests(statement: Statement) -> list[tuple[Test, str]]:
    """MFA003: tests that cannot work, each with what is wrong."""
    problems: list[tuple[Test, str]] = []
    for t in statement.mfa_tests:
        op, family, key = t.operator, t.operator.family, t.canonical_key
        if t.like_target:
            problems.append((t, f"{t.key!r} is not a key AWS sets, so it is always absent and {t.operator_name} "
                                f"never tests MFA: did you mean {t.like_target}?"))
            continue
        spelled = MFA_KEYS[key]
        if family in _CANNOT_APPLY or (key == PRESENT and family == "Numeric") or (key == AGE and family == "Bool"):
            problems.append((t, f"{t.operator_name} cannot apply to {spelled} "
                                f"({'a boolean' if key == PRESENT else 'a number of seconds'})"))
            continue
        for v in t.values:
            text = str(v)
            if (op.base in ("Bool", "Null") and bool_word(text) is None) or (
                family == "Numeric" and as_number(text) is None
            ):
                expected = "true or false" if op.base in ("Bool", "Null") else "a number"
                problems.append((t, f"{t.operator_name} {spelled} has the value {text!r}, which is not {expected}, "
                                    "so it never matches"))
                break
    if not problems and not holds_anywhere(statement):
        first = statement.mfa_tests[0]
        if len(statement.mfa_tests) == 1:
            values = ", ".join(repr(str(v)) for v in first.values)
            why = f"{first.operator_name} {MFA_KEYS[first.canonical_key]} {values} matches no request"
            if first.operator.family == "String" and first.canonical_key == PRESENT:
                why += ' (string operators compare case-sensitively: IAM sends "true" or "false")'

        else:
            why = ("the MFA tests of this statement contradict each other and together hold in no request, so the "
                   "statement never applies as intended")
        problems.append((first, why))
    return problems


def mfa003(statement: Statement) -> list[Finding]:
    return [
        _finding("MFA003", statement, f"MFA condition cannot work: {why}.", test)
        for test, why in broken_tests(statement)
    ]


# ---------------------------------------------------------------- MFA001


def _companion_covers(statement: Statement, others: list[Statement], context: Context) -> bool:
    return any(
        t is not statement and t.effect == "Deny" and holds(t, context) and statement_covers(t, statement)
        for t in others
    )


def _mfa001_escapes(statement: Statement, others: list[Statement]) -> list[Context]:
    if statement.effect != "Deny" or holds(statement, MFF):
        return []
    holding = [c for c in (LT, NM, MFO) if holds(statement, c)]
    if not holding:
        return []
    strongest = max(c.rank for c in holding)
    return [
        c
        for c in CONTEXTS
        if c.rank < strongest and not holds(statement, c) and not _companion_covers(statement, others, c)
    ]


def mfa001(statement: Statement, others: list[Statement]) -> list[Finding]:
    escapes = _mfa001_escapes(statement, others)
    if not escapes:
        return []
    weakest = escapes[0]
    test = _first_false(statement, weakest)
    fix = None
    op: Operator = test.operator
    if not op.if_exists and op.base != "Null":
        candidate = op.spelled(if_exists=True)
        patched = _with_operator(statement, test, candidate)
        patched_others = [patched if o is statement else o for o in others]
        if not _mfa001_escapes(patched, patched_others):
            fix = candidate
    who = "; ".join(f"{c.callers} are not denied: {_why_false(_first_false(statement, c), c)}" for c in escapes)
    message = f"MFA deny fails open: {who}."
    if fix:
        message += f" Use {fix}."
    return [_finding("MFA001", statement, message, test, fix, escapes)]


def _first_false(statement: Statement, context: Context) -> Test:
    return next(t for t in statement.mfa_tests if not test_holds(t, context))


# ---------------------------------------------------------------- MFA002


def _mfa002_escape(statement: Statement) -> Context | None:
    if statement.effect != "Allow" or not holds(statement, MFF):
        return None
    if holds(statement, LT):
        return LT
    if holds(statement, NM) and any(
        t.canonical_key == PRESENT and t.operator.base != "Null" and not t.like_target for t in statement.mfa_tests
    ):
        return NM
    return None


def _strict_variants(op: Operator) -> list[str]:
    out = []
    if op.if_exists:
        out.append(op.spelled(if_exists=False))
    if op.qualifier == "ForAllValues":
        out.append(op.spelled(qualifier=None))
        if op.if_exists:
            out.append(op.spelled(qualifier=None, if_exists=False))
    return out


def mfa002(statement: Statement) -> list[Finding]:
    escape = _mfa002_escape(statement)
    if escape is None:
        return []
    candidates = [t for t in statement.mfa_tests if test_holds(t, escape)]
    chosen, fix = None, None
    for t in candidates:
        for variant in _strict_variants(t.operator):
            if _mfa002_escape(_with_operator(statement, t, variant)) is None:
                chosen, fix = t, variant
                break
        if chosen:
            break
    if chosen is None:
        on_present = [t for t in candidates if t.canonical_key == PRESENT and t.operator.base != "Null"]
        chosen = (on_present or candidates or statement.mfa_tests)[0]
    key = MFA_KEYS.get(chosen.canonical_key, chosen.key)
    state = "absent" if escape.value_of(chosen.canonical_key) is None else f"{escape.value_of(chosen.canonical_key)}"
    message = (
        f"MFA allow fails open: {escape.callers} are allowed without MFA, because {chosen.operator_name} {key} "
        f"also holds when the key is {state}."
    )
    if fix:
        message += f" Use {fix}."
    return [_finding("MFA002", statement, message, chosen, fix, [escape])]


# ---------------------------------------------------------------- MFA004

_ROLE_ARN = "arn:aws:iam::*:role/*"


def _is_user_arn(value: str) -> bool:
    return ":user/" in value and ":role/" not in value and "assumed-role" not in value


def _excludes_role_sessions(test: Test) -> bool | None:
    """Whether this test is false for every role session; None when an unresolved value decides it."""
    op, key = test.operator, test.canonical_key
    if op is None:
        return False
    if test.has_unknown and key in ("aws:principaltype", "aws:principalarn"):
        return None
    values = [str(v) for v in test.values]
    ignore_case = op.base.endswith("IgnoreCase")
    if key == "aws:principaltype" and op.family == "String":
        hit = any(matches(v, "AssumedRole", ignore_case) if "Like" in op.base else
                  (v.casefold() == "assumedrole" if ignore_case else v == "AssumedRole") for v in values)
        return hit if op.negated else (bool(values) and not hit)
    if key == "aws:principalarn" and op.family in ("Arn", "String"):
        if op.negated:
            return any(contains(v, _ROLE_ARN, ignore_case=False) for v in values)
        return bool(values) and all(_is_user_arn(v) for v in values)
    if key == "aws:username" or key.startswith("aws:principaltag/"):
        if op.base == "Null":
            return {bool_word(v) for v in values} == {"false"}
        return not op.if_exists and op.qualifier != "ForAllValues" and not op.negated
    return False


def mfa004(statement: Statement, notes: list[Note]) -> list[Finding]:
    if statement.effect != "Deny" or not holds(statement, NM):
        return []
    verdicts = [_excludes_role_sessions(t) for t in statement.other_tests]
    if any(v is True for v in verdicts):
        return []
    if any(v is None for v in verdicts):
        notes.append(Note("unresolved value: whether this MFA deny is scoped to IAM users depends on an unresolved "
                          "value", statement.path, statement.index))
        return []
    message = (
        "MFA deny in a service/resource control policy also denies role sessions, federated and IAM Identity Center "
        "users (they carry aws:MultiFactorAuthPresent = false): automation and cross-account roles break. "
        'Scope it to IAM users with "StringEquals": {"aws:PrincipalType": "User"}.'
    )
    return [_finding("MFA004", statement, message, None, escapes=[NM])]


# ---------------------------------------------------------------- MFA005


def _no_long_term_keys_idiom(statement: Statement) -> bool:
    """Deny with `Null aws:MultiFactorAuthPresent true` alone: deliberately not reported (rules.md)."""
    return holds(statement, LT) and not any(holds(statement, c) for c in (NM, MFO, MFF))


def mfa005(statement: Statement, notes: list[Note]) -> list[Finding]:
    if statement.effect != "Deny" or not (holds(statement, LT) or holds(statement, NM)):
        return []
    if _no_long_term_keys_idiom(statement):
        return []
    if not may_touch_iam(statement):
        return []
    verdicts = {a: covers_action(statement, a) for a in MFA_ENROLMENT}
    blocked = [a for a, v in verdicts.items() if v]
    if not blocked:
        if any(v is None for v in verdicts.values()):
            notes.append(Note("unresolved value: whether this MFA deny blocks MFA enrolment depends on an "
                              "unresolved action", statement.path, statement.index))
        return []
    message = (
        f"MFA deny also blocks {' and '.join(blocked)} for callers without MFA, so a user without MFA cannot enrol "
        "a device. Exempt AWS's DenyAllExceptListedIfNoMFA actions with NotAction."
    )
    return [_finding("MFA005", statement, message, None, escapes=[c for c in (LT, NM) if holds(statement, c)])]

