"""Condition keys that are in a request exactly when aws:MultiFactorAuthPresent is (rules.md, "Keys with the MFA
key's availability").

aws:TokenIssueTime is included in the request context only when the principal uses temporary credentials; it is
not present in requests made with access keys (IAM User Guide, reference_policies_condition-keys.html#condition-keys-
tokenissuetime). So in LT it is absent, and everywhere else it is present with a date nobody can know: a `Null`
test on it is decided in every context, any other test only in LT.
"""

from __future__ import annotations

from mfa_lint.core.contexts import Context, evaluate
from mfa_lint.core.model import Test
from mfa_lint.core.values import Unknown

AVAILABILITY_KEYS = frozenset({"aws:tokenissuetime"})
_PRESENT = "\0a value nobody knows"


def is_availability_test(test: Test) -> bool:
    return test.operator is not None and test.canonical_key in AVAILABILITY_KEYS


def verdict(test: Test, context: Context) -> bool | None:
    """Whether the test holds in `context`; None when the (unknown) value of the present key decides it."""
    op = test.operator
    unknown = any(isinstance(v, Unknown) for v in test.values)
    if context.present is None:  # the key is absent like the MFA key
        if op.base == "Null":
            return None if unknown else evaluate(op, None, [str(v) for v in test.values])
        return evaluate(op, None, [])  # on an absent key the values do not matter
    if op.base == "Null" and not unknown:
        return evaluate(op, _PRESENT, [str(v) for v in test.values])
    return None
