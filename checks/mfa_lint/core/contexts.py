"""The four request contexts that matter for MFA, which of them occur for each policy kind, and how one condition
test evaluates in a request.

LONG_TERM_KEYS (LT)  long-term access keys (CLI/SDK) and anonymous requests: both MFA keys absent.
NO_MFA_SESSION (NM)  temporary credentials without MFA: MultiFactorAuthPresent = false, age absent.
OLD_MFA (MFo)        MFA long ago: present = true, age larger than any threshold.
FRESH_MFA (MFf)      MFA just now: present = true, age 0.
Semantics (absent keys, IfExists, Null, set qualifiers, negation) follow semantics.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from mfa_lint.core.arns import arn_matches
from mfa_lint.core.globs import matches
from mfa_lint.core.keys import AGE, PRESENT
from mfa_lint.core.operators import Operator


@dataclass(frozen=True)
class Context:
    id: str  # short id (LT, NM, MFo, MFf): Finding.escapes, tests
    name: str  # what a reader understands
    rank: int
    present: str | None  # value of aws:MultiFactorAuthPresent, None when absent
    age: float | None  # value of aws:MultiFactorAuthAge in seconds, None when absent
    callers: str  # who makes requests in this context, for messages

    def value_of(self, key: str) -> str | float | None:
        """The request value of a canonical (lower-case) key; every other key (typos included) is absent."""
        if key == PRESENT:
            return self.present
        if key == AGE:
            return self.age
        return None


LONG_TERM_KEYS = Context("LT", "long-term access keys", 0, None, None,
                         "AWS CLI calls signed with long-term access keys")
NO_MFA_SESSION = Context(
    "NM", "session without MFA", 1, "false", None,
    "sessions without MFA (console sign-in without MFA, role sessions, federated users)",
)
OLD_MFA = Context("MFo", "MFA long ago", 2, "true", math.inf, "MFA sessions whose MFA is older than the threshold")
FRESH_MFA = Context("MFf", "fresh MFA", 3, "true", 0.0, "sessions with fresh MFA")
LT, NM, MFO, MFF = LONG_TERM_KEYS, NO_MFA_SESSION, OLD_MFA, FRESH_MFA
CONTEXTS = (LT, NM, MFO, MFF)

#: Role permission policies are evaluated only for sessions of the role: temporary credentials always carry
#: aws:MultiFactorAuthPresent, so long-term keys never reach them (semantics.md, "When the MFA keys are in the
#: request").
_ROLE_CONTEXTS = (NM, MFO, MFF)


def contexts_for(kind: str) -> tuple[Context, ...]:
    """The request contexts that can occur for the callers of a policy of this kind."""
    return _ROLE_CONTEXTS if kind == "role" else CONTEXTS

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_BOOL_WORDS = ("true", "false")


def as_number(text: str) -> Decimal | None:
    """A policy value under a Numeric operator, or None when it is not a number."""
    if not isinstance(text, str) or not _NUMBER.fullmatch(text.strip()):
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def bool_word(text: str) -> str | None:
    """'true'/'false' for a Bool value in any case (checkov renders booleans as "False"/"True"), else None."""
    low = text.lower() if isinstance(text, str) else None
    return low if low in _BOOL_WORDS else None


def request_string(value: str | float) -> str:
    if isinstance(value, float):
        if math.isinf(value):
            return "1000000000"
        return str(int(value)) if value.is_integer() else repr(value)
    return value


def _glob(pattern: str, text: str, ignore_case: bool = False) -> bool:
    return matches(pattern, text, ignore_case)


def _compare(base: str, request: float, threshold: Decimal) -> bool:
    r = Decimal("Infinity") if math.isinf(request) else Decimal(repr(request))
    return {
        "NumericEquals": r == threshold,
        "NumericNotEquals": r == threshold,  # positive form; negation applied by the caller
        "NumericLessThan": r < threshold,
        "NumericLessThanEquals": r <= threshold,
        "NumericGreaterThan": r > threshold,
        "NumericGreaterThanEquals": r >= threshold,
    }[base]


def _matches(op: Operator, request: str | float, value: str) -> bool:
    """Whether one policy value matches the request value under the operator's positive form."""
    family, base = op.family, op.base
    if family == "Bool":
        word = bool_word(value)
        return word is not None and isinstance(request, str) and word == request.lower()
    if family == "String":
        text = request_string(request)
        if base in ("StringLike", "StringNotLike"):
            return _glob(value, text)
        if base.endswith("IgnoreCase"):
            return value.casefold() == text.casefold()
        return value == text
    if family == "Numeric":
        threshold = as_number(value)
        if threshold is None or not isinstance(request, float):
            return False
        return _compare(base, request, threshold)
    if family == "Arn":
        return isinstance(request, str) and arn_matches(value, request)
    # Date, IpAddress, Binary: an MFA key's value ("true", a number of seconds) never parses as these.
    return False


def evaluate(op: Operator, request: str | float | None, values: list[str]) -> bool:
    """Whether a test (operator, values) holds for a request whose key has value `request` (None: absent)."""
    if op.base == "Null":
        words = {bool_word(v) for v in values}
        return ("true" in words) if request is None else ("false" in words)
    if request is None:
        if op.if_exists or op.qualifier == "ForAllValues":
            return True
        if op.qualifier == "ForAnyValue":
            return False
        return op.negated
    matched = any(_matches(op, request, v) for v in values)
    return not matched if op.negated else matched


def sample_ages(thresholds: list[Decimal]) -> list[float]:
    """Ages to try when asking whether MFA tests can hold at all: 0, infinity, and around every threshold."""
    ages = {0.0, math.inf}
    for t in thresholds:
        for delta in (-1, -0.5, 0, 0.5, 1):
            age = float(t) + delta
            if age >= 0:
                ages.add(age)
    return sorted(ages)
