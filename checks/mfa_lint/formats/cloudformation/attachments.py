"""CloudFormation and SAM: what each IAM policy of a template is attached to, so its kind and callers
(reading.attachments). One template is one scan unit; the CLI's reader, the cfn-lint rules and checkov (through the
CLI's reader) ask the same graph.

- `AWS::IAM::Role` `Policies`: a role policy met by the sessions its `AssumeRolePolicyDocument` admits;
  `AWS::IAM::RolePolicy`: those of the role its `RoleName` names;
- `AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy`: their own `Roles`, `Users`, `Groups`, and for a managed policy also
  the roles, users and groups whose `ManagedPolicyArns` or `PermissionsBoundary` name it, the SAM functions and state
  machines whose `Policies` name it, and the `AWS::SSO::PermissionSet`s whose customer managed policy references
  name it (by `ManagedPolicyName`);
- SAM `AWS::Serverless::Function` `Policies`: the sessions of the function's role: `AssumeRolePolicyDocument` when
  given, else the role SAM creates, which only lambda.amazonaws.com can assume (`Role` given: that role's sessions);
  `AWS::Serverless::StateMachine`: states.amazonaws.com likewise;
- `AWS::IAM::User`, `AWS::IAM::Group`, `AWS::IAM::UserPolicy`, `AWS::IAM::GroupPolicy`: IAM users;
  `AWS::SSO::PermissionSet` `InlinePolicy`: IAM Identity Center sessions (`fixed_placement`).

A name is followed through `Ref`, `Fn::GetAtt`, `Fn::Sub` placeholders and a parameter's default, and literal names
and ARNs are matched against `RoleName` and `ManagedPolicyName`. A managed policy named anywhere else (Outputs,
another property) may be attached outside the template: it keeps the table's kind and default callers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from mfa_lint.core.callers import Callers
from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.formats.cloudformation.intrinsics import RefResolver
from mfa_lint.formats.cloudformation.policies import document_views
from mfa_lint.reading.attachments import (
    IAM_USERS,
    SSO_SESSIONS,
    Attachments,
    Placement,
    role_sessions,
    service_sessions,
    union,
)
from mfa_lint.reading.limits import ATTACHMENT_NODES, INTRINSIC_NESTING

K = PolicyKind

ROLE, ROLE_POLICY = "AWS::IAM::Role", "AWS::IAM::RolePolicy"
POLICY, MANAGED_POLICY = "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"
USER, GROUP = "AWS::IAM::User", "AWS::IAM::Group"
PERMISSION_SET = "AWS::SSO::PermissionSet"
FUNCTION, STATE_MACHINE = "AWS::Serverless::Function", "AWS::Serverless::StateMachine"

#: Resource types whose policies meet the same callers wherever they are: (type, table kind) -> placement.
FIXED: dict[tuple[str, str], Placement] = {
    (USER, K.IDENTITY): Placement(K.IDENTITY, IAM_USERS),
    (GROUP, K.IDENTITY): Placement(K.IDENTITY, IAM_USERS),
    ("AWS::IAM::UserPolicy", K.IDENTITY): Placement(K.IDENTITY, IAM_USERS),
    ("AWS::IAM::GroupPolicy", K.IDENTITY): Placement(K.IDENTITY, IAM_USERS),
    (PERMISSION_SET, K.ROLE): Placement(K.ROLE, SSO_SESSIONS),
}
#: Resource types whose policies' placement depends on the template (other resources, or their own trust policy).
CONTEXTUAL = frozenset({ROLE, ROLE_POLICY, POLICY, MANAGED_POLICY, FUNCTION, STATE_MACHINE})
#: the service that assumes the role SAM creates for a resource of this type
_SAM_SERVICES = {FUNCTION: "lambda.amazonaws.com", STATE_MACHINE: "states.amazonaws.com"}
#: properties that attach a managed policy to the resource that holds them: (type, property, "*" for list items)
_SLOTS: dict[str, tuple[tuple[str, ...], ...]] = {
    ROLE: (("ManagedPolicyArns", "*"), ("PermissionsBoundary",)),
    USER: (("ManagedPolicyArns", "*"), ("PermissionsBoundary",)),
    GROUP: (("ManagedPolicyArns", "*"),),
    FUNCTION: (("Policies", "*"), ("Policies",)),
    STATE_MACHINE: (("Policies", "*"), ("Policies",)),
}
_ARN_NAME = re.compile(r":(role|policy)/(?:[^$]*/)?([\w+=,.@-]+)$")
_SUB_NAME = re.compile(r"\$\{([^}!][^}]*)\}")


def fixed_placement(resource_type: str, kind: str) -> Placement | None:
    return FIXED.get((resource_type, kind))


def _none(_name: str) -> None:
    return None


class TemplateAttachments:
    """The attachments of one template's resources; `resolve_ref` gives a parameter's default."""

    def __init__(self, template: Mapping[str, Any], resolve_ref: RefResolver = _none) -> None:
        resources = template.get("Resources") if isinstance(template, Mapping) else None
        self.resources: Mapping[str, Any] = resources if isinstance(resources, Mapping) else {}
        self.resolve_ref = resolve_ref
        self._template = template
        self._role_callers: dict[str, Callers] = {}
        self._names: dict[str, dict[str, str]] | None = None
        self._edges: dict[str, Attachments] | None = None
        self._escapes: set[str] | None = None

    # -- answers ------------------------------------------------------------------------------------------------

    def place(self, logical_id: str, resource_type: str, kind: str) -> Placement:
        """The kind and callers of the policy of `logical_id` whose table kind is `kind`."""
        fixed = fixed_placement(resource_type, kind)
        if fixed is not None:
            return fixed
        properties = self._properties(logical_id)
        if resource_type == ROLE and kind == K.ROLE:
            return Placement(K.ROLE, self.role_callers(logical_id))
        if resource_type == ROLE_POLICY and kind == K.ROLE:
            return Placement(K.ROLE, self._role(properties.get("RoleName")))
        if resource_type in _SAM_SERVICES and kind == K.ROLE:
            return Placement(K.ROLE, self._sam_callers(logical_id, resource_type))
        if resource_type in (POLICY, MANAGED_POLICY) and kind in (K.IDENTITY, K.ROLE):
            attached = self._own(properties)
            if resource_type == MANAGED_POLICY:
                other = self._attached().get(logical_id, Attachments())
                attached.roles.extend(other.roles)
                attached.users = attached.users or other.users
                attached.sso = attached.sso or other.sso
                attached.elsewhere = logical_id in self._escaping()
            return attached.placement(K(kind))
        return Placement(K(kind))

    def role_callers(self, logical_id: str) -> Callers:
        """The sessions of the role `logical_id`, from its trust policy (every Fn::If branch)."""
        found = self._role_callers.get(logical_id)
        if found is None:
            properties = self._properties(logical_id)
            name = properties.get("RoleName")
            label = name if isinstance(name, str) and name else logical_id
            found = self._role_callers[logical_id] = self._trust_callers(properties.get("AssumeRolePolicyDocument"),
                                                                         label)
        return found

    # -- the graph ------------------------------------------------------------------------------------------------

    def _properties(self, logical_id: str) -> Mapping[str, Any]:
        resource = self.resources.get(logical_id)
        properties = resource.get("Properties") if isinstance(resource, Mapping) else None
        return properties if isinstance(properties, Mapping) else {}

    def _type(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id)
        kind = resource.get("Type") if isinstance(resource, Mapping) else None
        return kind if isinstance(kind, str) else None

    def _trust_callers(self, value: Any, label: str) -> Callers:
        if value is None:
            return role_sessions(None, label)
        views = document_views(value, statements_only=False, resolve_ref=self.resolve_ref, satisfiable=_always,
                               lines=None)
        documents = [v.document for v in views if not v.note] or [None]
        return union(role_sessions(document, label) for document in documents)

    def _sam_callers(self, logical_id: str, resource_type: str) -> Callers:
        properties = self._properties(logical_id)
        role = properties.get("Role")
        if role is not None:  # the function's role (AWS: Policies and Role are not meant to be used together)
            return self._role(role)
        label = f"sessions of the role of {logical_id}"
        if resource_type == FUNCTION and properties.get("AssumeRolePolicyDocument") is not None:
            return self._trust_callers(properties["AssumeRolePolicyDocument"], f"the role of {logical_id}")
        return service_sessions([_SAM_SERVICES[resource_type]], label)

    def _role(self, value: Any) -> Callers:
        """The sessions of the roles a value names (`Ref`, `GetAtt`, a literal name or ARN, a parameter, both
        branches of an `Fn::If`); a name the template does not define, or a value it cannot follow (an import),
        adds role sessions."""
        named = self._named(value, (ROLE,), bare=True)
        parts = [self.role_callers(logical_id) for logical_id in named]
        unmatched = [t for t in self._literals(value)  # text with `${Role}` names a role by reference (above)
                     if self._by_name(t, (ROLE,), True) is None and not (named and "${" in t)]
        if not named or unmatched or any(isinstance(n, Mapping) and "Fn::ImportValue" in n for n in _walk(value)):
            parts.append(role_sessions(None, None))
        return union(parts)

    def _named(self, value: Any, types: tuple[str, ...], *, bare: bool = False) -> list[str]:
        """The template's resources of these types that a value names (`bare`: a literal may be a bare name, not
        only an ARN: `Roles`, `RoleName`, a permission set's customer managed policy `Name`)."""
        out = [r for r in references(value) or () if self._type(r) in types]
        for text in self._literals(value):
            found = self._by_name(text, types, bare)
            if found is not None and found not in out:
                out.append(found)
        return out

    def _literals(self, value: Any) -> list[str]:
        """Literal strings of a value: itself, list items, parameter defaults, Fn::Sub text without placeholders
        in its last path segment."""
        out: list[str] = []
        for node in _walk(value):
            if isinstance(node, str):
                out.append(node)
            elif isinstance(node, Mapping) and len(node) == 1:
                (key, inner), = node.items()
                if key == "Ref" and isinstance(inner, str) and inner not in self.resources:
                    resolved = self.resolve_ref(inner)
                    out.extend(resolved if isinstance(resolved, list) else [resolved] if resolved else [])
                elif key == "Fn::Sub":
                    text = inner[0] if isinstance(inner, list) and inner else inner
                    if isinstance(text, str):
                        out.append(text)
        return [t for t in out if isinstance(t, str)]

    def names(self) -> dict[str, dict[str, str]]:
        """RoleName and ManagedPolicyName literals: type -> name -> logical id."""
        if self._names is None:
            self._names = {ROLE: {}, MANAGED_POLICY: {}}
            for logical_id in self.resources:
                kind = self._type(logical_id)
                prop = {ROLE: "RoleName", MANAGED_POLICY: "ManagedPolicyName"}.get(kind or "")
                value = self._properties(logical_id).get(prop) if prop else None
                if kind and isinstance(value, str) and value:
                    self._names[kind].setdefault(value, str(logical_id))
        return self._names

    def _by_name(self, text: str, types: tuple[str, ...], bare: bool) -> str | None:
        match = _ARN_NAME.search(text)
        for kind in types:
            if kind not in (ROLE, MANAGED_POLICY):
                continue
            wanted = "role" if kind == ROLE else "policy"
            if match is not None:
                if match.group(1) == wanted:
                    return self.names()[kind].get(match.group(2))
            elif bare and "${" not in text:
                found = self.names()[kind].get(text)
                if found is not None:
                    return found
        return None

    def _own(self, properties: Mapping[str, Any]) -> Attachments:
        """A policy's own `Roles`, `Users`, `Groups`."""
        attached = Attachments()
        roles = properties.get("Roles")
        for item in roles if isinstance(roles, list) else ([roles] if roles is not None else []):
            attached.roles.append(self._role(item))
        attached.users = bool(properties.get("Users")) or bool(properties.get("Groups"))
        return attached

    def _attached(self) -> dict[str, Attachments]:
        """Managed policies named by other resources' attachment properties."""
        if self._edges is None:
            self._edges = {}
            for logical_id, kind, value in self._slot_values():
                for policy in self._named(value, (MANAGED_POLICY,), bare=kind == PERMISSION_SET):
                    entry = self._edges.setdefault(policy, Attachments())
                    if kind in (USER, GROUP):
                        entry.users = True
                    elif kind == PERMISSION_SET:
                        entry.sso = True
                    elif kind == ROLE:
                        entry.roles.append(self.role_callers(logical_id))
                    else:
                        entry.roles.append(self._sam_callers(logical_id, kind))
        return self._edges

    def _slot_values(self) -> Iterator[tuple[str, str, Any]]:
        for logical_id in self.resources:
            kind = self._type(logical_id)
            properties = self._properties(logical_id)
            if kind in _SLOTS:
                for path in _SLOTS[kind]:
                    for value in _at(properties, path):
                        if not (path[-1] == "Policies" and isinstance(value, list)):
                            yield str(logical_id), kind, value
            elif kind == PERMISSION_SET:
                references = properties.get("CustomerManagedPolicyReferences")
                for item in references if isinstance(references, list) else []:
                    if isinstance(item, Mapping):
                        yield str(logical_id), kind, item.get("Name")
                boundary = properties.get("PermissionsBoundary")
                if isinstance(boundary, Mapping):
                    reference = boundary.get("CustomerManagedPolicyReference")
                    if isinstance(reference, Mapping):
                        yield str(logical_id), kind, reference.get("Name")

    def _escaping(self) -> set[str]:
        """Managed policies named (Ref, GetAtt, Sub) outside the attachment properties: Outputs, other properties."""
        if self._escapes is None:
            policies = {r for r in self.resources if self._type(r) == MANAGED_POLICY}
            named = references(self._template)
            if named is None:  # too large to read in full: any of them may be named elsewhere
                self._escapes = policies
                return policies
            everywhere = Counter(r for r in named if r in policies)
            in_slots = Counter(r for _, _, value in self._slot_values() for r in references(value) or ()
                               if r in policies)
            self._escapes = {r for r in policies if everywhere[r] > in_slots[r]}
        return self._escapes


def _always(_status: Mapping[str, bool]) -> bool:
    return True


def _at(properties: Mapping[str, Any], path: tuple[str, ...]) -> list[Any]:
    values: list[Any] = [properties]
    for step in path:
        following: list[Any] = []
        for value in values:
            if step == "*":
                following.extend(value if isinstance(value, list) else [])
            elif isinstance(value, Mapping) and value.get(step) is not None:
                following.append(value[step])
        values = following
    return values


def _walk(value: Any) -> Iterator[Any]:
    """Every node under `value` (bounded), through lists, mappings and Fn::If branches."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    seen = 0
    while stack and seen < ATTACHMENT_NODES:
        node, depth = stack.pop()
        seen += 1
        yield node
        if depth >= INTRINSIC_NESTING * 4:
            continue
        if isinstance(node, Mapping):
            stack.extend((v, depth + 1) for k, v in node.items() if k not in ("Ref", "Fn::Sub", "Fn::GetAtt"))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def references(value: Any) -> list[str] | None:
    """The logical ids (and parameters) a value names with `Ref`, `Fn::GetAtt` and `Fn::Sub` placeholders; None when
    the value is too large or too deep to read in full."""
    out: list[str] = []
    stack: list[tuple[Any, int]] = [(value, 0)]
    seen = 0
    while stack:
        node, depth = stack.pop()
        seen += 1
        if seen > ATTACHMENT_NODES or depth > INTRINSIC_NESTING * 8:
            return None
        if isinstance(node, Mapping):
            for key, inner in node.items():
                if key == "Ref" and isinstance(inner, str):
                    out.append(inner)
                elif key == "Fn::GetAtt":
                    target = inner[0] if isinstance(inner, list) and inner else inner
                    if isinstance(target, str):
                        out.append(target.split(".", 1)[0])
                elif key == "Fn::Sub":
                    out.extend(_sub_names(inner))
                    if isinstance(inner, list) and len(inner) > 1:
                        stack.append((inner[1], depth + 1))
                else:
                    stack.append((inner, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)
    return out


def _sub_names(inner: Any) -> Iterator[str]:
    text = inner[0] if isinstance(inner, list) and inner else inner
    variables = inner[1] if isinstance(inner, list) and len(inner) > 1 and isinstance(inner[1], Mapping) else {}
    if isinstance(text, str):
        for name in _SUB_NAME.findall(text):
            base = name.split(".", 1)[0].strip()
            if base not in variables and not base.startswith("AWS::"):
                yield base

