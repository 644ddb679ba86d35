"""Does one statement cover another? Action, resource, principal and condition coverage for MFA001 companions,
and action and resource reach for MFA005. When unsure, the answer is "does not cover".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from mfa_lint.core.arns import arn_contains, arn_overlap, partition
from mfa_lint.core.availability import is_availability_test
from mfa_lint.core.globs import contains, matches, matches_all, overlap
from mfa_lint.core.model import Statement
from mfa_lint.core.values import Unknown

_OWN_USER = re.compile(r"\$\{aws:username\}", re.IGNORECASE)

#: AWS's DenyAllExceptListedIfNoMFA leaves these open so that a user without MFA can enrol a device.
MFA_SELF_SERVICE = (
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
)
#: The enrolment actions and the resource type each is authorised on (Service Authorization Reference, IAM).
MFA_ENROLMENT = {
    "iam:CreateVirtualMFADevice": "arn:{partition}:iam::*:mfa/*",
    "iam:EnableMFADevice": "arn:{partition}:iam::*:user/*",
}


def _known(items: list[str | Unknown] | None) -> list[str] | None:
    """The patterns, or None when any of them is unresolved (then nothing can be concluded)."""
    if items is None:
        return None
    if any(isinstance(i, Unknown) for i in items):
        return None
    return [str(i) for i in items]


@lru_cache(maxsize=65536)
def _self_service(pattern: str) -> bool:
    return any(contains(s, pattern) for s in MFA_SELF_SERVICE)


def _element_covers(
    t_in: list[str | Unknown] | None,
    t_not: list[str | Unknown] | None,
    s_in: list[str | Unknown] | None,
    s_not: list[str | Unknown] | None,
    *,
    ignore_case: bool,
    exempt: Any = lambda pattern: False,
    inside: Callable[[str, str], bool] | None = None,
    meets: Callable[[str, str], bool] | None = None,
) -> bool:
    """T's set (t_in, or everything but t_not) contains S's set minus exempt patterns. Missing element: everything."""
    if t_in is None and t_not is None:
        return True
    inside = inside or (lambda outer, inner: contains(outer, inner, ignore_case))
    meets = meets or (lambda a, b: overlap(a, b, ignore_case))
    t_in_k, t_not_k, s_in_k, s_not_k = _known(t_in), _known(t_not), _known(s_in), _known(s_not)
    if t_in is not None:
        if t_in_k is None:
            return False
        if any(matches_all(t) for t in t_in_k):
            return True
        if s_in is None:
            return False  # S covers everything but a list: only "*" in T covers it
        if s_in_k is None:
            return False
        return all(exempt(a) or any(inside(t, a) for t in t_in_k) for a in s_in_k)
    # T is a NotX list
    if t_not_k is None:
        return False
    if s_in is not None:
        if s_in_k is None:
            return False
        return all(
            exempt(a) or all(not meets(a, n) or exempt(n) for n in t_not_k) for a in s_in_k
        )
    if s_not is None:
        return not t_not_k or all(exempt(n) for n in t_not_k)
    if s_not_k is None:
        return False
    return all(exempt(n) or any(inside(s, n) for s in s_not_k) for n in t_not_k)


def actions_cover(t: Statement, s: Statement) -> bool:
    return _element_covers(
        t.actions, t.not_actions, s.actions, s.not_actions, ignore_case=True, exempt=_self_service
    )


def resources_cover(t: Statement, s: Statement) -> bool:
    return _element_covers(t.resources, t.not_resources, s.resources, s.not_resources, ignore_case=False,
                           inside=arn_contains, meets=arn_overlap)


EVERYONE = frozenset({("AWS", "*")})


def principal_entries(principal: Any) -> frozenset[tuple[str, str]] | None:
    """A Principal/NotPrincipal value as a set of (type, id) pairs; `"*"` is everyone; None when it cannot be read."""
    if principal == "*":
        return EVERYONE
    if not isinstance(principal, dict) or not principal:
        return None
    out = set()
    for kind, ids in principal.items():
        for one in ids if isinstance(ids, list) else [ids]:
            if not isinstance(kind, str) or not isinstance(one, str):
                return None  # an intrinsic or an odd value: unsure
            out.add((kind, one))
    if ("AWS", "*") in out:
        return EVERYONE
    return frozenset(out)


def admits_everyone(s: Statement) -> bool:
    """Principal "*" (or {"AWS": "*"}) or a NotPrincipal: the statement reaches anonymous callers too."""
    return s.not_principal is not None or principal_entries(s.principal) == EVERYONE


def principals_cover(t: Statement, s: Statement) -> bool:
    """T applies to every principal S applies to: `*` covers any Principal or NotPrincipal, a superset list covers
    its members, a NotPrincipal covers what it does not exclude."""
    if t.principal is None and t.not_principal is None:
        return s.principal is None and s.not_principal is None
    if t.not_principal is not None:
        excluded = principal_entries(t.not_principal)
        if excluded is None:
            return False
        if s.not_principal is not None:
            s_excluded = principal_entries(s.not_principal)
            return s_excluded is not None and excluded <= s_excluded
        mine = principal_entries(s.principal)
        return mine is not None and mine != EVERYONE and not (mine & excluded)
    theirs = principal_entries(t.principal)
    if theirs == EVERYONE:
        return True
    if theirs is None or s.not_principal is not None:
        return False
    mine = principal_entries(s.principal)
    return mine is not None and mine <= theirs


def conditions_cover(t: Statement, s: Statement) -> bool:
    """T's non-MFA tests are a subset of S's: T applies wherever S does (as far as other keys go). T's tests on keys
    with the MFA key's availability are left out: the companion search only uses T where they surely hold."""
    if t.condition_opaque:
        return False
    theirs = [x for x in t.other_tests if not is_availability_test(x)]
    if not theirs:
        return True
    mine = {x.signature() for x in s.other_tests}
    return all(x.signature() in mine for x in theirs)


def statement_covers(t: Statement, s: Statement) -> bool:
    """T denies at least what S denies, apart from the MFA tests (rules.md, MFA001 companions)."""
    return (
        principals_cover(t, s) and conditions_cover(t, s) and actions_cover(t, s) and resources_cover(t, s)
    )


def covers_action(s: Statement, action: str) -> bool | None:
    """Whether S's actions include `action`; None when an unresolved value decides it."""
    if s.actions is not None:
        if any(isinstance(a, str) and matches(a, action) for a in s.actions):
            return True
        return None if any(isinstance(a, Unknown) for a in s.actions) else False
    if s.not_actions is not None:
        if any(isinstance(a, str) and matches(a, action) for a in s.not_actions):
            return False
        return None if any(isinstance(a, Unknown) for a in s.not_actions) else True
    return False


def _own(pattern: str, target: str) -> bool:
    """`…:user/${aws:username}` / `…:mfa/${aws:username}` exempts the caller's own user or device: enough to enrol."""
    own = _OWN_USER.sub("*", pattern)
    return own != pattern and arn_overlap(own, target)


def reaches_resource(s: Statement, target: str) -> bool | None:
    """Whether S's resources include some ARN of the pattern `target` (`{partition}` is filled from S's own ARNs),
    compared segment by segment; None when an unresolved value decides it."""
    known = [r for r in (s.resources or s.not_resources or []) if isinstance(r, str)]
    arn = target.format(partition=partition(known))
    if s.resources is not None:
        if any(isinstance(r, str) and arn_overlap(r, arn) for r in s.resources):
            return True
        return None if any(isinstance(r, Unknown) for r in s.resources) else False
    if s.not_resources is not None:
        if any(arn_contains(r, arn) or _own(r, arn) for r in known):
            return False
        return None if any(isinstance(r, Unknown) for r in s.not_resources) else True
    return True
