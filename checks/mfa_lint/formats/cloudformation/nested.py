"""Nested stacks deployed from local templates, read with the parameters their parent passes.

`AWS::CloudFormation::Stack` with a `TemplateURL` that is a local path (as `aws cloudformation package`, `sam` and
`rain` read them before packaging) and SAM's `AWS::Serverless::Application` with a local `Location` deploy another
template of the repository. That template's policies deploy with the values the parent passes in `Parameters`: a
literal, one of the parent's parameters (with its default and allowed values: parameters module), or something only
known at deploy time (a GetAtt: unknown). Its policy sites are read here with those values and reported in the
child's file at the operator, named by the child's logical id, as checkov names the child's resources when it scans
the child's file (a scan that also walks the child keeps one finding per place: scanning.identity).

Nesting is followed to limits.NESTED_STACK_DEPTH levels and limits.NESTED_STACK_READS templates per scanned file,
never into a template already on the chain; a nested template that cannot be read is a note on the stack resource.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mfa_lint.core.findings import MALFORMED, MISSING_FILE, READER_LIMIT, Note, NoteKind
from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.formats.cloudformation.intrinsics import expand, has_intrinsics, render_strings
from mfa_lint.formats.cloudformation.parameters import Passed, TemplateNames, parameter_value
from mfa_lint.formats.cloudformation.reader import _UNKNOWN, _span_of, block_lines, decode_template, template_sites
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.limits import (
    NESTED_STACK_DEPTH,
    NESTED_STACK_PARENT_FILES,
    NESTED_STACK_PARENT_LEVELS,
    NESTED_STACK_READS,
)
from mfa_lint.reading.site import PolicySite, SourceError

#: Resource types that deploy another template, and the property naming it.
NESTED_STACK_TYPES = {"AWS::CloudFormation::Stack": "TemplateURL", "AWS::Serverless::Application": "Location"}
_REMOTE = ("http://", "https://", "s3://")


@dataclass
class _Walk:
    context: ReadContext
    reads: int = 0
    chain: tuple[str, ...] = ()
    notes: list[PolicySite] = field(default_factory=list)


def _nests(resource: Mapping[str, Any]) -> bool:
    kind = resource.get("Type")
    return isinstance(kind, str) and kind in NESTED_STACK_TYPES


def local_template(parent: str, location: Any) -> str | None:
    """The local file a nested stack's TemplateURL / Location names (relative to the parent's folder), or None
    when it names none (a URL, an S3 object, a serverless application id, an intrinsic)."""
    if not isinstance(location, str) or not location.strip() or location.strip().lower().startswith(_REMOTE):
        return None
    if "{{resolve:" in location:  # a dynamic reference (SSM, Secrets Manager): known at deploy time only
        return None
    relative = location.strip().removeprefix("file://")
    path = os.path.normpath(os.path.join(os.path.dirname(parent), relative))
    if not os.path.isfile(path) and not relative.lower().endswith(_TEMPLATE_EXTENSIONS):
        return None  # no template there, nor a template's name (`path/`, a placeholder): not a local template
    return path


#: What a local template file is named (a missing one of these is said: it may hold the MFA test).
_TEMPLATE_EXTENSIONS = (".yaml", ".yml", ".json", ".template")


def read_template(path: str, text: str, context: ReadContext | None = None) -> list[PolicySite]:
    """Every policy document of the template (reader.read_cloudformation) and of the nested stacks it deploys from
    local templates, at every level: what the CLI and checkov's from-file path read for a template."""
    context = context or ReadContext()
    template = decode_template(text)
    names = TemplateNames.of(template)
    return template_sites(path, template, text.split("\n"), names, context) + nested_sites(path, template, names,
                                                                                           context)


def nested_sites(path: str, template: Mapping[str, Any], names: TemplateNames,
                 context: ReadContext) -> list[PolicySite]:
    """The policy sites of every nested stack `template` deploys from a local template, at every level."""
    walk = _Walk(context, chain=(os.path.realpath(path),))
    sites = _nested(path, template, names, walk)
    return sites + walk.notes


def _nested(path: str, template: Mapping[str, Any], names: TemplateNames, walk: _Walk) -> list[PolicySite]:
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return []
    sites: list[PolicySite] = []
    for logical_id, resource in resources.items():
        sites.extend(_stack(path, logical_id, resource, names, walk))
    return sites


def _stack(path: str, logical_id: Any, resource: Any, names: TemplateNames, walk: _Walk) -> list[PolicySite]:
    if not isinstance(resource, Mapping) or not _nests(resource):
        return []
    properties = resource.get("Properties")
    if not isinstance(properties, Mapping):
        return []
    key = NESTED_STACK_TYPES[resource["Type"]]
    child = local_template(path, properties.get(key))
    if child is None:
        return []
    walk.context.check_time()

    def note(message: str, kind: NoteKind) -> list[PolicySite]:
        span = _span_of(properties, (key,)) or _UNKNOWN
        walk.notes.append(PolicySite({}, PolicyKind.IDENTITY, path, str(logical_id), span,
                                     notes=[Note(message, kind=kind)], block=block_lines(logical_id, resource)))
        return []

    shown = properties.get(key)
    if os.path.realpath(child) in walk.chain:
        return note(f"nested stack {logical_id} deploys {shown}, a template already on its chain of nested stacks "
                    "(a cycle): not read again", MALFORMED)
    if len(walk.chain) > NESTED_STACK_DEPTH or walk.reads >= NESTED_STACK_READS:
        return note(f"nested stack {logical_id} ({shown}) not read: more than {NESTED_STACK_DEPTH} levels or "
                    f"{NESTED_STACK_READS} nested templates", READER_LIMIT)
    walk.reads += 1
    text = walk.context.referenced(child)
    if text is None:
        return note(f"nested stack {logical_id}: its template {shown} cannot be read, so the policies it deploys "
                    "are not judged", MISSING_FILE)
    try:
        child_template = decode_template(text)
    except SourceError as error:
        return note(f"nested stack {logical_id}: its template {shown} cannot be read: {error}", MALFORMED)
    passed = _passed(properties.get("Parameters"), names)
    child_names = TemplateNames.of(child_template, passed, via=str(logical_id))
    sites = template_sites(child, child_template, text.split("\n"), child_names, walk.context)
    outer = walk.chain
    walk.chain = (*outer, os.path.realpath(child))
    try:
        sites.extend(_nested(child, child_template, child_names, walk))
    finally:
        walk.chain = outer
    return sites


_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")


def nested_parents(child: str, context: ReadContext) -> list[str]:
    """Templates that deploy `child` as a nested stack, at any level (a parent's parents too, up to
    limits.NESTED_STACK_DEPTH), looked for where they usually are: in each template's folder and
    limits.NESTED_STACK_PARENT_LEVELS folders above it. A host that sees one template at a time (checkov) asks this;
    a scan reads the parents themselves. A template counts when one of its nested stacks resolves to it (each folder
    is read once: _nesting)."""
    found: list[str] = []
    seen = {os.path.realpath(child)}
    frontier = [child]
    for _ in range(NESTED_STACK_DEPTH):
        following = []
        for template in frontier:
            for parent in _direct_parents(template, context):
                if os.path.realpath(parent) not in seen:
                    seen.add(os.path.realpath(parent))
                    found.append(parent)
                    following.append(parent)
        if not following:
            break
        frontier = following
    return found


def outermost_parents(child: str, context: ReadContext) -> list[str]:
    """The templates of nested_parents that no other of them deploys: a parent that is itself a nested stack
    (platform.yaml, deployed by ../parent.yaml) is judged through its own parent, with what that one passes, never
    with its own defaults (as a scan drops a reading its parent's supersedes: scanning.identity.drop_superseded)."""
    parents = nested_parents(child, context)
    known = {os.path.realpath(p) for p in parents}
    return [p for p in parents if not any(os.path.realpath(q) in known for q in _direct_parents(p, context))]


def _direct_parents(child: str, context: ReadContext) -> list[str]:
    target = os.path.realpath(child)
    found: list[str] = []
    folder = os.path.dirname(os.path.abspath(child))
    for _ in range(NESTED_STACK_PARENT_LEVELS + 1):
        found += [parent for parent, children in _nesting(folder, context).items() if target in children]
        above = os.path.dirname(folder)
        if above == folder:
            break
        folder = above
    return found


#: folder (and its modification time) -> template that deploys nested stacks -> the local templates it deploys
_NESTING: OrderedDict[tuple[str, int], dict[str, frozenset[str]]] = OrderedDict()
_FOLDERS_KEPT = 64


def _nesting(folder: str, context: ReadContext) -> dict[str, frozenset[str]]:
    """The templates of a folder that deploy nested stacks from local templates, read once per folder (every
    template of a folder asks for its parents; limits.NESTED_STACK_PARENT_FILES files at most, in name order)."""
    try:
        key = (folder, os.stat(folder).st_mtime_ns)
        entries = sorted(os.listdir(folder))
    except OSError:
        return {}
    if key in _NESTING:
        _NESTING.move_to_end(key)
        return _NESTING[key]
    index: dict[str, frozenset[str]] = {}
    templates = [e for e in entries if e.lower().endswith(_TEMPLATE_SUFFIXES)][:NESTED_STACK_PARENT_FILES]
    for entry in templates:
        path = os.path.join(folder, entry)
        text = context.referenced(path) if os.path.isfile(path) else None
        if text is not None and any(t in text for t in NESTED_STACK_TYPES):
            children = _deployed(path, text)
            if children:
                index[path] = children
    _NESTING[key] = index
    while len(_NESTING) > _FOLDERS_KEPT:
        _NESTING.popitem(last=False)
    return index


def _deployed(parent: str, text: str) -> frozenset[str]:
    """The local templates (real paths) the nested stacks of `parent` deploy."""
    try:
        template = decode_template(text)
    except SourceError:
        return frozenset()
    resources = template.get("Resources")
    found = set()
    for resource in resources.values() if isinstance(resources, Mapping) else ():
        if isinstance(resource, Mapping) and _nests(resource):
            properties = resource.get("Properties")
            if isinstance(properties, Mapping):
                child = local_template(parent, properties.get(NESTED_STACK_TYPES[resource["Type"]]))
                if child is not None:
                    found.add(os.path.realpath(child))
    return frozenset(found)


def _passed(parameters: Any, names: TemplateNames) -> dict[str, Passed]:
    """What a nested stack's `Parameters` pass, evaluated in the parent (its parameters, mappings, Refs)."""
    if not isinstance(parameters, Mapping):
        return {}
    passed: dict[str, Passed] = {}
    for name, value in parameters.items():
        if not isinstance(name, str):
            continue
        if isinstance(value, Mapping) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
            parameter = names.parameters.get(value["Ref"])
            passed[name] = Passed(parameter=parameter) if parameter is not None else Passed()
            continue
        passed[name] = Passed(value=_value(value, names))
    return passed


def _value(value: Any, names: TemplateNames) -> str | None:
    """A value the parent passes, as the string CloudFormation passes (a list is joined with commas), or None when
    it is only known at deploy time (or depends on a choice the parent's parameters leave open)."""
    if has_intrinsics(value):
        variants = expand(value, names.ref, names=names)
        if len(variants) != 1:
            return None
        value = render_strings(variants[0].value, variants[0].resolve)
        if has_intrinsics(value) or (isinstance(value, str) and "${" in value):
            return None
    if isinstance(value, list):
        items = [parameter_value(item) for item in value]
        return None if any(item is None for item in items) else ",".join(items)  # type: ignore[arg-type]
    return parameter_value(value)
