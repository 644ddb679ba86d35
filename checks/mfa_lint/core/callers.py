"""Who makes the requests a policy statement meets (rules.md, "Callers"), and the callers API for readers.

A rule can only be judged against the callers a statement really has: a role's sessions always carry
aws:MultiFactorAuthPresent, AWS services and federated identities never carry MFA, anonymous requests carry no key at
all. A caller is a `Caller`: a `CallerClass` (what AWS puts into its requests) plus names for messages (the service
or identity provider). `Callers` is a small immutable set of them.

Where callers come from:

- from outside the document (its attachments), passed by a reader::

      analyze_document(policy, "role", callers=callers_from_trust(trust_policy))     # a role's own policies
      analyze_document(policy, "role", callers=Callers.of(CallerClass.SSO_SESSIONS))  # a permission set's policy
      analyze_document(policy, "identity", callers=Callers.of(CallerClass.IAM_USERS) | callers_from_trust(trust))

  Without `callers` the kind decides (`default_callers`): a role policy meets the role's sessions, every other kind
  meets principals of any type (the v2 behaviour, unchanged);
- from the statement's own `Principal`/`NotPrincipal` (`callers_from_principal`), which replaces the document's
  callers for that statement;
- narrowed by the statement's principal tests (`aws:PrincipalType`, `aws:PrincipalArn`, …), see core/samples.py.

Each class lists the request contexts (core/contexts.py) its requests can be in. Classes whose requests never carry
MFA cannot meet an MFA requirement: when every caller of a statement is such a class, MFA006 reports the lockout.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from mfa_lint.core.arns import segments
from mfa_lint.core.contexts import CONTEXTS, FRESH_MFA, LONG_TERM_KEYS, NO_MFA_SESSION, OLD_MFA, Context
from mfa_lint.core.globs import matches
from mfa_lint.core.values import Unknown

LT, NM, MFO, MFF = LONG_TERM_KEYS, NO_MFA_SESSION, OLD_MFA, FRESH_MFA


class CallerClass(str, Enum):
    """What AWS puts into the requests of one kind of caller (semantics.md, "Who can call")."""

    #: principals of any type, not narrowed (users with keys or console, role sessions, federated users): v2's callers
    PRINCIPALS = "principals"
    #: IAM users and the root user: long-term access keys, console sessions, GetSessionToken sessions
    IAM_USERS = "iam-users"
    #: sessions of IAM roles assumed by users or roles; they carry MFA when the session recorded it
    ROLE_SESSIONS = "role-sessions"
    #: IAM Identity Center (SSO) sessions: aws:MultiFactorAuthPresent is present and always false
    SSO_SESSIONS = "sso-sessions"
    #: sessions of a role that only AWS services assume (Lambda, EC2, ECS tasks): never MFA
    SERVICE_ROLE_SESSIONS = "service-role-sessions"
    #: sessions of a role assumed through SAML or OIDC federation: AWS cannot see the provider's MFA
    FEDERATED_ROLE_SESSIONS = "federated-role-sessions"
    #: GetFederationToken sessions ("federated users"): no MFA
    FEDERATED_USERS = "federated-users"
    #: privileged root sessions from sts:AssumeRoot (aws:AssumedRoot): no MFA
    ASSUMED_ROOT = "assumed-root"
    #: callers of sts:AssumeRoleWithSAML (a trust policy's SAML provider): no AWS MFA information
    SAML_FEDERATION = "saml-federation"
    #: callers of sts:AssumeRoleWithWebIdentity (a trust policy's OIDC provider, e.g. GitHub Actions)
    WEB_IDENTITY = "web-identity"
    #: AWS service principals acting themselves (a resource or trust policy's `Service`)
    AWS_SERVICES = "aws-services"
    #: unsigned requests to a public resource
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class ClassInfo:
    contexts: tuple[Context, ...]  # the request contexts its requests can be in
    label: str  # who they are, for messages
    #: the phrase for one context when it differs from the label (capable classes name the context)
    phrases: dict[str, str] = field(default_factory=dict)
    #: its requests may say that MFA was used: it can meet an MFA requirement
    capable: bool = False
    #: letting it through without MFA is an exposure (MFA001/MFA002 name it); services are admitted by design
    exposed: bool = True
    #: requests in LT: what lacks the key, for "… is absent from …"
    absent: str = ""
    #: why it never carries MFA (MFA006's message); empty for capable classes
    never: str = ""


_SESSION = (NM, MFO, MFF)
#: Services and federation: whether the key is absent or false is not documented; both are tried (choice).
_UNKNOWN_STATE = (LT, NM)

CLASSES: dict[CallerClass, ClassInfo] = {
    CallerClass.PRINCIPALS: ClassInfo(
        CONTEXTS, "principals",
        {"LT": LT.callers, "NM": NM.callers, "MFo": MFO.callers, "MFf": MFF.callers},
        capable=True, absent="requests signed with long-term keys (CLI, SDK, API)"),
    CallerClass.IAM_USERS: ClassInfo(
        CONTEXTS, "IAM users",
        {"LT": LT.callers, "NM": "IAM user sessions without MFA (console sign-in, GetSessionToken)",
         "MFo": MFO.callers, "MFf": MFF.callers},
        capable=True, absent="requests signed with long-term keys (CLI, SDK, API)"),
    CallerClass.ROLE_SESSIONS: ClassInfo(
        _SESSION, "role sessions", {"NM": "{label} without MFA", "MFo": MFO.callers, "MFf": MFF.callers},
        capable=True),
    CallerClass.SSO_SESSIONS: ClassInfo(
        (NM,), "IAM Identity Center (SSO) sessions",
        never="IAM Identity Center sessions never carry aws:MultiFactorAuthPresent = true, whatever MFA the user did "
              "at sign-in"),
    CallerClass.SERVICE_ROLE_SESSIONS: ClassInfo(
        (NM,), "sessions of a role assumed by AWS services", exposed=False,
        never="a role's sessions carry MFA only when whoever assumed the role used MFA, and AWS services never do"),
    CallerClass.FEDERATED_ROLE_SESSIONS: ClassInfo(
        (NM,), "role sessions from SAML/OIDC federation",
        never="AWS cannot see whether the identity provider required MFA, so sessions from SAML/OIDC federation "
              "carry aws:MultiFactorAuthPresent = false"),
    CallerClass.FEDERATED_USERS: ClassInfo(
        (NM,), "federated users (GetFederationToken)", never="GetFederationToken sessions cannot carry MFA"),
    CallerClass.ASSUMED_ROOT: ClassInfo(
        (NM,), "root sessions from sts:AssumeRoot", never="sts:AssumeRoot sessions carry no MFA"),
    CallerClass.SAML_FEDERATION: ClassInfo(
        _UNKNOWN_STATE, "federated users (SAML)", absent="AssumeRoleWithSAML requests",
        never="AssumeRoleWithSAML carries no AWS MFA information: AWS cannot see whether the identity provider "
              "required MFA"),
    CallerClass.WEB_IDENTITY: ClassInfo(
        _UNKNOWN_STATE, "web-identity (OIDC) users", absent="AssumeRoleWithWebIdentity requests",
        never="AssumeRoleWithWebIdentity carries no AWS MFA information: AWS cannot see whether the identity "
              "provider required MFA"),
    CallerClass.AWS_SERVICES: ClassInfo(
        _UNKNOWN_STATE, "AWS services", exposed=False, absent="AWS services' own requests",
        never="AWS services never use MFA"),
    CallerClass.ANONYMOUS: ClassInfo(
        (LT,), "anonymous (unsigned) requests", absent="anonymous (unsigned) requests",
        never="unsigned requests carry no MFA key"),
}

#: What "principals of any type" are made of, when a principal test narrows them.
PRINCIPAL_MEMBERS = (CallerClass.IAM_USERS, CallerClass.ROLE_SESSIONS, CallerClass.SSO_SESSIONS,
                     CallerClass.FEDERATED_USERS, CallerClass.ASSUMED_ROOT)
_ORDER = {c: i for i, c in enumerate(CallerClass)}
_MAX_NAMES = 3


@dataclass(frozen=True)
class Caller:
    """One class of caller, with the names that say which (services, identity providers) and an optional label."""

    cls: CallerClass
    names: tuple[str, ...] = ()
    label: str | None = None  # replaces the class's label in messages ("sessions of this role")

    @property
    def info(self) -> ClassInfo:
        return CLASSES[self.cls]

    def describe(self) -> str:
        base = self.label or self.info.label
        if not self.names:
            return base
        shown = ", ".join(self.names[:_MAX_NAMES]) + (", …" if len(self.names) > _MAX_NAMES else "")
        if base.endswith(")"):  # "federated users (SAML)" -> "federated users (SAML: Okta)"
            return f"{base[:-1]}: {shown})"
        return f"{base} ({shown})"

    def phrase(self, context: Context) -> str:
        """Who this caller is in `context`, for "… are not denied" / "… are allowed without MFA"."""
        template = self.info.phrases.get(context.id)
        if template is None:
            return self.describe()
        return template.format(label=self.describe())


@dataclass(frozen=True)
class Callers:
    """An immutable set of callers; one `Caller` per class (names of the same class are merged)."""

    members: tuple[Caller, ...] = ()

    @classmethod
    def of(cls, *items: Caller | CallerClass, names: Iterable[str] = (), label: str | None = None) -> Callers:
        """`Callers.of(CallerClass.SSO_SESSIONS)`, `Callers.of(CallerClass.SERVICE_ROLE_SESSIONS,
        names=["lambda.amazonaws.com"])`, `Callers.of(Caller(...), Caller(...))`."""
        given = [i if isinstance(i, Caller) else Caller(CallerClass(i), tuple(names), label) for i in items]
        return cls._merged(given)

    @classmethod
    def _merged(cls, items: Iterable[Caller]) -> Callers:
        by_class: dict[CallerClass, Caller] = {}
        for item in items:
            seen = by_class.get(item.cls)
            if seen is None:
                by_class[item.cls] = item
            else:
                names = tuple(dict.fromkeys(seen.names + item.names))
                label = seen.label if seen.label == item.label else None
                by_class[item.cls] = Caller(item.cls, names, label)
        return cls(tuple(sorted(by_class.values(), key=lambda c: _ORDER[c.cls])))

    def __or__(self, other: Callers) -> Callers:
        return Callers._merged(self.members + other.members)

    def __iter__(self) -> Iterator[Caller]:
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)

    def __bool__(self) -> bool:
        return bool(self.members)

    @property
    def classes(self) -> frozenset[CallerClass]:
        return frozenset(c.cls for c in self.members)

    def contexts(self) -> tuple[Context, ...]:
        """The request contexts these callers' requests can be in, weakest first."""
        present = {c for m in self.members for c in m.info.contexts}
        return tuple(c for c in CONTEXTS if c in present)

    @property
    def capable(self) -> bool:
        """Some caller can carry MFA (so an MFA requirement can be met)."""
        return any(m.info.capable for m in self.members)

    def in_context(self, context: Context, *, exposed_only: bool = False) -> list[Caller]:
        return [m for m in self.members if context in m.info.contexts and (m.info.exposed or not exposed_only)]

    def phrase(self, context: Context) -> str:
        """Who makes requests in `context` (exposed callers only), joined for a message."""
        return " and ".join(m.phrase(context) for m in self.in_context(context, exposed_only=True))

    def describe(self) -> str:
        return " and ".join(m.describe() for m in self.members)


# ------------------------------------------------------------------------------------------ defaults by kind

ROLE_OWN_SESSIONS = Callers.of(CallerClass.ROLE_SESSIONS, label="sessions of this role")
EVERYONE = Callers.of(CallerClass.PRINCIPALS)
PUBLIC = Callers.of(CallerClass.PRINCIPALS, CallerClass.AWS_SERVICES, CallerClass.ANONYMOUS)


def default_callers(kind: str) -> Callers:
    """The callers a document of this kind meets when nothing else is known (v2's contexts by kind)."""
    return ROLE_OWN_SESSIONS if kind == "role" else EVERYONE


# ------------------------------------------------------------------------------------------ Principal element

#: Web-identity providers AWS names by domain in a trust policy's `Federated` (id_roles_create_for-idp_oidc.html).
_WEB_IDENTITY_DOMAINS = ("cognito-identity.amazonaws.com", "accounts.google.com", "graph.facebook.com",
                         "www.amazon.com")


def classify_arn(arn: str) -> CallerClass:
    """The caller class of an IAM/STS principal ARN (also an instantiated pattern); PRINCIPALS when unsure."""
    parts = segments(arn)
    if parts is None:
        if arn.isdigit():
            return CallerClass.PRINCIPALS  # an account id: every principal of the account
        if arn.startswith("AIDA"):
            return CallerClass.IAM_USERS
        if arn.startswith("AROA"):
            return CallerClass.ROLE_SESSIONS
        return CallerClass.PRINCIPALS
    service, resource = parts[2].lower(), parts[5]
    if service == "iam":
        if resource == "root":
            return CallerClass.PRINCIPALS
        if resource.startswith("user/"):
            return CallerClass.IAM_USERS
        if resource.startswith("role/"):
            return _role_class(resource[len("role/"):])
    if service == "sts":
        if resource.startswith("assumed-role/"):
            return _role_class(resource[len("assumed-role/"):].split("/", 1)[0])
        if resource.startswith("federated-user/"):
            return CallerClass.FEDERATED_USERS
    return CallerClass.PRINCIPALS


def _role_class(path_and_name: str) -> CallerClass:
    if path_and_name.startswith("aws-reserved/sso.amazonaws.com/") or path_and_name.startswith("AWSReservedSSO_"):
        return CallerClass.SSO_SESSIONS
    if path_and_name.startswith("aws-service-role/"):
        return CallerClass.SERVICE_ROLE_SESSIONS
    return CallerClass.ROLE_SESSIONS


def _federated(provider: str) -> Caller:
    if provider.startswith(_UNRESOLVED_PROVIDER):  # known only by the expression that gives it
        shown = provider[len(_UNRESOLVED_PROVIDER):]
        saml = "saml" in shown.lower()
        return Caller(CallerClass.SAML_FEDERATION if saml else CallerClass.WEB_IDENTITY, (shown,))
    parts = segments(provider)
    if parts is not None and parts[5].startswith("saml-provider/"):
        return Caller(CallerClass.SAML_FEDERATION, (parts[5][len("saml-provider/"):],))
    host = parts[5][len("oidc-provider/"):] if parts is not None and parts[5].startswith("oidc-provider/") else provider
    return Caller(CallerClass.WEB_IDENTITY, (host,))


_UNRESOLVED_PROVIDER = "\0unresolved:"


def _entries(principal: Any) -> list[tuple[str, str]] | None:
    """(type, id) pairs of a Principal value; None when some part cannot be read (an unresolved value)."""
    if principal == "*":
        return [("AWS", "*")]
    if not isinstance(principal, dict) or not principal:
        return None
    out = []
    for kind, ids in principal.items():
        for one in ids if isinstance(ids, list) else [ids]:
            if isinstance(kind, str) and kind.lower() == "federated" and isinstance(one, Unknown):
                # an identity provider made elsewhere (`aws_iam_openid_connect_provider.github.arn`): whichever it
                # is, a SAML or OIDC provider or a web-identity domain, its users carry no AWS MFA information
                out.append((kind, _UNRESOLVED_PROVIDER + one.raw))
                continue
            if not isinstance(kind, str) or not isinstance(one, str):
                return None
            out.append((kind, one))
    return out


#: Policy kinds whose statements have no Principal element of their own.
_NO_PRINCIPAL_ELEMENT = frozenset({"identity", "role", "scp"})


def callers_from_principal(principal: Any, not_principal: Any, kind: str) -> Callers | None:
    """The callers a statement's Principal/NotPrincipal admits; None when the statement has neither, or when the
    kind has no Principal element: identity-based policies (identity, role, session policies) and SCPs are evaluated
    for their own principals, and IAM rejects a Principal there ("Policy document should not specify a principal"),
    so a stray one (a shared statement local, a session policy) says nothing about the callers."""
    public = kind == "resource"
    if (principal is None and not_principal is None) or kind in _NO_PRINCIPAL_ELEMENT:
        return None
    everyone = PUBLIC if public else EVERYONE
    if not_principal is not None:
        return everyone
    entries = _entries(principal)
    if entries is None:
        return everyone
    out: list[Caller] = []
    for kind_name, ident in entries:
        low = kind_name.lower()
        if low == "aws":
            if ident == "*":
                out.extend(everyone)
            else:
                out.append(Caller(classify_arn(ident)))
        elif low == "service":
            out.append(Caller(CallerClass.AWS_SERVICES, (ident,)))
        elif low == "federated":
            out.append(_federated(ident))
        else:  # CanonicalUser and anything else: some principal of an account
            out.append(Caller(CallerClass.PRINCIPALS))
    return Callers._merged(out)


# ------------------------------------------------------------------------------------------ a role's trust policy

_ASSUME = ("sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity")
#: what the sessions of a role are, by who assumed it
_SESSION_OF = {
    CallerClass.AWS_SERVICES: CallerClass.SERVICE_ROLE_SESSIONS,
    CallerClass.SAML_FEDERATION: CallerClass.FEDERATED_ROLE_SESSIONS,
    CallerClass.WEB_IDENTITY: CallerClass.FEDERATED_ROLE_SESSIONS,
    CallerClass.SSO_SESSIONS: CallerClass.SSO_SESSIONS,  # a chained session keeps aws:MultiFactorAuthPresent false
    CallerClass.SERVICE_ROLE_SESSIONS: CallerClass.SERVICE_ROLE_SESSIONS,
    CallerClass.FEDERATED_USERS: CallerClass.FEDERATED_ROLE_SESSIONS,
}


def _may_assume(statement: dict) -> bool:
    actions = _field(statement, "Action")
    if actions is None:
        return True  # NotAction or nothing: it may well allow an AssumeRole* action
    items = actions if isinstance(actions, list) else [actions]
    return any(not isinstance(a, str) or any(matches(a, x) for x in _ASSUME) for a in items)


def _field(mapping: dict, name: str) -> Any:
    for key, value in mapping.items():
        if isinstance(key, str) and key.lower() == name.lower():
            return value
    return None


def callers_from_trust(trust: Any, role: str | None = None) -> Callers:
    """Who the sessions of a role are, from its trust (assume-role) policy: what a reader passes as `callers` for
    the role's own inline and attached policies.

    Services only -> sessions of a role assumed by AWS services; a SAML/OIDC provider -> federated role sessions
    (AWSSSO_ providers: IAM Identity Center sessions); users or roles -> role sessions (they may carry MFA). A trust
    policy that cannot be read gives role sessions (v2's answer). `role` names the role in messages.
    """
    if isinstance(trust, (bytes, bytearray)):
        trust = trust.decode("utf-8", "replace")
    if isinstance(trust, str):
        try:
            trust = json.loads(trust)
        except ValueError:
            trust = None
    statements = _field(trust, "Statement") if isinstance(trust, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    own = f"sessions of role {role}" if role else "sessions of this role"
    out: list[Caller] = []
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict) or str(_field(statement, "Effect")).lower() != "allow":
            continue
        if not _may_assume(statement):
            continue
        admitted = callers_from_principal(_field(statement, "Principal"), _field(statement, "NotPrincipal"), "trust")
        for caller in admitted or EVERYONE:
            out.append(_session(caller, own))
    if not out:
        return Callers.of(CallerClass.ROLE_SESSIONS, label=own)
    return Callers._merged(out)


def _session(caller: Caller, own: str) -> Caller:
    cls = caller.cls
    if cls == CallerClass.SAML_FEDERATION and any(n.startswith("AWSSSO_") for n in caller.names):
        return Caller(CallerClass.SSO_SESSIONS)
    target = _SESSION_OF.get(cls)
    if target is None or cls == CallerClass.ANONYMOUS:
        return Caller(CallerClass.ROLE_SESSIONS, label=own)
    if target == CallerClass.SERVICE_ROLE_SESSIONS:
        return Caller(target, caller.names, label=f"{own}, assumed by AWS services")
    if target == CallerClass.FEDERATED_ROLE_SESSIONS and cls in (CallerClass.SAML_FEDERATION, CallerClass.WEB_IDENTITY):
        return Caller(target, caller.names, label=f"{own}, assumed through SAML/OIDC federation")
    return Caller(target, caller.names)
