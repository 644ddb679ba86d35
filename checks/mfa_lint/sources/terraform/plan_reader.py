"""mfa-lint's reader for `terraform show -json` plans: every policy document of every planned resource.

The plan carries evaluated values (variables, locals, data sources and modules already resolved), so documents are
taken as they are: a JSON string (or a dict when a tool decoded it), `inline_policy` as a list of blocks. The
resource is the plan address. Plan JSON is one line, so spans point at line 1 unless `tf_root` names the
configuration directory: then the site points at the `resource "type" "name"` line of the .tf file declaring it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

from mfa_lint.locations.terraform import RESOURCES, policy_values
from mfa_lint.sources.site import PolicySite, Span
from mfa_lint.sources.terraform_values import normalise_version

#: Module nesting followed in planned_values (deeper modules are not walked; no real plan comes close).
MAX_MODULE_DEPTH = 64
#: .tf files read under tf_root when mapping addresses to lines.
MAX_TF_FILES = 2000

_INDEX = re.compile(r"\[[^\]]*\]")


def is_plan(doc: Any) -> bool:
    """A `terraform show -json` plan (not a state file, not a policy document)."""
    if not isinstance(doc, Mapping):
        return False
    has_body = isinstance(doc.get("planned_values"), Mapping) or isinstance(doc.get("resource_changes"), list)
    return has_body and ("format_version" in doc or "terraform_version" in doc)


def read_plan(path: str, doc: dict, tf_root: str | None = None) -> list[PolicySite]:
    """The policy documents of every planned resource the location table knows."""
    if not is_plan(doc):
        return []
    declared = _declarations(tf_root) if tf_root else {}
    sites: list[PolicySite] = []
    for address, resource_type, values in _resources(doc):
        for found in policy_values(resource_type, values):
            if isinstance(found.value, (dict, list)) or (isinstance(found.value, str) and found.value.strip()):
                sites.append(_site(path, address, resource_type, found.kind, found.value, declared))
    return sites


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
        if depth < MAX_MODULE_DEPTH:
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
    path: str, address: str, resource_type: str, kind: str, document: Any, declared: dict[tuple[str, str], tuple]
) -> PolicySite:
    name = _INDEX.sub("", address).split(".")[-1]
    where = declared.get((resource_type, name))
    file, span = (where[0], where[1]) if where else (path, Span(1, 1, 1, 1))
    return PolicySite(
        document=normalise_version(document),
        kind=kind,
        file=file,
        resource=address,
        span=span,
    )


_RESOURCE_HEADER = re.compile(r'^[ \t]*resource\s+"([^"]+)"\s+"([^"]+)"\s*\{', re.MULTILINE)


def _declarations(tf_root: str) -> dict[tuple[str, str], tuple[str, Span]]:
    """(type, name) -> (file, span of the `resource` line) for .tf files under tf_root; the shallowest file wins."""
    found: dict[tuple[str, str], tuple[str, Span]] = {}
    files: list[str] = []
    for directory, subdirs, names in os.walk(tf_root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        files.extend(os.path.join(directory, n) for n in sorted(names) if n.endswith(".tf"))
        if len(files) >= MAX_TF_FILES:
            break
    files.sort(key=lambda f: (f.count(os.sep), f))
    for file in files[:MAX_TF_FILES]:
        try:
            with open(file, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        for match in _RESOURCE_HEADER.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
            column = start - (text.rfind("\n", 0, start) + 1) + 1
            found.setdefault((match.group(1), match.group(2)),
                             (file, Span(line, column, line, column + len("resource"))))
    return found
