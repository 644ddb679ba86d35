"""What the rule modules share: building a finding, naming a statement, the reference-pattern texts."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from mfa_lint.core.callers import Callers
from mfa_lint.core.contexts import Context
from mfa_lint.core.coverage import MFA_SELF_SERVICE
from mfa_lint.core.findings import Finding
from mfa_lint.core.model import Statement, Test
from mfa_lint.core.operators import parse_operator

NO_MFA = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
SELF_SERVICE_LIST = ", ".join(MFA_SELF_SERVICE)
COMPANION_ADVICE = (
    'add a Deny with "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"} over the same actions and resources'
)


def no_mfa_advice(callers: Callers) -> str:
    """What to do when no caller of a statement can carry MFA (no operator makes the condition work)."""
    return (f"no caller of this statement can carry MFA ({callers.describe()}), so no MFA condition can require "
            "it here: require MFA where they authenticate (the identity provider, IAM Identity Center) and remove "
            "the MFA condition, or admit callers that can use MFA")


def label(statement: Statement) -> str:
    if statement.sid:
        return f"statement {statement.sid!r}"
    return f"statement {statement.index}" if statement.index is not None else "the statement"


def finding(rule_id: str, statement: Statement, message: str, test: Test | None = None, fix: str | None = None,
            escapes: Iterable[Context] = (), advice: str | None = None) -> Finding:
    return Finding(
        rule_id=rule_id,
        message=message,
        statement_index=statement.index,
        path=test.path if test is not None else statement.path,
        fix=fix,
        operator=test.operator_name if test is not None else None,
        key=test.key if test is not None else None,
        sid=statement.sid,
        escapes=tuple(c.id for c in escapes),
        advice=advice,
    )


def with_operator(statement: Statement, test: Test, new_name: str) -> Statement:
    """A copy of the statement with one test's operator renamed (to try a fix)."""
    replaced = dataclasses.replace(test, operator_name=new_name, operator=parse_operator(new_name))
    return dataclasses.replace(statement, tests=[replaced if t is test else t for t in statement.tests])
