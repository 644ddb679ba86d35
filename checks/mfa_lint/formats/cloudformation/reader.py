"""Reader for CloudFormation and SAM templates (YAML or JSON) for the `mfa-lint` CLI.

It decodes with cfn-lint's decoder (safe YAML, short intrinsic tags, duplicate-key and alias-bomb guards, a
line/column on every node), finds every policy property of the location table, and yields one PolicySite per
document and Fn::If branch combination (the scan deduplicates findings that several combinations share). A site
locates the operator key token itself, also inside JSON text (Fn::Sub, JSON-string documents) when the text's
place in the file is certain; otherwise the property key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mfa_lint.core.findings import MALFORMED, Note
from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.formats.cloudformation.attachments import CONTEXTUAL, TemplateAttachments, fixed_placement
from mfa_lint.formats.cloudformation.intrinsics import parameter_value
from mfa_lint.formats.cloudformation.policies import DocumentView, document_views
from mfa_lint.formats.cloudformation.resources import PolicyProperty, policy_values, within
from mfa_lint.formats.cloudformation.suppression import metadata_skips
from mfa_lint.reading.attachments import mentions_mfa
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.site import PolicySite, SourceError, Span

_UNKNOWN = Span(1, 1, 1, 1)


def looks_like_template(doc: Any) -> bool:
    """A template has a Resources mapping of typed resources (or at least declares the template format version)."""
    if not isinstance(doc, Mapping):
        return False
    resources = doc.get("Resources")
    if isinstance(resources, Mapping):
        return any(isinstance(r, Mapping) and isinstance(r.get("Type"), str) for r in resources.values()) or (
            "AWSTemplateFormatVersion" in doc or not resources
        )
    return "AWSTemplateFormatVersion" in doc


def read_cloudformation(path: str, text: str, context: ReadContext | None = None) -> list[PolicySite]:
    """Every policy document in the template, with kind, logical id, exact locations and suppressions. `context`:
    the scan's read context (its deadline is checked per resource)."""
    context = context or ReadContext()
    template = _decode(text)
    if not isinstance(template, Mapping):
        raise SourceError("not a CloudFormation template: the top level is not a mapping")
    if "Resources" not in template and "service" in template and isinstance(template.get("resources"), Mapping):
        template = template["resources"]  # Serverless Framework: CloudFormation under `resources:`
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return []
    lines = text.split("\n")
    parameters = template.get("Parameters")
    parameters = parameters if isinstance(parameters, Mapping) else {}

    def resolve_ref(name: str) -> Any | None:
        parameter = parameters.get(name)
        return parameter_value(parameter.get("Default")) if isinstance(parameter, Mapping) else None

    satisfiable = _condition_solver(template.get("Conditions"))
    graph: list[TemplateAttachments] = []  # what each policy is attached to: built when a policy mentions MFA
    sites: list[PolicySite] = []
    for logical_id, resource in resources.items():
        context.check_time()
        if not isinstance(resource, Mapping) or not isinstance(resource.get("Type"), str):
            continue
        properties = resource.get("Properties")
        if not isinstance(properties, Mapping):
            continue
        suppressed = metadata_skips(resource)
        block = block_lines(logical_id, resource)
        for found in policy_values(resource["Type"], properties, satisfiable):
            value_path = found.path
            holder = _span_of(properties, value_path) or _span_of(resource, ("Properties",)) or _UNKNOWN
            views = document_views(
                found.value,
                statements_only=found.prop.statements_only,
                resolve_ref=resolve_ref,
                satisfiable=within(found.conditions, satisfiable),
                lines=lines,
            )
            for view in views:
                site = _site(path, str(logical_id), found.kind, found.prop, view, properties, value_path, holder,
                             suppressed)
                site.block = block
                _place(site, resource["Type"], template, resolve_ref, graph)
                sites.append(site)
    return sites


def _place(site: PolicySite, resource_type: str, template: Mapping[str, Any], resolve_ref: Callable[[str], Any],
           graph: list[TemplateAttachments]) -> None:
    """The site's kind and callers from what its policy is attached to (formats.cloudformation.attachments)."""
    placement = fixed_placement(resource_type, site.kind)
    if placement is None and resource_type in CONTEXTUAL and mentions_mfa(site.document):
        if not graph:
            graph.append(TemplateAttachments(template, resolve_ref))
        placement = graph[0].place(site.resource or "", resource_type, site.kind)
    if placement is not None:
        site.kind, site.callers = placement.kind, placement.callers


def block_lines(key: Any, resource: Any) -> tuple[int, int] | None:
    """First and last line of a resource: from its logical id to the end of its mapping."""
    start, end = getattr(key, "start_mark", None), getattr(resource, "end_mark", None)
    if start is None or end is None:
        return None
    last = end.line + 1 if end.column > 0 else end.line
    return start.line + 1, max(last, start.line + 1)


def _condition_solver(conditions: Any) -> Callable[[Mapping[str, bool]], bool]:
    """cfn-lint's own condition solver, so that the CLI prunes the Fn::If combinations cfn-lint prunes
    (`East` and `Not East` at once never deploys). Without Conditions, or if cfn-lint cannot read them: no pruning."""
    if not isinstance(conditions, Mapping) or not conditions:
        return _always
    from cfnlint.context.conditions import Conditions
    from cfnlint.context.conditions.exceptions import Unsatisfiable

    from mfa_lint.formats.cloudformation.cfn_lint_import import resolve

    resolve()  # the solver needs sympy: import it now (deferred until a template has Conditions)

    try:
        solver = Conditions.create_from_instance(dict(conditions), rules={}, parameters={})
    except Exception:  # a malformed Conditions section: judge every combination rather than fail the file
        return _always

    def satisfiable(status: Mapping[str, bool]) -> bool:
        try:
            solver.evolve(dict(status))
        except Unsatisfiable:
            return False
        except Exception:
            return True
        return True

    return satisfiable


def _always(_status: Mapping[str, bool]) -> bool:
    return True


def _decode(text: str) -> Any:
    """Decode with cfn-lint (YAML first, JSON for what YAML rejects); any problem becomes a one-line SourceError."""
    from mfa_lint.formats.cloudformation.cfn_lint_import import import_cfn_lint_decoder

    decode_str = import_cfn_lint_decoder()  # without sympy and networkx, which only some templates need

    try:
        template, matches = decode_str(text)
    except RecursionError:
        raise SourceError("template nested too deeply to read") from None
    if matches:
        first = matches[0]
        message = " ".join(str(getattr(first, "message", first)).split())
        if "has no attribute 'start_mark'" in message:  # cfn-lint's decoder on a key like `1:` or `true:`
            message = "a mapping key is not a string (a number or boolean), which CloudFormation does not accept"
        line = getattr(first, "linenumber", None)
        raise SourceError(f"{message} (line {line})" if line and "(line" not in message else message)
    return template


def _site(
    file: str,
    logical_id: str,
    kind: PolicyKind,
    prop: PolicyProperty,
    view: DocumentView,
    properties: Mapping[str, Any],
    value_path: tuple,
    holder: Span,
    suppressed: frozenset[str],
) -> PolicySite:
    def locate(doc_path: tuple) -> Span | None:
        target = view.target(tuple(doc_path))
        if isinstance(target, Span):
            return target
        return _span_of(properties, value_path + target)

    span = _span_of(properties, value_path + view.holder) or holder
    notes = [Note(view.note, kind=MALFORMED)] if view.note else []
    return PolicySite(
        document=view.document,
        kind=kind,
        file=file,
        resource=logical_id,
        span=span,
        locate=locate,
        notes=notes,
        suppressed=suppressed,
    )


def _key(mapping: Mapping[str, Any], name: Any) -> Any:
    """The mapping's own key object equal to `name` (decoded keys carry their position)."""
    return next((k for k in mapping if k == name), name)


def _span_of(root: Any, path: tuple) -> Span | None:
    """The Span of the element at `path`: a key token for mapping members, the item's first token for list items."""
    node = root
    span = None
    for step in path:
        if isinstance(node, Mapping):
            key = _key(node, step)
            if key not in node:
                return span
            span = _mark_span(key) or span
            node = node[key]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
            start = getattr(node, "start_mark", None)
            if start is not None:
                span = Span(start.line + 1, start.column + 1, start.line + 1, start.column + 2)
        else:
            return span
    return span


def _mark_span(node: Any) -> Span | None:
    start, end = getattr(node, "start_mark", None), getattr(node, "end_mark", None)
    if start is None or end is None or (start.line, start.column) == (end.line, end.column):
        return None
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)
