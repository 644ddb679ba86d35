"""mfa-lint's reader for `terraform show -json` plans: every policy document of every planned resource.

The plan carries evaluated values (variables, locals, data sources and modules already resolved), so documents are
taken as they are: a JSON string (or a dict when a tool decoded it), `inline_policy` as a list of blocks. The
resource is the plan address. Plan JSON is one line, so a site points at the `resource "type" "name"` line of the
configuration file that declares it when the configuration is known (`tf_root`, or found beside the plan with
`find_tf_root`: see plan.configuration), else at the plan's line 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from mfa_lint.core.values import Unknown
from mfa_lint.formats.plan.attachments import CONTEXTUAL, PlanAttachments, fixed_placement
from mfa_lint.formats.plan.configuration import Configuration, find_configuration
from mfa_lint.formats.terraform.policy_document import policy_document_from_blocks, split_references
from mfa_lint.formats.terraform.resources import RESOURCES, PolicyAttribute, policy_values
from mfa_lint.formats.terraform.values import normalise_version
from mfa_lint.reading.attachments import mentions_mfa
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.limits import PLAN_MODULE_DEPTH
from mfa_lint.reading.site import PolicySite, Span
from mfa_lint.reading.unknowns import terraform_unknowns

_INDEX = re.compile(r"\[[^\]]*\]")


def is_plan(doc: Any) -> bool:
    """A `terraform show -json` plan (not a state file, not a policy document)."""
    if not isinstance(doc, Mapping):
        return False
    has_body = isinstance(doc.get("planned_values"), Mapping) or isinstance(doc.get("resource_changes"), list)
    return has_body and ("format_version" in doc or "terraform_version" in doc)


def read_plan(
    path: str, doc: dict, tf_root: str | None = None, context: ReadContext | None = None, find_tf_root: bool = False
) -> list[PolicySite]:
    """The policy documents of every planned resource the resource table knows (`context`: its deadline is checked
    per resource), each with the kind and callers of what it is attached to (formats.plan.attachments).
    `tf_root`: the configuration's root module folder; `find_tf_root`: without one, look for it beside the plan."""
    if not is_plan(doc):
        return []
    context = context or ReadContext()
    declared = find_configuration(path, doc, context, tf_root) if tf_root or find_tf_root else None
    sites: list[PolicySite] = []
    graph: list[PlanAttachments] = []
    for address, resource_type, values in _resources(doc):
        context.check_time()
        found_sites = []
        for found in policy_values(resource_type, values):
            if isinstance(found.value, (dict, list)) or (isinstance(found.value, str) and found.value.strip()):
                found_sites.append(_site(path, address, resource_type, found.kind, found.value, declared))
        for policy_attribute in RESOURCES.get(resource_type, ()):
            kind = policy_attribute.kind_for(values)
            for document in _deferred(doc, address, values, policy_attribute) if kind else ():
                found_sites.append(_site(path, address, resource_type, kind, document, declared))
        for site in found_sites:
            _place(site, resource_type, doc, graph)
        sites.extend(found_sites)
    return sites


def _place(site: PolicySite, resource_type: str, doc: Mapping[str, Any], graph: list[PlanAttachments]) -> None:
    """The site's kind and callers from what its policy is attached to in the plan (built on first need)."""
    placement = fixed_placement(resource_type, site.kind)
    if placement is None and resource_type in CONTEXTUAL and mentions_mfa(site.document):
        if not graph:
            graph.append(PlanAttachments(doc))
        placement = graph[0].place(site.resource or "", resource_type, site.kind)
    if placement is not None:
        site.kind, site.callers = placement.kind, placement.callers


# -- policies unknown at plan time ------------------------------------------------------------------------------


def _deferred(
    doc: Mapping[str, Any], address: str, values: Mapping[str, Any], policy_attribute: PolicyAttribute
) -> list[Any]:
    """A policy unknown at plan time because the policy-document data source it uses is read during apply (it
    references a resource being created): the data source's statements as planned, found through the
    configuration's references. Parts still unknown (the bucket ARN) are Unknown."""
    if len(policy_attribute.path) != 1 or policy_attribute.path[0] in values:
        return []
    attribute = policy_attribute.path[0]
    change = _changes(doc).get(address, {})
    after_unknown = change.get("after_unknown") if isinstance(change, Mapping) else None
    if not (isinstance(after_unknown, Mapping) and after_unknown.get(attribute) is True):
        return []
    expression = _configuration(doc).get(_INDEX.sub("", address), {}).get(attribute)
    references = expression.get("references") if isinstance(expression, Mapping) else None
    documents = []
    for reference in references if isinstance(references, list) else []:
        match = _DOCUMENT_REFERENCE.fullmatch(reference) if isinstance(reference, str) else None
        if match is None:
            continue
        data_address = f"data.{match.group(1)}.{match.group(2)}"
        data_values = _planned_data(doc).get(data_address)
        data_change = _changes(doc).get(data_address, {})
        unknown = data_change.get("after_unknown") if isinstance(data_change, Mapping) else None
        if isinstance(data_values, Mapping):
            block = _with_unknowns(data_values, unknown if isinstance(unknown, Mapping) else {}, data_address)
            documents.append(terraform_unknowns(split_references(policy_document_from_blocks(block))[0]))
            break
    return documents


_DOCUMENT_REFERENCE = re.compile(r"data\.(aws_iam_policy_document)\.([\w-]+)\.json")


def _with_unknowns(values: Any, unknown: Any, where: str, depth: int = 0) -> Any:
    """The data source's planned values with what the plan marks unknown (`after_unknown`) as Unknown."""
    if depth > PLAN_MODULE_DEPTH:
        return values
    if isinstance(values, Mapping):
        out = {k: _with_unknowns(v, unknown.get(k) if isinstance(unknown, Mapping) else None, where, depth + 1)
               for k, v in values.items()}
        if isinstance(unknown, Mapping):
            for key, flag in unknown.items():
                if flag is True and key not in out and key not in ("id", "json", "minified_json"):
                    out[key] = [Unknown(f"{where}.{key} (known after apply)")]
        return out
    if isinstance(values, list):
        flags = unknown if isinstance(unknown, list) else []
        return [_with_unknowns(v, flags[i] if i < len(flags) else None, where, depth + 1)
                for i, v in enumerate(values)]
    return values


def _changes(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {c.get("address"): c.get("change") for c in _list(doc.get("resource_changes")) if isinstance(c, Mapping)}


def _planned_data(doc: Mapping[str, Any]) -> dict[str, Any]:
    planned = doc.get("planned_values")
    root = planned.get("root_module") if isinstance(planned, Mapping) else None
    resources = _list(root.get("resources")) if isinstance(root, Mapping) else []
    return {r.get("address"): r.get("values") for r in resources
            if isinstance(r, Mapping) and r.get("mode") == "data"}


def _configuration(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Root module resources' expressions by address (references say which data source a policy uses)."""
    configuration = doc.get("configuration")
    root = configuration.get("root_module") if isinstance(configuration, Mapping) else None
    resources = _list(root.get("resources")) if isinstance(root, Mapping) else []
    return {r.get("address"): r.get("expressions") or {} for r in resources if isinstance(r, Mapping)}


def _resources(doc: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(address, type, values) of managed resources: planned_values first, then resource_changes not seen there."""
    seen: set[str] = set()
    planned = doc.get("planned_values")
    root = planned.get("root_module") if isinstance(planned, Mapping) else None
    stack: list[tuple[Any, int]] = [(root, 0)] if isinstance(root, Mapping) else []
    while stack:
        module, depth = stack.pop(0)
        for resource in _list(module.get("resources")):
            found = _resource(resource, resource.get("values") if isinstance(resource, Mapping) else None)
            if found and found[0] not in seen:
                seen.add(found[0])
                yield found
        if depth < PLAN_MODULE_DEPTH:
            stack.extend((child, depth + 1) for child in _list(module.get("child_modules"))
                         if isinstance(child, Mapping))
    for change in _list(doc.get("resource_changes")):
        if not isinstance(change, Mapping) or not isinstance(change.get("change"), Mapping):
            continue
        found = _resource(change, change["change"].get("after"))
        if found and found[0] not in seen:
            seen.add(found[0])
            yield found


def _resource(resource: Any, values: Any) -> tuple[str, str, Mapping[str, Any]] | None:
    if not isinstance(resource, Mapping) or not isinstance(values, Mapping):
        return None
    if resource.get("mode", "managed") != "managed":
        return None
    resource_type, address = resource.get("type"), resource.get("address")
    if not isinstance(resource_type, str) or not isinstance(address, str) or resource_type not in RESOURCES:
        return None
    return address, resource_type, values


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _site(
    path: str, address: str, resource_type: str, kind: str, document: Any, declared: Configuration | None
) -> PolicySite:
    where = declared.declaration(address) if declared is not None else None
    if where is None:
        return PolicySite(document=normalise_version(document), kind=kind, file=path, resource=address,
                          span=Span(1, 1, 1, 1))
    return PolicySite(document=normalise_version(document), kind=kind, file=where.file, resource=address,
                      span=where.span, block=where.block, block_file=where.file)
