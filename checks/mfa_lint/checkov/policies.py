"""Find the policy documents in one checkov entity conf (Terraform resource/data, plan resource, CloudFormation).

Reads the location tables, so a new resource type is one line there. Imports nothing from checkov: the shapes
are plain dicts and lists. Each policy comes back either as a document for the core or as the reason it cannot
be judged (an unresolved reference), never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mfa_lint.locations import cloudformation as cfn_table
from mfa_lint.locations import terraform as tf_table
from mfa_lint.sources.cloudformation_policies import document_views
from mfa_lint.sources.terraform_policy_document import policy_document_from_blocks, split_references
from mfa_lint.sources.terraform_values import decode_json, is_reference, normalise_document, restore_booleans, unwrap
from mfa_lint.sources.unknowns import terraform_unknowns

_MAX_SHOWN = 80
_METADATA_KEYS = frozenset({"__file__", "__startline__", "__endline__"})


@dataclass(frozen=True)
class PolicyInput:
    """One policy found in an entity: `document` to analyse, or `unresolved` saying why it cannot be."""

    label: str  # where in the entity, e.g. "policy", "inline_policy[1].policy", "PolicyDocument (Fn::If branch 2)"
    kind: str
    document: Any = None
    unresolved: str | None = None


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _walk(node: Any, path: tuple[str, ...], label: str) -> Iterator[tuple[str, Any]]:
    """Values at `path` ("*" = each element of a block list); absent attributes yield nothing."""
    if not path:
        yield label, node
        return
    head, rest = path[0], path[1:]
    if head == "*":
        items = node if isinstance(node, list) else [node]
        for index, item in enumerate(items):
            yield from _walk(item, rest, f"{label}[{index}]")
        return
    if isinstance(node, list) and len(node) == 1 and isinstance(node[0], Mapping):
        node = node[0]
    if isinstance(node, Mapping) and head in node and node[head] not in (None, [], [None], ""):
        yield from _walk(node[head], rest, f"{label}.{head}" if label else head)


def _terraform_document(label: str, kind: str, raw: Any) -> PolicyInput:
    value = normalise_document(raw)
    if isinstance(value, str):
        if value.strip().startswith("data.aws_iam_policy_document.") or "${data.aws_iam_policy_document." in value:
            reason = f"{label} is {_shown(value)}: judged on that data source, not here"
        elif is_reference(value):
            reason = f"{label} is an unresolved reference {_shown(value)}"
        else:
            reason = f"{label} is not a JSON policy document: {_shown(value)}"
        return PolicyInput(label, kind, unresolved=reason)
    if not isinstance(value, (Mapping, list)):
        return PolicyInput(label, kind, unresolved=f"{label} is not a policy document: {_shown(value)}")
    return PolicyInput(label, kind, document=terraform_unknowns(value))


def terraform_resource_policies(resource_type: str, conf: Mapping[str, Any]) -> list[PolicyInput]:
    """Policies of a Terraform resource (HCL conf or plan conf); [] when none of its policy attributes is set."""
    found: list[PolicyInput] = []
    for attribute in tf_table.policy_attributes(resource_type):
        kind = attribute.kind_for(conf)
        if kind is None:
            continue  # e.g. an aws_organizations_policy of type TAG_POLICY: not an IAM document
        for label, raw in _walk(conf, attribute.path, ""):
            found.append(_terraform_document(label, kind, raw))
    return found


def terraform_data_policies(data_type: str, conf: Mapping[str, Any]) -> list[PolicyInput]:
    """The document a `data "aws_iam_policy_document"` block builds; a plan's rendered `json` wins when present."""
    kind = tf_table.POLICY_DOCUMENT_DATA_SOURCES.get(data_type)
    if kind is None:
        return []
    rendered = decode_json(unwrap(conf.get("json")))
    if isinstance(rendered, Mapping):
        return [PolicyInput("json", kind, document=terraform_unknowns(normalise_document(rendered)))]
    if not conf.get("statement") and not any(k in conf for k in ("source_policy_documents",
                                                                  "override_policy_documents")):
        return []
    found: list[PolicyInput] = []
    if "dynamic" in conf:
        found.append(PolicyInput("dynamic", kind, unresolved="dynamic statement blocks are not expanded"))
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


def cloudformation_policies(resource_type: str, conf: Mapping[str, Any]) -> list[PolicyInput]:
    """Policies of a CloudFormation resource: the same documents the cfn-lint rules and the CLI reader judge.

    checkov has already resolved parameter defaults in its conf; each `Fn::If` branch combination is its own
    document (shared expansion in mfa_lint.sources.cloudformation_policies).
    """
    properties = conf.get("Properties")
    if not isinstance(properties, Mapping):
        return []
    properties = strip_metadata(properties)
    found: list[PolicyInput] = []
    for prop in cfn_table.policy_properties(resource_type):
        kind = prop.kind_for(properties)
        if kind is None:
            continue
        for label, raw in _walk(properties, prop.path, ""):
            views = document_views(
                raw, statements_only=prop.statements_only, resolve_ref=_no_ref, satisfiable=_any, lines=None
            )
            for index, view in enumerate(views):
                branch_label = label if len(views) == 1 else f"{label} (Fn::If combination {index + 1})"
                if view.note:
                    found.append(PolicyInput(branch_label, kind, unresolved=f"{branch_label}: {view.note}"))
                else:
                    found.append(PolicyInput(branch_label, kind, document=view.document))
    return found


def _no_ref(_name: str) -> None:
    return None


def _any(_assignment: Mapping[str, bool]) -> bool:
    return True
