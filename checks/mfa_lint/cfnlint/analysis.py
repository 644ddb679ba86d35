"""One analysis per resource's Properties, shared by the five cfn-lint rules.

cfn-lint calls each rule's `validate` with the same Properties object; the first call analyses every policy
location of the resource (from `mfa_lint.formats.cloudformation.resources.RESOURCES`) and caches the resulting errors,
the others read the cache. Errors carry a path relative to Properties that ends at the offending operator key.

A template that nearby parent templates deploy as a nested stack is judged with the values they pass (as the CLI
and checkov judge it), not with its own defaults; each parameter set cfn-lint is given is a deployment of its own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cfnlint.context.conditions.exceptions import Unsatisfiable
from cfnlint.decode.mark import Mark
from cfnlint.decode.node import str_node
from cfnlint.jsonschema import Validator

from mfa_lint.core.catalog import UNJUDGED
from mfa_lint.core.findings import UNJUDGED_FINDING, Finding
from mfa_lint.formats.cloudformation.attachments import CONTEXTUAL, TemplateAttachments, fixed_placement
from mfa_lint.formats.cloudformation.nested import outermost_parents, read_template
from mfa_lint.formats.cloudformation.parameters import Passed, TemplateNames, parameter_value
from mfa_lint.formats.cloudformation.policies import analyze_value, mentions_mfa
from mfa_lint.formats.cloudformation.reader import block_lines as _block
from mfa_lint.formats.cloudformation.resources import RESOURCES, policy_values, within
from mfa_lint.formats.cloudformation.suppression import metadata_skips
from mfa_lint.reading.attachments import Placement
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.site import PolicySite, Span
from mfa_lint.reading.suppressions import NO_SUPPRESSIONS, FileSuppressions, names
from mfa_lint.scanning.site_analysis import analyze_site

KEYWORDS = tuple(f"Resources/{resource_type}/Properties" for resource_type in RESOURCES)


@dataclass(frozen=True)
class Hit:
    """A finding turned into what a cfn-lint rule yields: rule id, message, path relative to Properties."""

    cfn_lint_id: str
    message: str
    path: tuple


class _Cache:
    """Hits per Properties object, valid for one template (cleared when cfn-lint moves to the next one)."""

    def __init__(self) -> None:
        self.template: Any = None
        self._lines: list[str] | None = None
        self._lines_read = False
        self._suppressions: FileSuppressions | None = None
        self._attachments: TemplateAttachments | None = None
        self._names: list[TemplateNames] | None = None
        self._reached: dict[str, list[PolicySite]] | None = None
        self.context = ReadContext(alarm=False)
        self.entries: dict[tuple, tuple[Any, list[Hit]]] = {}

    def for_template(self, cfn: Any) -> None:
        if cfn is not self.template:
            self.template = cfn
            self._lines, self._lines_read = None, False
            self._suppressions = None
            self._names = None
            self._reached = None
            self._attachments = None
            self.context = ReadContext(alarm=False)
            self.entries = {}

    def names(self, validator: Validator) -> list[TemplateNames]:
        """The template's parameters and mappings, as every CloudFormation surface reads them (parameters module):
        once per parameter set cfn-lint was given (`--parameters`, `--deployment-files`: a deployment with those
        values, each judged), else once with the template's defaults."""
        if self._names is None:
            template = getattr(self.template, "template", None)
            template = template if isinstance(template, Mapping) else {}
            sets = getattr(validator.context, "parameter_sets", None) or []
            self._names = [TemplateNames.of(template, _passed(getattr(s, "parameters", {}))) for s in sets]
            self._names = self._names or [TemplateNames.of(template)]
        return self._names

    def reached(self, validator: Validator) -> dict[str, list[PolicySite]]:
        """Logical id -> the policy sites of this template's resources as the parents that deploy it as a nested
        stack read them (with the values they pass); empty without such parents, or when cfn-lint was given
        parameter sets (then those are the deployments)."""
        if self._reached is None:
            self._reached = {}
            filename = getattr(self.template, "filename", None)
            if filename and filename != "-" and not getattr(validator.context, "parameter_sets", None):
                for parent in outermost_parents(str(filename), self.context):
                    text = self.context.referenced(parent)
                    try:
                        sites = read_template(parent, text or "", self.context) if text is not None else []
                    except Exception:  # a parent that cannot be read says nothing about this template
                        sites = []
                    for site in sites:
                        if os.path.realpath(site.file) == os.path.realpath(str(filename)) and site.resource:
                            self._reached.setdefault(site.resource, []).append(site)
        return self._reached

    def attachments(self, validator: Validator) -> TemplateAttachments:
        """What the template's policies are attached to (the whole template: `validator.cfn.template`), a `Ref` to a
        parameter read as the first deployment reads it."""
        if self._attachments is None:
            self._attachments = TemplateAttachments(validator.cfn.template, self.names(validator)[0].ref)
        return self._attachments

    def suppressions(self) -> FileSuppressions:
        """The template's `mfa-lint:ignore` comments (a JSON template has none)."""
        if self._suppressions is None:
            lines = self.lines() if self._has_comments() else None
            self._suppressions = FileSuppressions("\n".join(lines)) if lines else NO_SUPPRESSIONS
        return self._suppressions

    def _has_comments(self) -> bool:
        filename = getattr(self.template, "filename", None) or ""
        return not str(filename).lower().endswith(".json")

    def lines(self) -> list[str] | None:
        """The template's text lines, read only when a document is JSON text (to place findings inside it)."""
        if not self._lines_read:
            self._lines_read = True
            self._lines = _read_lines(getattr(self.template, "filename", None))
        return self._lines


_CACHE = _Cache()


def hits(validator: Validator, keyword: str, instance: Any) -> list[Hit]:
    """Every MFA finding in the policies of the resource whose Properties is `instance` (cached)."""
    if not isinstance(instance, Mapping):
        return []
    _CACHE.for_template(validator.cfn)
    status = tuple(sorted(validator.context.conditions.status.items()))
    key = (id(instance), keyword, tuple(validator.context.path.path), status)
    cached = _CACHE.entries.get(key)
    if cached is not None and cached[0] is instance:
        return cached[1]
    result = _analyse(validator, keyword, instance)
    _CACHE.entries[key] = (instance, result)
    return result


def _analyse(validator: Validator, keyword: str, properties: Mapping[str, Any]) -> list[Hit]:
    resource_type = keyword.split("/")[1]
    resource_path = tuple(validator.context.path.path)
    reached = _CACHE.reached(validator).get(str(resource_path[1])) if len(resource_path) > 1 else None
    if reached:
        return _hits_through_parents(validator, properties, reached)
    satisfiable = lambda status: _satisfiable(validator, status)  # noqa: E731
    found: list[Hit] = []
    for value in policy_values(resource_type, properties, satisfiable):
        placement = _placement(validator, resource_type, value.kind)
        for template_names in _CACHE.names(validator):
            located, notes = analyze_value(
                value.value,
                placement.kind,
                statements_only=value.prop.statements_only,
                resolve_ref=template_names.ref,
                satisfiable=within(value.conditions, satisfiable),
                lines=_CACHE.lines,
                callers=placement.callers,
                names=template_names,
            )
            for item in located:
                path = _error_path(properties, value.path, item.target, item.finding.path)
                _add(found, validator, Hit(item.finding.cfn_lint_id, item.finding.message, path), item.finding)
            for note in notes:
                path = _error_path(properties, value.path, note.target, note.path)
                _add(found, validator, _unjudged(note.message, path), UNJUDGED_FINDING)
    return found


def _unjudged(message: str, path: tuple) -> Hit:
    """I9000: a policy with MFA text that could not be judged in full, at the unresolved value (the CLI's note)."""
    return Hit(UNJUDGED.cfn_lint_id, f"{UNJUDGED.title}: {message}", path)


def _add(found: list[Hit], validator: Validator, hit: Hit, finding: Finding) -> None:
    """Add a hit once, unless an `mfa-lint:ignore` comment or checkov's Metadata skip names it."""
    if hit not in found and not _suppressed(validator, finding, hit.path):
        found.append(hit)


def _placement(validator: Validator, resource_type: str, kind: str) -> Placement:
    """The policy's kind and callers from what it is attached to in the template."""
    fixed = fixed_placement(resource_type, kind)
    if fixed is not None:
        return fixed
    resource_path = tuple(validator.context.path.path)
    if resource_type in CONTEXTUAL and len(resource_path) >= 2 and resource_path[0] == "Resources":
        return _CACHE.attachments(validator).place(str(resource_path[1]), resource_type, kind)
    return Placement(kind)


def _hits_through_parents(validator: Validator, properties: Mapping[str, Any], sites: list[PolicySite]) -> list[Hit]:
    """The findings of a resource that parent templates deploy as a nested stack, read with what they pass (the
    CLI's reading of the parents), at the operator in this template."""
    found: list[Hit] = []
    for site in sites:
        analysis = analyze_site(site)
        for finding, locate in analysis.findings:
            span = locate(tuple(finding.path)) or site.span
            if not names(site.suppressed, finding):
                _add(found, validator, Hit(finding.cfn_lint_id, finding.message,
                                           _error_path(properties, (), span, finding.path)), finding)
        if names(site.suppressed, UNJUDGED_FINDING) or not mentions_mfa(site.document):
            continue
        notes = [(note.message, site.span, note.path) for note in site.notes]
        notes += [(note.message, locate(tuple(note.path)) or site.span, note.path) for note, locate in analysis.notes]
        for message, span, inner in notes:
            _add(found, validator, _unjudged(message, _error_path(properties, (), span, inner)), UNJUDGED_FINDING)
    return found


def _passed(values: Any) -> dict[str, Passed]:
    """A cfn-lint parameter set as the values a deployment passes (a list value is a list parameter's)."""
    if not isinstance(values, Mapping):
        return {}
    passed: dict[str, Passed] = {}
    for name, value in values.items():
        text = ",".join(map(str, value)) if isinstance(value, list) else parameter_value(value)
        passed[str(name)] = Passed(value=text)
    return passed


def _error_path(properties: Mapping[str, Any], prefix: tuple, target: tuple | Span, inner: tuple) -> tuple:
    """The path cfn-lint reports at: the original key objects (they carry line/column), or, inside JSON text, a
    stand-in key named after the path in the document and marked with the file position cfn-lint should report."""
    if isinstance(target, Span):
        stand_in = str_node(
            "/".join(str(step) for step in inner),
            Mark(target.line - 1, target.column - 1),
            Mark(target.end_line - 1, target.end_column - 1),
        )
        return (*_original_keys(properties, prefix), stand_in)
    return _original_keys(properties, prefix + target)


def _original_keys(root: Any, path: tuple) -> tuple:
    """Replace each key of `path` with the template's own key object, which carries its position."""
    node = root
    out = []
    for step in path:
        if isinstance(node, Mapping):
            original = next((k for k in node if k == step), step)
            out.append(original)
            node = node.get(step)
        else:
            out.append(step)
            node = node[step] if isinstance(node, list) and isinstance(step, int) and step < len(node) else None
    return tuple(out)


def _suppressed(validator: Validator, finding: Finding, path: tuple) -> bool:
    """An `mfa-lint:ignore` comment on the finding's line or in the resource's lines, or checkov's Metadata skip
    (cfn-lint has no comment suppressions of its own; its Metadata ignore_checks it applies itself)."""
    resource_path = tuple(validator.context.path.path)[:2]
    resources = validator.cfn.template.get("Resources", {})
    if len(resource_path) < 2 or not isinstance(resources, Mapping):
        return False
    logical_id = next((k for k in resources if k == resource_path[1]), None)
    resource = resources.get(logical_id) if logical_id is not None else None
    if isinstance(resource, Mapping) and names(metadata_skips(resource), finding):
        return True  # checkov's Metadata skip (cfn-lint applies its own ignore_checks)
    suppressions = _CACHE.suppressions()
    if suppressions is NO_SUPPRESSIONS:
        return False
    block = _block(logical_id, resource)
    line = _line_of(path, validator)
    return suppressions.suppresses(finding, line or 0, block)


def _line_of(path: tuple, validator: Validator) -> int | None:
    """The line cfn-lint reports a path at: the mark of its last key that has one."""
    for step in reversed(path):
        mark = getattr(step, "start_mark", None)
        if mark is not None:
            return mark.line + 1
    return None


def _satisfiable(validator: Validator, status: Mapping[str, bool]) -> bool:
    try:
        validator.context.conditions.evolve(status=dict(status))
    except Unsatisfiable:
        return False
    return True


def _read_lines(filename: str | None) -> list[str] | None:
    """The template's lines, to place findings inside JSON text; None when linting stdin or data."""
    if not filename or filename == "-":
        return None
    try:
        with open(filename, encoding="utf-8") as handle:
            return handle.read().split("\n")
    except (OSError, UnicodeDecodeError):
        return None
