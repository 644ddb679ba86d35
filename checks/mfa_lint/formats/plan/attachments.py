"""Terraform plan JSON: what each IAM policy of a plan is attached to, so its kind and callers (reading.attachments).

The same resources and the same answers as for the configuration (formats.terraform.attachments), read from what
the plan carries: planned values (a role's `assume_role_policy`, names, ARNs known at plan time) and the
configuration's references (`role = aws_iam_role.x.id` is `references: ["aws_iam_role.x.id", "aws_iam_role.x"]`,
resolved within the module instance; `var.x` in a called module through the call's arguments). A literal name or
ARN is matched against the planned roles' and policies' names (IAM names are unique in an account, so across the
whole plan). Locals are not in the plan's configuration: an attachment through a local is not followed, and a
managed policy named in an output, a module argument or any other expression may be attached outside the plan:
it keeps the table's kind and default callers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mfa_lint.core.callers import Callers
from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.formats.terraform.attachments import ATTACHMENTS, FIXED, SSO_REFERENCES, fixed_placement
from mfa_lint.reading.attachments import Attachments, Placement, role_sessions, union
from mfa_lint.reading.limits import PLAN_MODULE_DEPTH

K = PolicyKind

ROLE, POLICY, USER = "aws_iam_role", "aws_iam_policy", "aws_iam_user"
ROLE_POLICY = "aws_iam_role_policy"
CONTEXTUAL = frozenset({ROLE, ROLE_POLICY, POLICY})
__all__ = ["CONTEXTUAL", "FIXED", "PlanAttachments", "fixed_placement"]

#: attributes whose references to a policy are attachments (they do not make it escape the plan)
_SLOTS = frozenset({"policy_arn", "policy_arns", "managed_policy_arns", "permissions_boundary"})
_ADDRESS = re.compile(r"^((?:module\.[\w-]+(?:\[[^\]]*\])?\.)*)(?:data\.)?([\w-]+)\.([\w-]+)(\[[^\]]*\])?$")
_INDEX = re.compile(r"\[[^\]]*\]")
_ARN_NAME = re.compile(r"^arn:[^:]*:iam::[^:]*:(role|policy)/(?:.*/)?([^/]+)$")


@dataclass(frozen=True)
class _Instance:
    address: str
    type: str
    name: str
    prefix: str  # the module instance: `module.a["k"].` ("" at the root)
    values: Mapping[str, Any]

    @property
    def module(self) -> str:
        """The module path without instance keys: `module.a.` (the configuration's)."""
        return _INDEX.sub("", self.prefix)


def _instance(address: str, resource_type: str, values: Mapping[str, Any]) -> _Instance | None:
    match = _ADDRESS.match(address)
    if match is None:
        return None
    return _Instance(address, resource_type, match.group(3), match.group(1), values)


class PlanAttachments:
    """The attachments of one plan's resources."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.instances: dict[str, _Instance] = {}
        for address, resource_type, values in _managed(doc):
            found = _instance(address, resource_type, values)
            if found is not None:
                self.instances[address] = found
        self.expressions: dict[tuple[str, str], Mapping[str, Any]] = {}  # (module, "type.name") -> expressions
        self.calls: dict[tuple[str, str], Mapping[str, Any]] = {}  # (module, call name) -> its arguments
        self.mentions: Counter = Counter()  # (module, policy name) -> expressions naming it
        self.slot_mentions: Counter = Counter()
        configuration = doc.get("configuration")
        root = configuration.get("root_module") if isinstance(configuration, Mapping) else None
        if isinstance(root, Mapping):
            self._configuration(root, "", 0)
        self._role_callers: dict[str, Callers] = {}
        self._attached: dict[str, Attachments] | None = None

    # -- answers ------------------------------------------------------------------------------------------------

    def place(self, address: str, resource_type: str, kind: str) -> Placement:
        fixed = fixed_placement(resource_type, kind)
        if fixed is not None:
            return fixed
        instance = self.instances.get(address)
        if instance is None:
            return Placement(K(kind))
        if resource_type == ROLE and kind == K.ROLE:
            return Placement(K.ROLE, self.role_callers(address))
        if resource_type == ROLE_POLICY and kind == K.ROLE:
            return Placement(K.ROLE, self._roles(instance, "role"))
        if resource_type == POLICY and kind == K.IDENTITY:
            if self._attached is None:
                self._attached = self._attach()
            found = self._attached.get(address, Attachments())
            key = (instance.module, instance.name)
            if self.mentions[key] > self.slot_mentions[key]:
                found.elsewhere = True
            return found.placement(K(kind))
        return Placement(K(kind))

    def role_callers(self, address: str) -> Callers:
        found = self._role_callers.get(address)
        if found is None:
            values = self.instances[address].values
            name = values.get("name")
            label = name if isinstance(name, str) and name else address
            found = self._role_callers[address] = role_sessions(values.get("assume_role_policy"), label)
        return found

    # -- the graph ------------------------------------------------------------------------------------------------

    def _attach(self) -> dict[str, Attachments]:
        attached: dict[str, Attachments] = {}

        def add(policies: list[str], role: Callers | None = None, users: bool = False, sso: bool = False) -> None:
            for policy in policies:
                entry = attached.setdefault(policy, Attachments())
                if role is not None:
                    entry.roles.append(role)
                entry.users = entry.users or users
                entry.sso = entry.sso or sso

        for instance in self.instances.values():
            kind = instance.type
            if kind in ATTACHMENTS:
                policy_slot, role_slot, users = ATTACHMENTS[kind]
                policies = self._policies(instance, policy_slot)
                if policies:
                    add(policies, self._roles(instance, role_slot) if role_slot else None, users)
            elif kind == "aws_iam_policy_attachment":
                policies = self._policies(instance, "policy_arn")
                if policies and (instance.values.get("roles") or self._has(instance, "roles")):
                    add(policies, self._roles(instance, "roles"))
                if policies and any(instance.values.get(a) or self._has(instance, a) for a in ("users", "groups")):
                    add(policies, users=True)
            elif kind == ROLE:
                for slot in ("managed_policy_arns", "permissions_boundary"):
                    add(self._policies(instance, slot), self.role_callers(instance.address))
            elif kind == USER:
                add(self._policies(instance, "permissions_boundary"), users=True)
            elif kind in SSO_REFERENCES:
                for name in _sso_names(instance.values):
                    add(self._by_name(POLICY, name, bare=True), sso=True)
        return attached

    def _has(self, instance: _Instance, attribute: str) -> bool:
        expression = self.expressions.get((instance.module, f"{instance.type}.{instance.name}"), {}).get(attribute)
        return isinstance(expression, Mapping) and bool(expression.get("references"))

    def _references(self, instance: _Instance, attribute: str) -> list[tuple[str, str]]:
        """(module instance prefix, reference) for the attribute's configuration references, `var.x` followed up
        through the module calls."""
        expression = self.expressions.get((instance.module, f"{instance.type}.{instance.name}"), {}).get(attribute)
        return list(self._follow(instance.prefix, expression, 0))

    def _follow(self, prefix: str, expression: Any, depth: int) -> Iterator[tuple[str, str]]:
        references = expression.get("references") if isinstance(expression, Mapping) else None
        for reference in references if isinstance(references, list) else []:
            if not isinstance(reference, str):
                continue
            if reference.startswith("var.") and prefix and depth < PLAN_MODULE_DEPTH:
                parent, call = _parent(prefix)
                argument = self.calls.get((_INDEX.sub("", parent), call), {}).get(reference.split(".")[1])
                yield from self._follow(parent, argument, depth + 1)
            else:
                yield prefix, reference

    def _targets(self, instance: _Instance, attribute: str, resource_type: str) -> tuple[list[str], bool]:
        """The planned instances of `resource_type` an attribute names (by value, else by reference), and whether it
        also names something that is not one of them (a role defined elsewhere, a local, an AWS managed policy)."""
        out: list[str] = []
        unknown = False
        value = instance.values.get(attribute)
        if value not in (None, [], ""):
            for text in _strings(value):
                found = self._by_name(resource_type, text, bare=resource_type == ROLE)
                out.extend(found)
                unknown = unknown or not found
            return out, unknown or not _strings(value)
        references = self._references(instance, attribute)
        named = {(prefix, m.group(1)) for prefix, reference in references
                 for m in [re.match(rf"{resource_type}\.([\w-]+)", reference)] if m is not None}
        for prefix, name in sorted(named):
            out.extend(a for a, i in self.instances.items()
                       if i.type == resource_type and i.prefix == prefix and i.name == name)
        others = {r.split(".")[0] for _, r in references} - {resource_type}
        return out, not out or bool(others)

    def _policies(self, instance: _Instance, attribute: str) -> list[str]:
        return self._targets(instance, attribute, POLICY)[0]

    def _roles(self, instance: _Instance, attribute: str) -> Callers:
        roles, unknown = self._targets(instance, attribute, ROLE)
        callers = [self.role_callers(r) for r in roles]
        if unknown or not roles:
            callers.append(role_sessions(None, None))
        return union(callers)

    def _by_name(self, resource_type: str, value: str, *, bare: bool) -> list[str]:
        match = _ARN_NAME.match(value)
        if match is not None:
            if match.group(1) != ("role" if resource_type == ROLE else "policy"):
                return []
            value = match.group(2)
        elif not bare:
            return []
        return [a for a, i in self.instances.items() if i.type == resource_type and i.values.get("name") == value]

    # -- the configuration ----------------------------------------------------------------------------------------

    def _configuration(self, module: Mapping[str, Any], path: str, depth: int) -> None:
        for resource in _list(module.get("resources")):
            if not isinstance(resource, Mapping) or not isinstance(resource.get("address"), str):
                continue
            expressions = resource.get("expressions")
            expressions = expressions if isinstance(expressions, Mapping) else {}
            self.expressions[(path, resource["address"])] = expressions
            for attribute, expression in expressions.items():
                self._mention(path, expression, attribute in _SLOTS and resource.get("type") in _SLOT_OWNERS)
        outputs = module.get("outputs")
        for output in outputs.values() if isinstance(outputs, Mapping) else []:
            if isinstance(output, Mapping):
                self._mention(path, output.get("expression"), False)
        calls = module.get("module_calls")
        for name, call in calls.items() if isinstance(calls, Mapping) else []:
            if not isinstance(call, Mapping):
                continue
            arguments = call.get("expressions")
            self.calls[(path, name)] = arguments if isinstance(arguments, Mapping) else {}
            for expression in self.calls[(path, name)].values():
                self._mention(path, expression, False)
            if depth < PLAN_MODULE_DEPTH and isinstance(call.get("module"), Mapping):
                self._configuration(call["module"], f"{path}module.{name}.", depth + 1)

    def _mention(self, path: str, expression: Any, slot: bool) -> None:
        """Count the policies an expression names (nested blocks are lists of expression maps)."""
        names: set[str] = set()
        for node in _expressions(expression):
            for reference in node.get("references") or ():
                match = re.match(r"aws_iam_policy\.([\w-]+)", reference) if isinstance(reference, str) else None
                if match:
                    names.add(match.group(1))
        for name in names:
            self.mentions[(path, name)] += 1
            if slot:
                self.slot_mentions[(path, name)] += 1


_SLOT_OWNERS = frozenset({*ATTACHMENTS, "aws_iam_policy_attachment", ROLE, USER})


def _managed(doc: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(address, type, values) of every managed resource: planned_values, then resource_changes not seen there."""
    seen: set[str] = set()
    planned = doc.get("planned_values")
    root = planned.get("root_module") if isinstance(planned, Mapping) else None
    stack: list[tuple[Any, int]] = [(root, 0)] if isinstance(root, Mapping) else []
    found: list[tuple[Any, Any]] = []
    while stack:
        module, depth = stack.pop(0)
        found.extend((r, r.get("values")) for r in _list(module.get("resources")) if isinstance(r, Mapping))
        if depth < PLAN_MODULE_DEPTH:
            stack.extend((c, depth + 1) for c in _list(module.get("child_modules")) if isinstance(c, Mapping))
    for change in _list(doc.get("resource_changes")):
        if isinstance(change, Mapping) and isinstance(change.get("change"), Mapping):
            found.append((change, change["change"].get("after")))
    for resource, values in found:
        address, resource_type = resource.get("address"), resource.get("type")
        if (resource.get("mode", "managed") == "managed" and isinstance(address, str) and address not in seen
                and isinstance(resource_type, str) and isinstance(values, Mapping)):
            seen.add(address)
            yield address, resource_type, values


def _expressions(expression: Any) -> Iterator[Mapping[str, Any]]:
    stack = [(expression, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > 16:
            continue
        if isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, Mapping):
            if "references" in node or "constant_value" in node:
                yield node
            else:
                stack.extend((item, depth + 1) for item in node.values())


def _parent(prefix: str) -> tuple[str, str]:
    """`module.a["k"].module.b.` -> (`module.a["k"].`, `b`)."""
    parts = re.findall(r"module\.([\w-]+)(\[[^\]]*\])?\.", prefix)
    parent = "".join(f"module.{n}{i}." for n, i in parts[:-1])
    return parent, parts[-1][0] if parts else ""


def _sso_names(values: Mapping[str, Any]) -> list[str]:
    """The customer managed policy names of an IAM Identity Center attachment (or permissions boundary)."""
    references = _blocks(values, "customer_managed_policy_reference")
    for boundary in _blocks(values, "permissions_boundary"):
        references.extend(_blocks(boundary, "customer_managed_policy_reference"))
    return [r["name"] for r in references if isinstance(r.get("name"), str)]


def _blocks(values: Any, name: str) -> list[Mapping[str, Any]]:
    inner = values.get(name) if isinstance(values, Mapping) else None
    return [b for b in inner if isinstance(b, Mapping)] if isinstance(inner, list) else []


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
