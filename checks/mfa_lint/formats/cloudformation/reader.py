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

from mfa_lint.core.findings import MALFORMED, READER_LIMIT, Note
from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.formats.cloudformation.attachments import CONTEXTUAL, TemplateAttachments, fixed_placement
from mfa_lint.formats.cloudformation.parameters import TemplateNames
from mfa_lint.formats.cloudformation.policies import DocumentView, document_views
from mfa_lint.formats.cloudformation.resources import PolicyProperty, policy_values, within
from mfa_lint.formats.cloudformation.suppression import metadata_skips
from mfa_lint.reading.attachments import mentions_mfa
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.limits import PARAMETER_VARIANTS
from mfa_lint.reading.site import PolicySite, SourceError, Span, Variant

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
    """Every policy document in the template, with kind, logical id, exact locations and suppressions (the nested
    stacks it deploys are read by mfa_lint.formats.cloudformation.nested.read_template). `context`: the scan's read
    context (its deadline is checked per resource)."""
    context = context or ReadContext()
    template = decode_template(text)
    return template_sites(path, template, text.split("\n"), TemplateNames.of(template), context)


def decode_template(text: str) -> Mapping[str, Any]:
    """The decoded template (a Serverless Framework file's `resources:`); SourceError when it is none."""
    template = _decode(text)
    if not isinstance(template, Mapping):
        raise SourceError("not a CloudFormation template: the top level is not a mapping")
    if "Resources" not in template and "service" in template and isinstance(template.get("resources"), Mapping):
        template = template["resources"]  # Serverless Framework: CloudFormation under `resources:`
    return template


def template_sites(path: str, template: Mapping[str, Any], lines: list[str], names: TemplateNames,
                   context: ReadContext) -> list[PolicySite]:
    """The policy sites of a decoded template whose names (parameters, mappings) are `names`: one site per policy
    document and Fn::If combination, whose variants are the documents allowed parameter values build."""
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return []
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
                resolve_ref=names.ref,
                satisfiable=within(found.conditions, satisfiable),
                lines=lines,
                names=names,
            )
            groups: dict[tuple, list[DocumentView]] = {}
            for view in views:
                groups.setdefault((view.group(), view.note is not None and id(view)), []).append(view)
            for group in groups.values():
                site = _site(path, str(logical_id), found.kind, found.prop, group, properties, value_path, holder,
                             suppressed)
                site.block = block
                _place(site, resource["Type"], template, names.ref, graph)
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
    try:
        import cfnlint  # noqa: F401
    except ImportError:  # a checkov without cfn-lint: no pruning (its checks decide what to do with Fn::If)
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

    try:
        decode_str = import_cfn_lint_decoder()  # without sympy and networkx, which only some templates need
    except ImportError:  # a checkov without cfn-lint (checkov-action's image): the same shapes from PyYAML
        from mfa_lint.formats.cloudformation.plain_decode import plain_decode

        try:
            return plain_decode(text)
        except (ValueError, RecursionError) as error:
            raise SourceError(str(error) or "template nested too deeply to read") from None
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
    group: list[DocumentView],
    properties: Mapping[str, Any],
    value_path: tuple,
    holder: Span,
    suppressed: frozenset[str],
) -> PolicySite:
    """One policy: the views of one Fn::If combination (more than one: built with allowed parameter values)."""

    def locator(view: DocumentView) -> Callable[[tuple], Span | None]:
        def locate(doc_path: tuple) -> Span | None:
            target = view.target(tuple(doc_path))
            if isinstance(target, Span):
                return target
            return _span_of(properties, value_path + target)

        return locate

    first = group[0]
    span = _span_of(properties, value_path + first.holder) or holder
    notes = [Note(first.note, kind=MALFORMED)] if first.note else []
    if any(view.limited for view in group):
        notes.append(Note(f"more than {PARAMETER_VARIANTS} combinations of allowed parameter values: some "
                          "parameters were judged at their default only", kind=READER_LIMIT))
    variants = [Variant(v.label, v.document, locator(v), v.alternative, v.values) for v in group]
    variants = variants if len(group) > 1 else []
    return PolicySite(
        document=first.document,
        kind=kind,
        file=file,
        resource=logical_id,
        span=span,
        locate=locator(first),
        notes=notes,
        suppressed=suppressed,
        variants=variants,
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
