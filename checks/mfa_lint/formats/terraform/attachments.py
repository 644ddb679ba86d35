"""Terraform: what each IAM policy of a module is attached to, so its kind and callers (reading.attachments).

A module is its whole folder: a role's trust policy, the role's inline and attached policies and the attachments
may sit in different files. The graph reads every `.tf` file of the module once (when some policy of it mentions
MFA) and answers, per policy resource:

- `aws_iam_role` `inline_policy`, `aws_iam_role_policy` (its `role`): a role policy met by the sessions the role's
  `assume_role_policy` admits (a JSON string, `jsonencode`, a heredoc, `file()`, or a policy-document data source);
- `aws_iam_policy`: what `aws_iam_role_policy_attachment`, `aws_iam_user_policy_attachment`,
  `aws_iam_group_policy_attachment`, `aws_iam_policy_attachment` (users, groups, roles), the
  `aws_iam_*_policy_attachments_exclusive` resources, `aws_iam_role` `managed_policy_arns`, the `permissions_boundary`
  of roles and users, and the customer managed policy references of IAM Identity Center
  (`aws_ssoadmin_customer_managed_policy_attachment`, `aws_ssoadmin_permissions_boundary_attachment`, by name)
  attach it to;
- `aws_iam_user_policy`, `aws_iam_group_policy`: IAM users; `aws_ssoadmin_permission_set_inline_policy`: IAM
  Identity Center sessions (fixed by the resource type: `fixed_placement`).

References are followed as written (`aws_iam_role.x.name`/`.id`/`.arn`, `aws_iam_policy.p.arn`, also inside
interpolations and lists, through `local.x`), and literal names and ARNs are matched against the module's own
roles and policies. In a called module, a role given as an argument (`role = var.role_name`) is looked up in the
caller's module. A managed policy named anywhere else (an output, a module argument, a local, another resource) may
be attached outside the module: it keeps the table's kind and default callers (reading.attachments).
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from lark import Token, Tree

from mfa_lint.core.callers import Callers
from mfa_lint.core.keys import may_mention_mfa
from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.core.values import Unknown
from mfa_lint.formats.terraform.documents import HCL_NAVIGATOR, references
from mfa_lint.formats.terraform.hcl_syntax import Block, attributes, blocks, node_text, root_body
from mfa_lint.formats.terraform.hcl_values import Evaluator
from mfa_lint.formats.terraform.module_instance import ModuleInstance
from mfa_lint.formats.terraform.resources import RESOURCES, policy_values
from mfa_lint.reading import limits
from mfa_lint.reading.attachments import IAM_USERS, SSO_SESSIONS, Attachments, Placement, role_sessions, union

K = PolicyKind

ROLE, POLICY, USER, GROUP = "aws_iam_role", "aws_iam_policy", "aws_iam_user", "aws_iam_group"
ROLE_POLICY = "aws_iam_role_policy"

#: Resource types whose policies meet the same callers wherever they are: (type, table kind) -> placement.
FIXED: dict[tuple[str, str], Placement] = {
    ("aws_iam_user_policy", K.IDENTITY): Placement(K.IDENTITY, IAM_USERS),
    ("aws_iam_group_policy", K.IDENTITY): Placement(K.IDENTITY, IAM_USERS),
    ("aws_ssoadmin_permission_set_inline_policy", K.ROLE): Placement(K.ROLE, SSO_SESSIONS),
}
#: Resource types whose policies' placement depends on other resources of the module.
CONTEXTUAL = frozenset({ROLE, ROLE_POLICY, POLICY})

#: attachment resource type -> (attribute naming the policy, attribute naming the role | None, to users/groups)
ATTACHMENTS: dict[str, tuple[str, str | None, bool]] = {
    "aws_iam_role_policy_attachment": ("policy_arn", "role", False),
    "aws_iam_role_policy_attachments_exclusive": ("policy_arns", "role_name", False),
    "aws_iam_user_policy_attachment": ("policy_arn", None, True),
    "aws_iam_user_policy_attachments_exclusive": ("policy_arns", None, True),
    "aws_iam_group_policy_attachment": ("policy_arn", None, True),
    "aws_iam_group_policy_attachments_exclusive": ("policy_arns", None, True),
}
SSO_REFERENCES = ("aws_ssoadmin_customer_managed_policy_attachment", "aws_ssoadmin_permissions_boundary_attachment")

_NAME = r"([A-Za-z_][\w-]*)"
#: a managed resource (`data.aws_iam_role.x` looks up a role made elsewhere: not one of the module's)
ROLE_REFERENCE = re.compile(rf"(?<![\w.])aws_iam_role\.{_NAME}")
POLICY_REFERENCE = re.compile(rf"(?<![\w.])aws_iam_policy\.{_NAME}")
_LOCAL = re.compile(rf"\blocal\.{_NAME}")
_VARIABLE = re.compile(rf"\bvar\.{_NAME}")
_ARN_NAME = re.compile(r"^arn:[^:]*:iam::[^:]*:(role|policy)/(?:.*/)?([^/]+)$")


def fixed_placement(resource_type: str, kind: str) -> Placement | None:
    return FIXED.get((resource_type, kind))


@dataclass(frozen=True)
class Expression:
    """An attribute's expression and the file (key, text) it sits in."""

    node: Tree | Token
    file: str
    text: str

    @property
    def source(self) -> str:
        return node_text(self.node, self.text)


#: the document an expression gives (a role's trust policy: JSON text, `jsonencode`, a data source, a module output)
DocumentOf = Callable[[Expression], Any]


@dataclass
class _Edge:
    """One attachment: the expression naming the policy, and what it is attached to."""

    policies: Expression
    by_name: bool = False  # the expression gives a policy's name (IAM Identity Center references), not its ARN
    to_role: bool = False  # attached to a role: `role`, or `own_role`, or (neither) a role nobody named
    role: Expression | None = None
    own_role: str | None = None  # the `aws_iam_role` whose own attribute attaches it (managed_policy_arns)
    users: bool = False
    sso: bool = False


@dataclass
class _Resources:
    roles: dict[str, dict[str, Expression]] = field(default_factory=dict)
    policies: dict[str, dict[str, Expression]] = field(default_factory=dict)
    role_policies: dict[str, Expression | None] = field(default_factory=dict)
    #: policy-document data source -> (table kind, resource type, name) of the policy attributes that use it
    document_users: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    edges: list[_Edge] = field(default_factory=list)
    #: mentions of `aws_iam_policy.<name>` in attachment slots and `depends_on`, against all mentions
    slot_mentions: Counter = field(default_factory=Counter)
    mentions: Counter = field(default_factory=Counter)


class ModuleAttachments:
    """The attachments of one module instance (a folder read on its own, or one call of a module with its
    arguments): `files` key -> (text, tree), `evaluator` the instance's evaluator for a file, `document` the policy
    document an expression gives, `parent` the graph of the calling module instance."""

    def __init__(
        self, files: Mapping[str, tuple[str, Tree]], evaluator: Callable[[str], Evaluator], document: DocumentOf,
        parent: Callable[[], ModuleAttachments | None] | None = None,
    ) -> None:
        self._evaluator = evaluator
        self._document = document
        self._parent = parent
        self._any = evaluator(next(iter(files), ""))  # scope, variable values and read context: the instance's
        self._found = _collect(files, self._any)
        self._role_callers: dict[str, Callers] = {}
        self._names: dict[str, dict[str, str]] | None = None
        self._attached: dict[str, Attachments] | None = None

    # -- answers ------------------------------------------------------------------------------------------------

    def place(self, resource_type: str, name: str, kind: str) -> Placement:
        """The kind and callers of the policy at `resource_type.name` whose table kind is `kind`."""
        fixed = fixed_placement(resource_type, kind)
        if fixed is not None:
            return fixed
        if resource_type == ROLE and kind == K.ROLE:
            return Placement(K.ROLE, self.role_callers(name))
        if resource_type == ROLE_POLICY and kind == K.ROLE:
            expression = self._found.role_policies.get(name)
            return Placement(K.ROLE, self._role(expression) if expression is not None else None)
        if resource_type == POLICY and kind == K.IDENTITY:
            return self.attachments(name).placement(K(kind))
        return Placement(K(kind))

    def role_callers(self, name: str) -> Callers:
        """The sessions of `aws_iam_role.<name>`, from its trust policy."""
        found = self._role_callers.get(name)
        if found is None:
            attrs = self._found.roles.get(name, {})
            label = self._label(name)
            trust = attrs.get("assume_role_policy")
            document = self._document(trust) if trust is not None else None
            found = self._role_callers[name] = role_sessions(document, label)
        return found

    def document_users(self, name: str) -> list[tuple[str, str, str]]:
        """(table kind, resource type, name) of the module's policy attributes that are data source `name`."""
        return self._found.document_users.get(name, [])

    def attachments(self, name: str) -> Attachments:
        if self._attached is None:
            self._attached = self._attach()
        found = self._attached.get(name, Attachments())
        if self._found.mentions[name] > self._found.slot_mentions[name]:
            found.elsewhere = True
        return found

    # -- the graph ------------------------------------------------------------------------------------------------

    def _attach(self) -> dict[str, Attachments]:
        attached: dict[str, Attachments] = {}
        for edge in self._found.edges:
            self._any.context.check_time()
            names = self._policies(edge)
            if not names:
                continue
            role = None
            if edge.own_role is not None:
                role = self.role_callers(edge.own_role)
            elif edge.role is not None:
                role = self._role(edge.role)
            elif edge.to_role:
                role = role_sessions(None, None)
            for name in names:
                entry = attached.setdefault(name, Attachments())
                if role is not None:
                    entry.roles.append(role)
                entry.users = entry.users or edge.users
                entry.sso = entry.sso or edge.sso
        return attached

    def _label(self, name: str) -> str:
        value = self._literal(self._found.roles.get(name, {}).get("name"))
        return value if isinstance(value, str) and value else f"{ROLE}.{name}"

    def _literal(self, expression: Expression | None) -> Any:
        if expression is None:
            return None
        return self._evaluator(expression.file).evaluate(expression.node, expression.file, expression.text).value

    def names(self) -> dict[str, dict[str, str]]:
        """Literal names of the module's roles and policies: type -> name -> resource name."""
        if self._names is None:
            self._names = {ROLE: {}, POLICY: {}}
            for kind, table in ((ROLE, self._found.roles), (POLICY, self._found.policies)):
                for resource, attrs in table.items():
                    value = self._literal(attrs.get("name"))
                    if isinstance(value, str) and value:
                        self._names[kind].setdefault(value, resource)
        return self._names

    def _by_name(self, kind: str, value: str) -> str | None:
        """The resource a literal name or ARN names among the module's own."""
        match = _ARN_NAME.match(value)
        if match is not None:
            wanted = "role" if kind == ROLE else "policy"
            if match.group(1) != wanted:
                return None
            value = match.group(2)
        return self.names()[kind].get(value)

    def _texts(self, text: str) -> list[str]:
        """An expression's text, and the text of the locals it names (followed a few levels)."""
        texts = [text]
        pending = list(_LOCAL.findall(text))
        seen: set[str] = set()
        while pending and len(seen) < limits.ATTACHMENT_LOCALS:
            name = pending.pop()
            definition = self._any.scope.locals.get(name)
            if name in seen or definition is None:
                continue
            seen.add(name)
            found = node_text(definition.node, definition.text)
            texts.append(found)
            pending.extend(_LOCAL.findall(found))
        return texts

    def _policies(self, edge: _Edge) -> list[str]:
        """The module's `aws_iam_policy` resources an attachment names."""
        policies = edge.policies
        if edge.by_name:  # an IAM Identity Center reference: the policy's name
            value = self._literal(policies)
            found = self._by_name(POLICY, value) if isinstance(value, str) else None
            return [found] if found else []
        named = [n for text in self._texts(policies.source) for n in POLICY_REFERENCE.findall(text)]
        out = [n for n in dict.fromkeys(named) if n in self._found.policies]
        for value in _strings(self._literal(policies)):
            found = self._by_name(POLICY, value)
            if found and found not in out:
                out.append(found)
        return out

    def _role(self, expression: Expression) -> Callers:
        """The sessions of the roles an expression names (one, or a list): each a role of this module, of a calling
        module (an argument, a name), or a role the module does not show (role sessions)."""
        value = self._literal(expression)
        items = value if isinstance(value, list) and value else [value]
        return union(self._one_role(item) for item in items)

    def _one_role(self, item: Any) -> Callers:
        if isinstance(item, str):
            return self._role_named(item)
        if not isinstance(item, Unknown):
            return role_sessions(None, None)
        texts = self._texts(item.raw)
        named = list(dict.fromkeys(n for text in texts for n in ROLE_REFERENCE.findall(text)))
        if named:
            if all(n in self._found.roles for n in named):
                return union(self.role_callers(n) for n in named)
            return role_sessions(None, None)
        passed = [self._any.overrides.get(f"var.{n}") for text in texts for n in _VARIABLE.findall(text)]
        if len(passed) == 1 and isinstance(passed[0], Unknown):  # the calling module's expression
            return self._caller_role(passed[0].raw)
        return role_sessions(None, None)

    def _role_named(self, value: str) -> Callers:
        """A role given by its name or ARN: this module's, or a calling module's, else one the scan does not show."""
        module: ModuleAttachments | None = self
        for _ in range(limits.MODULE_CALL_DEPTH + 1):
            if module is None:
                break
            found = module._by_name(ROLE, value)
            if found is not None:
                return module.role_callers(found)
            module = module._parent() if module._parent is not None else None
        return role_sessions(None, _ARN_NAME.sub(r"\2", value) or None)

    def _caller_role(self, raw: str) -> Callers:
        """A role the calling module passed in (`var.role` is `aws_iam_role.x.name` there)."""
        parent = self._parent() if self._parent is not None else None
        named = list(dict.fromkeys(ROLE_REFERENCE.findall(raw)))
        if parent is not None and len(named) == 1 and named[0] in parent._found.roles:
            return parent.role_callers(named[0])
        return role_sessions(None, None)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


# -- reading the module's blocks ---------------------------------------------------------------------------------


#: the tree of a file that declares nothing the graph reads: only its text's policy mentions count (_may_attach)
_UNPARSED = Tree("body", [])


_DECLARED = re.compile(r'^\s*(resource|data)\s+"?([\w-]+)"?\s+"?([\w-]+)"?', re.MULTILINE)
_TOKEN = re.compile(rf"(?<![\w.])((?:data\.)?aws_[a-z0-9_]+\.{_NAME})")
_ROLE_DECLARATION = re.compile(r'resource\s+"?aws_iam_role"?\s|"aws_iam_role"\s*:')


def _graph_files(texts: Mapping[str, str]) -> set[str]:
    """The files the graph needs parsed: a text test, sound by construction (a reference is written as its name).

    The graph places policies that may test MFA: those declared in files with MFA text. Parsed are the files that
    declare or mention one of them (`aws_iam_policy.x`, `data.aws_iam_policy_document.x`), then the files that
    declare or mention what those mention (the role a role policy names, ...), every file declaring a role (its
    trust policy is its callers; roles are also found by their `name`), permission-set references and literal
    policy and role ARNs. A file with MFA text that declares nothing (a default or a local holds the MFA test):
    every file. Most of a folder's files never need parsing for the graph (checkov reads them one by one)."""
    candidates = {k: t for k, t in texts.items() if _may_attach(t)}
    declared = {k: {f"{'data.' if m.group(1) == 'data' else ''}{m.group(2)}.{m.group(3)}"
                    for m in _DECLARED.finditer(t)} for k, t in texts.items()}
    seeds: set[str] = set()
    for key, text in texts.items():
        if may_mention_mfa(text):
            if not declared.get(key):
                return set(candidates)  # the MFA test is a value defined apart from any policy: every file
            seeds |= {name for name in declared[key] if name.startswith(_FOLLOWED)}
    wanted = {k for k, t in candidates.items()
              if _ROLE_DECLARATION.search(t) or "aws_ssoadmin_" in t or ":policy/" in t or ":role/" in t}
    tokens: set[str] = set()
    frontier = seeds
    for _ in range(limits.ATTACHMENT_HOPS):
        if not frontier:
            break
        tokens |= frontier
        found = {k for k, t in candidates.items() if declared[k] & frontier or any(token in t for token in frontier)}
        new = found - wanted
        wanted |= found
        frontier = {name for k in new for name in (*declared[k], *(m.group(1) for m in _TOKEN.finditer(texts[k])))
                    if name.startswith(_FOLLOWED)} - tokens
    return wanted


#: What a policy's placement follows from file to file: the managed policy (attached elsewhere) and the policy
#: document (used elsewhere). A role is read where it is declared (every such file is parsed), users and groups need
#: no more than the attachment itself.
_FOLLOWED = ("aws_iam_policy.", "data.aws_iam_policy_document.")


def _may_attach(text: str) -> bool:
    """The file may declare a resource the graph reads (roles, users, policies, attachments, permission-set
    references, resources whose policy is a policy-document data source): all named `aws_iam_...` or
    `aws_ssoadmin_...`. Any other file is not parsed for the graph (checkov reads each file of a folder in turn)."""
    return "aws_iam_" in text or "aws_ssoadmin_" in text


def _collect(files: Mapping[str, tuple[str, Tree]], evaluator: Evaluator) -> _Resources:
    found = _Resources()
    for key, (text, tree) in files.items():
        evaluator.context.check_time()
        for name in POLICY_REFERENCE.findall(text):
            found.mentions[name] += 1
        if tree is _UNPARSED:
            continue
        for block in blocks(root_body(tree)):
            if block.type == "resource" and len(block.labels) >= 2:
                _resource(found, block, key, text)
                _uses(found, block, key, text, evaluator)
    return found


def _uses(found: _Resources, block: Block, key: str, text: str, evaluator: Evaluator) -> None:
    """The policy-document data sources the resource's policy attributes are (judged there, placed as this)."""
    if block.labels[0] not in RESOURCES or "aws_iam_policy_document" not in text:
        return
    for value in policy_values(block.labels[0], block.body, lambda: {}, HCL_NAVIGATOR):
        if callable(value.attribute.kind):
            continue  # a kind that depends on the resource's values (an organizations policy): not placed
        for name in references(value.value.expression, text)[0]:
            found.document_users.setdefault(name, []).append((value.kind, block.labels[0], block.labels[1]))


def _attrs(body: Tree, key: str, text: str) -> dict[str, Expression]:
    return {a.name: Expression(a.expression, key, text) for a in attributes(body)}


def _slot(found: _Resources, expression: Expression | None) -> Expression | None:
    """Count the policy mentions of an attachment slot (they do not make the policy escape the module)."""
    if expression is not None:
        for name in POLICY_REFERENCE.findall(expression.source):
            found.slot_mentions[name] += 1
    return expression


def _nested(body: Tree, *path: str) -> list[Tree]:
    bodies = [body]
    for step in path:
        bodies = [b.body for parent in bodies for b in blocks(parent) if b.type == step]
    return bodies


def _resource(found: _Resources, block: Block, key: str, text: str) -> None:
    resource_type, name = block.labels[0], block.labels[1]
    attrs = _attrs(block.body, key, text)
    _slot(found, attrs.get("depends_on"))
    if resource_type == ROLE:
        found.roles[name] = attrs
        for slot in ("managed_policy_arns", "permissions_boundary"):
            if slot in attrs:
                found.edges.append(_Edge(_slot(found, attrs[slot]), to_role=True, own_role=name))
    elif resource_type == USER:
        if "permissions_boundary" in attrs:
            found.edges.append(_Edge(_slot(found, attrs["permissions_boundary"]), users=True))
    elif resource_type == POLICY:
        found.policies[name] = attrs
    elif resource_type == ROLE_POLICY:
        found.role_policies[name] = attrs.get("role")
    elif resource_type in ATTACHMENTS:
        policy_slot, role_slot, users = ATTACHMENTS[resource_type]
        policies = _slot(found, attrs.get(policy_slot))
        if policies is not None:
            role = attrs.get(role_slot) if role_slot else None
            found.edges.append(_Edge(policies, to_role=role_slot is not None, role=role, users=users))
    elif resource_type == "aws_iam_policy_attachment":
        policies = _slot(found, attrs.get("policy_arn"))
        if policies is not None:
            if attrs.get("roles") is not None:
                found.edges.append(_Edge(policies, to_role=True, role=attrs["roles"]))
            if attrs.get("users") is not None or attrs.get("groups") is not None:
                found.edges.append(_Edge(policies, users=True))
    elif resource_type in SSO_REFERENCES:
        path = ("customer_managed_policy_reference",) if resource_type == SSO_REFERENCES[0] else (
            "permissions_boundary", "customer_managed_policy_reference")
        for body in _nested(block.body, *path):
            reference = _attrs(body, key, text).get("name")
            if reference is not None:
                found.edges.append(_Edge(reference, by_name=True, sso=True))


# -- one graph per module instance --------------------------------------------------------------------------------

#: the graph of each module instance, and the instance that calls each called one
_GRAPHS: WeakKeyDictionary[ModuleInstance, ModuleAttachments] = WeakKeyDictionary()
_CALLERS: WeakKeyDictionary[ModuleInstance, ModuleInstance] = WeakKeyDictionary()
#: graphs of modules read on their own, shared by every file of the module (one instance is made per file read)
_SHARED: OrderedDict[tuple, ModuleAttachments] = OrderedDict()
_SHARED_SIZE = 8


def called_by(child: ModuleInstance, caller: ModuleInstance) -> None:
    """Remember who calls a module instance: a role it is given by argument is looked up in the caller's graph."""
    _CALLERS[child] = caller


def module_attachments(instance: ModuleInstance) -> ModuleAttachments:
    """The attachment graph of a module instance, built once (for a module read on its own: once for all its
    files)."""
    found = _GRAPHS.get(instance)
    if found is not None:
        return found
    key = None
    if not instance.label:
        key = (instance.directory, tuple(sorted((k, hash(t)) for k, t in instance.files().items())),
               repr(sorted(instance.overrides.items())))
        found = _SHARED.get(key)
    if found is None:
        texts = instance.files()
        wanted = _graph_files(texts)
        files = {k: (t, tree) for k, t in sorted(texts.items())
                 if (tree := instance.tree(k) if k in wanted else _UNPARSED) is not None}
        caller = _CALLERS.get(instance)

        def document(expression: Expression) -> Any:
            return instance.resolve_document(expression.node, expression.file, expression.text).document

        def parent() -> ModuleAttachments | None:
            return module_attachments(caller) if caller is not None else None

        found = ModuleAttachments(files, instance.evaluator, document, parent)
        if key is not None:
            _SHARED[key] = found
            while len(_SHARED) > _SHARED_SIZE:
                _SHARED.popitem(last=False)
    _GRAPHS[instance] = found
    return found
