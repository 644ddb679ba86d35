"""Does one statement cover another? Action, resource, principal and condition coverage for MFA001 companions,
and action coverage for MFA005. When unsure, the answer is "does not cover".
"""

from __future__ import annotations

import json
from typing import Any

from mfa_lint.core.globs import contains, matches, matches_all, overlap
from mfa_lint.core.model import Statement
from mfa_lint.core.values import Unknown

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
MFA_ENROLMENT = ("iam:CreateVirtualMFADevice", "iam:EnableMFADevice")


def _known(items: list[str | Unknown] | None) -> list[str] | None:
    """The patterns, or None when any of them is unresolved (then nothing can be concluded)."""
    if items is None:
        return None
    if any(isinstance(i, Unknown) for i in items):
        return None
    return [str(i) for i in items]


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
) -> bool:
    """T's set (t_in, or everything but t_not) contains S's set minus exempt patterns. Missing element: everything."""
    if t_in is None and t_not is None:
        return True
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
        return all(exempt(a) or any(contains(t, a, ignore_case) for t in t_in_k) for a in s_in_k)
    # T is a NotX list
    if t_not_k is None:
        return False
    if s_in is not None:
        if s_in_k is None:
            return False
        return all(
            exempt(a) or all(not overlap(a, n, ignore_case) or exempt(n) for n in t_not_k) for a in s_in_k
        )
    if s_not is None:
        return not t_not_k or all(exempt(n) for n in t_not_k)
    if s_not_k is None:
        return False
    return all(exempt(n) or any(contains(s, n, ignore_case) for s in s_not_k) for n in t_not_k)


def actions_cover(t: Statement, s: Statement) -> bool:
    return _element_covers(
        t.actions, t.not_actions, s.actions, s.not_actions, ignore_case=True, exempt=_self_service
    )


def resources_cover(t: Statement, s: Statement) -> bool:
    return _element_covers(t.resources, t.not_resources, s.resources, s.not_resources, ignore_case=False)


def _principal_key(principal: Any) -> str:
    if principal in ("*", {"AWS": "*"}, {"AWS": ["*"]}):
        return "*"
    if isinstance(principal, dict):
        principal = {k: sorted(v) if isinstance(v, list) else [v] for k, v in principal.items()}
    return json.dumps(principal, sort_keys=True, default=str)


def principals_cover(t: Statement, s: Statement) -> bool:
    if t.not_principal is not None or s.not_principal is not None:
        return _principal_key(t.not_principal) == _principal_key(s.not_principal) and _principal_key(
            t.principal
        ) == _principal_key(s.principal)
    if t.principal is None and s.principal is None:
        return True
    return _principal_key(t.principal) == "*" or _principal_key(t.principal) == _principal_key(s.principal)


def conditions_cover(t: Statement, s: Statement) -> bool:
    """T's non-MFA tests are a subset of S's: T applies wherever S does (as far as other keys go)."""
    if t.condition_opaque:
        return False
    mine = {x.signature() for x in s.other_tests}
    return all(x.signature() in mine for x in t.other_tests)


def statement_covers(t: Statement, s: Statement) -> bool:
    """T denies at least what S denies, apart from the MFA tests (rules.md, MFA001 companions)."""
    return (
        actions_cover(t, s) and resources_cover(t, s) and principals_cover(t, s) and conditions_cover(t, s)
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


def may_touch_iam(s: Statement) -> bool:
    """Whether S's resources can include IAM users or MFA devices (enrolment needs them)."""
    targets = ("arn:*:iam::*:mfa/*", "arn:*:iam::*:user/*")
    if s.resources is not None:
        return any(isinstance(r, Unknown) or any(overlap(r, t, False) for t in targets) for r in s.resources)
    if s.not_resources is not None:
        known = [r for r in s.not_resources if isinstance(r, str)]
        return not all(any(contains(r, t, False) for r in known) for t in targets)
    return True
