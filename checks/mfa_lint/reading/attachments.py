"""What a policy is attached to decides its kind and its callers (rules.md, "Callers" and "Policy kind").

A role's policy is met by the sessions its trust policy admits (services only: sessions that never carry MFA); a
permission set's by IAM Identity Center sessions; a user's or group's by IAM users. A managed policy is met by the
callers of everything it is attached to: attached only to roles it is a role policy, to users or groups (also
beside roles) an identity policy with both kinds of callers. Each format's wing works out the attachments of its
scan unit (a Terraform module, a plan, a template: formats/<language>/attachments.py); this module holds what they
share: the answer (`Placement`) and the rule that turns attachments into it.

When the scan unit does not show everything (a managed policy whose ARN leaves it through an output or a module
argument, a policy attached by name to a role defined elsewhere), the answer is the one without attachments: the
kind from the resource table and the kind's default callers (v2's behaviour). A role whose trust policy is not in
the scan unit gives its policies "role sessions", the role kind's default. So an incomplete graph never adds a
finding, and never drops a policy: it only keeps today's verdict.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mfa_lint.core.callers import CallerClass, Callers, callers_from_trust, default_callers
from mfa_lint.core.keys import may_mention_mfa
from mfa_lint.core.policy_kinds import PolicyKind

#: callers of a policy attached to IAM users or groups (a group's members are users)
IAM_USERS = Callers.of(CallerClass.IAM_USERS)
#: callers of a permission set's policies (inline, customer managed, boundary): aws:MultiFactorAuthPresent is false
SSO_SESSIONS = Callers.of(CallerClass.SSO_SESSIONS)


@dataclass(frozen=True)
class Placement:
    """The kind a policy is judged as and its callers (None: the kind's default callers)."""

    kind: PolicyKind
    callers: Callers | None = None


def role_sessions(trust: Any, role: str | None) -> Callers:
    """The sessions of a role, from its trust policy (None or unreadable: role sessions, the role kind's default)."""
    return callers_from_trust(trust, role=role)


def service_sessions(services: Iterable[str], label: str) -> Callers:
    """The sessions of a role an AWS service creates for a resource (a SAM function's role: lambda.amazonaws.com)."""
    return Callers.of(CallerClass.SERVICE_ROLE_SESSIONS, names=list(services), label=label)


@dataclass
class Attachments:
    """Where one managed policy is attached, as far as the scan unit shows.

    `roles`: the sessions of each role it is attached to; `users`: attached to some IAM user or group; `sso`: to
    some permission set; `elsewhere`: referenced where the scan unit cannot follow (an output, a module argument, a
    local, a property the graph does not read), so it may be attached to anything.
    """

    roles: list[Callers] = field(default_factory=list)
    users: bool = False
    sso: bool = False
    elsewhere: bool = False

    @property
    def known(self) -> bool:
        return not self.elsewhere and bool(self.roles or self.users or self.sso)

    def placement(self, kind: PolicyKind) -> Placement:
        """Roles (and permission sets) only -> a role policy; users or groups among them -> an identity policy whose
        callers are the users and every role's sessions; nothing known -> `kind` with its default callers."""
        if not self.known:
            return Placement(kind)
        callers = union(self.roles)
        if self.sso:
            callers = callers | SSO_SESSIONS
        if self.users:
            return Placement(PolicyKind.IDENTITY, IAM_USERS | callers)
        return Placement(PolicyKind.ROLE, callers)


def union(parts: Iterable[Callers]) -> Callers:
    out = Callers()
    for part in parts:
        out = out | part
    return out


def merged(placements: Iterable[Placement]) -> list[Placement]:
    """One placement per kind for a document used in several places (a policy-document data source used by two
    roles): the union of their callers, a use with default callers adding the kind's defaults; None when no use
    knows more than the default."""
    by_kind: dict[PolicyKind, list[Callers | None]] = {}
    for placement in placements:
        by_kind.setdefault(PolicyKind(placement.kind), []).append(placement.callers)
    out = []
    for kind, callers in by_kind.items():
        if all(c is None for c in callers):
            out.append(Placement(kind))
        else:
            out.append(Placement(kind, union(c if c is not None else default_callers(kind) for c in callers)))
    return out


def mentions_mfa(document: Any, limit: int = 20_000) -> bool:
    """Whether a document may hold an MFA test: only then is it worth working out its attachments (bounded walk;
    errs towards True)."""
    stack = [document]
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(node, str):
            if may_mention_mfa(node):
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
        elif node is not None and not isinstance(node, (bool, int, float)) and may_mention_mfa(str(node)):
            return True
    return False
