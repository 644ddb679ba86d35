"""ARN patterns compared segment by segment: partition, service, region, account, resource.

IAM matches a Resource ARN and the `Arn*` condition operators one colon-delimited segment at a time; a wildcard
stays inside its segment (IAM User Guide, reference_policies_elements_resource.html and
reference_policies_elements_condition_operators.html#Conditions_ARN). So `arn:aws:s3:::bucket/*` can never be an
IAM user or MFA device, while `*` alone matches every ARN. A pattern with fewer than six segments that ends in `*`
is read as if its last `*` filled the missing segments (the safe reading for "may it match?").
"""

from __future__ import annotations

from functools import lru_cache

from mfa_lint.core.globs import contains, matches, matches_all, overlap

_SEGMENTS = 6


@lru_cache(maxsize=65536)
def segments(pattern: str) -> tuple[str, ...] | None:
    """The six segments of an ARN pattern, or None when it is not an ARN (it then matches no ARN)."""
    parts = pattern.split(":", _SEGMENTS - 1)
    if parts[0].lower() != "arn" and not parts[0] == "*":
        return None
    if len(parts) == _SEGMENTS:
        return tuple(parts)
    if pattern.endswith("*"):
        return tuple(parts + ["*"] * (_SEGMENTS - len(parts)))
    return None


def arn_matches(pattern: str, arn: str) -> bool:
    """ArnLike/ArnEquals: a request ARN matched by a pattern, segment by segment, case-sensitively."""
    if matches_all(pattern):
        return True
    want, have = segments(pattern), arn.split(":", _SEGMENTS - 1)
    if want is None or len(have) != _SEGMENTS:
        return False
    return all(matches(w, h, ignore_case=False) for w, h in zip(want, have, strict=True))


def arn_overlap(a: str, b: str) -> bool:
    """Some ARN is matched by both patterns."""
    if matches_all(a) or matches_all(b):
        return True
    sa, sb = segments(a), segments(b)
    if sa is None or sb is None:
        return False
    return all(overlap(x, y, ignore_case=False) for x, y in zip(sa, sb, strict=True))


def arn_contains(outer: str, inner: str) -> bool:
    """Every ARN matched by `inner` is matched by `outer`."""
    if matches_all(outer):
        return True
    so, si = segments(outer), segments(inner)
    if so is None or si is None:
        return outer == inner
    return all(x == y or contains(x, y, ignore_case=False) for x, y in zip(so, si, strict=True))


def partition(patterns: list[str]) -> str:
    """The partition a statement's ARNs name (`aws`, `aws-cn`, `aws-us-gov`…), `aws` when none names one.

    A policy lives in one partition: `arn:aws:iam::*:mfa/*` exempts enrolment there, although it does not contain
    `arn:*:iam::*:mfa/*`.
    """
    for pattern in patterns:
        parts = segments(pattern)
        if parts is not None and parts[1] and "*" not in parts[1] and "?" not in parts[1]:
            return parts[1]
    return "aws"
