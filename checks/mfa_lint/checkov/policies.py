"""Find the policy documents in one checkov entity conf (Terraform resource/data, plan resource, CloudFormation).

Walks the resource tables (formats.<language>.resources: the one walk per language all surfaces use), so a new resource
type is one line there. Imports nothing from checkov: the shapes are plain dicts and lists. Each policy comes back
as a document for the core, as the reason it cannot be judged, or marked `unrendered` (checkov left expression text
or intrinsics: the check reads it from the file instead), never silently dropped.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mfa_lint.checkov.rendering import cloudformation_unrendered, terraform_unrendered
from mfa_lint.core.callers import Callers
from mfa_lint.formats.cloudformation import attachments as cfn_attachments
from mfa_lint.formats.cloudformation import resources as cfn_table
from mfa_lint.formats.cloudformation.intrinsics import expand, has_intrinsics
from mfa_lint.formats.cloudformation.policies import document_views
from mfa_lint.formats.terraform import attachments as tf_attachments
from mfa_lint.formats.terraform import resources as tf_table
from mfa_lint.formats.terraform.policy_document import policy_document_from_blocks, split_references
from mfa_lint.formats.terraform.values import is_reference, normalise_document, restore_booleans, unwrap
from mfa_lint.reading.attachments import mentions_mfa
from mfa_lint.reading.site import PolicySite
from mfa_lint.reading.unknowns import terraform_unknowns

_MAX_SHOWN = 80
_METADATA_KEYS = frozenset({"__file__", "__startline__", "__endline__", "__start_line__", "__end_line__",
                            "__address__"})
_DOCUMENT_TYPES = "|".join(map(re.escape, tf_table.POLICY_DOCUMENT_DATA_SOURCES))
_DOCUMENT_REFERENCE = re.compile(rf"(\$\{{)?data\.(?:{_DOCUMENT_TYPES})\.[\w-]+(?:\[[^\]]*\])?\.json(?(1)\}})")
#: A plan carries `source_policy_documents: null`: no merge, as `[]` is.
_NO_MERGE = (None, [], [None], [[]], "")


@dataclass(frozen=True)
class PolicyInput:
    """One policy found in an entity: `document` to analyse, or `unresolved` saying why it cannot be."""

    label: str  # where in the entity, e.g. "policy", "inline_policy[1].policy", "PolicyDocument (Fn::If branch 2)"
    kind: str
    document: Any = None
    unresolved: str | None = None
    #: checkov left part of it unrendered: mfa-lint's own reader judges it from the file (checkov.from_file)
    unrendered: bool = False
    #: the policy is a data source's document, judged at that data source (no verdict here)
    judged_at: str | None = None
    #: read by mfa-lint's own reader (checkov.from_file): where its findings are located and suppressed
    site: PolicySite | None = None
    #: CloudFormation: the policy value this document comes from, and the Fn::If choices that lead to it (None when
    #: they are not known: then nothing here says a finding is certain without cfn-lint's condition solver)
    group: str | None = None
    choices: Mapping[str, bool] | None = None
    #: who calls it, from what it is attached to (reading.attachments); None: the kind's default callers
    callers: Callers | None = None
    #: its kind and callers depend on other resources (a role's trust policy, a managed policy's attachments), which
    #: a check does not see: judged from the file by mfa-lint's reader, which reads them (checkov.from_file)
    contextual: bool = False


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _terraform_document(label: str, kind: str, raw: Any) -> PolicyInput:
    reference = unwrap(raw)
    if isinstance(reference, str) and _DOCUMENT_REFERENCE.fullmatch(reference.strip()):
        # a data source of this module (data references never cross modules): its own check judges it, as the
        # CLI does, with the kind of the resources using it
        # (read from the file when it can be: a data source of another module is the CLI's unresolved note)
        return PolicyInput(label, kind, judged_at=reference.strip().strip("${}"), unrendered=True)
    left = terraform_unrendered(raw)
    if left is not None:
        reason = f"{label}: checkov left {_shown(left)} unrendered"
        return PolicyInput(label, kind, unresolved=reason, unrendered=True)
    value = normalise_document(raw)
    if isinstance(value, str):
        if is_reference(value):
            reason = f"{label} is an unresolved reference {_shown(value)}"
            return PolicyInput(label, kind, unresolved=reason)
        # not JSON as checkov rendered it: checkov mangles template directives (`%{~ if x ~}` becomes `~ if True ~`),
        # so the file is read with mfa-lint's reader, which renders templates (and says so when it is not JSON)
        reason = f"{label} is not a JSON policy document: {_shown(value)}"
        return PolicyInput(label, kind, unresolved=reason, unrendered=True)
    if not isinstance(value, (Mapping, list)):
        return PolicyInput(label, kind, unresolved=f"{label} is not a policy document: {_shown(value)}")
    return PolicyInput(label, kind, document=terraform_unknowns(value))


def terraform_resource_policies(resource_type: str, conf: Mapping[str, Any]) -> list[PolicyInput]:
    """Policies of a Terraform resource (HCL conf or plan conf); [] when none of its policy attributes is set."""
    contextual = resource_type in tf_attachments.CONTEXTUAL
    return [_placed(_terraform_document(v.label, v.kind, v.value),
                    tf_attachments.fixed_placement(resource_type, v.kind), contextual)
            for v in tf_table.policy_values(resource_type, conf)]


def _placed(policy: PolicyInput, fixed: Any, contextual: bool) -> PolicyInput:
    """The policy with the kind and callers its resource type fixes, or marked `contextual` when they depend on
    other resources and it may hold an MFA test (else no rule can fire, whoever calls it)."""
    if fixed is not None:
        return dataclasses.replace(policy, kind=fixed.kind, callers=fixed.callers)
    if contextual and policy.document is not None and mentions_mfa(policy.document):
        return dataclasses.replace(policy, contextual=True)
    return policy


def terraform_data_policies(data_type: str, conf: Mapping[str, Any]) -> list[PolicyInput]:
    """The document a `data "aws_iam_policy_document"` block builds; a plan's rendered `json` wins when present."""
    kind = tf_table.POLICY_DOCUMENT_DATA_SOURCES.get(data_type)
    if kind is None or "json" in conf or "__change_actions__" in conf:
        # a plan: its rendered `json` is judged on the resources that use it, as the CLI's plan reader does
        return []
    merges = [k for k in ("source_policy_documents", "override_policy_documents") if conf.get(k) not in _NO_MERGE]
    if not conf.get("statement") and not merges and "dynamic" not in conf:
        return []
    left = terraform_unrendered({k: conf[k] for k in ("statement", "dynamic", *merges) if k in conf})
    if left is not None:
        return [PolicyInput("statement", kind, unresolved=f"checkov left {_shown(left)} unrendered", unrendered=True)]
    found: list[PolicyInput] = []
    document, references = split_references(policy_document_from_blocks(restore_booleans(conf)))
    for reference in references:
        found.append(PolicyInput("source/override document", kind,
                                 unresolved=f"merges {_shown(reference)}, whose statements are not visible here"))
    found.append(PolicyInput("statement", kind, document=terraform_unknowns(normalise_document(document))))
    return found


def strip_metadata(value: Any) -> Any:
    """Drop checkov's `__file__` / `__startline__` / `__endline__` keys (iteratively: hostile nesting is fine)."""
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(value, root, 0)]
    while stack:
        node, parent, slot = stack.pop()
        if isinstance(node, Mapping):
            copy: Any = {}
            for key, item in node.items():
                if key not in _METADATA_KEYS:
                    copy[key] = None
                    stack.append((item, copy, key))
        elif isinstance(node, list):
            copy = [None] * len(node)
            stack.extend((item, copy, index) for index, item in enumerate(node))
        else:
            copy = node
        parent[slot] = copy
    return root[0]


def cloudformation_policies(
    resource_type: str, conf: Mapping[str, Any], *, intrinsics: bool = False,
    parameters: Mapping[str, str] | None = None,
) -> list[PolicyInput]:
    """Policies of a CloudFormation resource: the same documents the cfn-lint rules and the CLI reader judge.

    checkov has rendered some intrinsics in its conf, not as CloudFormation deploys: a parameter is its Default
    whatever its AllowedValues, a nested stack's template is read without the values its parent passes, an `Fn::If`
    keeps the branch its own evaluation picks. So every policy is `unrendered`: judged from the template by the CLI's
    reader (checkov.from_file) where the template is known and cfn-lint is installed. Where it is not, the checks
    call this with `intrinsics`: checkov's conf expanded here, every `Fn::If` combination its own document (none
    pruned: the condition solver is cfn-lint's), `Fn::Sub` text read, a `Ref` to one of `parameters` (name -> its
    Default) resolved, any other `Ref` unknown.
    """
    properties = conf.get("Properties")
    if not isinstance(properties, Mapping):
        return []
    properties = strip_metadata(properties)
    known = dict(parameters or {})

    def resolve_ref(name: str) -> str | None:
        return known.get(name)

    found: list[PolicyInput] = []
    for value in cfn_table.policy_values(resource_type, properties):
        label = ".".join(str(step) for step in value.path)
        if not intrinsics and cloudformation_unrendered(value.value):
            reason = f"{label}: checkov left intrinsic functions unrendered"
            found.append(PolicyInput(label, value.kind, unresolved=reason, unrendered=True))
            continue
        views = document_views(
            value.value, statements_only=value.prop.statements_only, resolve_ref=resolve_ref, satisfiable=_any,
            lines=None
        )
        choices: list[dict[str, bool] | None] = [dict(value.conditions)] * len(views)
        if intrinsics and has_intrinsics(value.value):  # one view per Fn::If combination, in expand's order
            variants = [] if value.prop.statements_only else expand(value.value, resolve_ref, _any)
            if len(variants) == len(views):
                choices = [{**value.conditions, **variant.conditions} for variant in variants]
            else:
                choices = [None] * len(views)
        fixed = cfn_attachments.fixed_placement(resource_type, value.kind)
        contextual = resource_type in cfn_attachments.CONTEXTUAL
        for index, view in enumerate(views):
            branch_label = label if len(views) == 1 else f"{label} (Fn::If combination {index + 1})"
            if view.note:
                found.append(PolicyInput(branch_label, value.kind, unresolved=f"{branch_label}: {view.note}",
                                         group=label, choices=choices[index], unrendered=not intrinsics))
            else:
                found.append(_placed(PolicyInput(branch_label, value.kind, document=view.document, group=label,
                                                 choices=choices[index], unrendered=not intrinsics),
                                     fixed, contextual))
    return found


def _any(_assignment: Mapping[str, bool]) -> bool:
    return True
