"""mfa-lint's reader for Terraform's JSON syntax (`*.tf.json`): the same resources and data sources as `.tf`.

A policy attribute holds a string: JSON (decoded with positions, its `${...}` unknown one by one) or one
`${ expression }` (`"${jsonencode({...})}"`, evaluated like HCL). `aws_iam_policy_document` data sources hold their
statements as JSON objects. Which attributes hold policies, and their kind, comes from
mfa_lint.formats.terraform.resources.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from mfa_lint.core.findings import UNRESOLVED, Note
from mfa_lint.formats.terraform.hcl_templates import Interpolation, located_parts
from mfa_lint.formats.terraform.hcl_values import Evaluator, Scope
from mfa_lint.formats.terraform.policy_document import policy_document_from_blocks, split_references
from mfa_lint.formats.terraform.resources import POLICY_DOCUMENT_DATA_SOURCES, RESOURCES
from mfa_lint.formats.terraform.template_json import Template, decode
from mfa_lint.formats.terraform.values import normalise_version
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.json_positions import loads_with_positions
from mfa_lint.reading.lines import line_starts, offset_of, position_of
from mfa_lint.reading.site import PolicySite, SourceError, Span
from mfa_lint.reading.unknowns import terraform_unknowns


def read_terraform_json(path: str, text: str, context: ReadContext | None = None) -> list[PolicySite]:
    """The policy documents of one `.tf.json` file. Raises SourceError when it is not JSON."""
    document, spans = loads_with_positions(text)
    if not isinstance(document, dict):
        raise SourceError("not Terraform JSON: the file is not an object")
    evaluator = Evaluator(Scope(), "", context=context)
    sites: list[PolicySite] = []
    for resource_type, name, body, where in _entries(document.get("resource"), ("resource",)):
        for attribute in RESOURCES.get(resource_type, ()):
            kind = attribute.kind_for(body)
            if kind is None:
                continue
            for value, value_path in _values(body, attribute.path, where):
                key_span = spans.get(value_path) or Span(1, 1, 1, 1)
                policy, located = _policy(value, text, key_span, evaluator)
                sites.append(PolicySite(document=normalise_version(policy), kind=kind, file=path,
                                        resource=f"{resource_type}.{name}", span=key_span,
                                        locate=located.get))
    for data_type, name, body, where in _entries(document.get("data"), ("data",)):
        if data_type not in POLICY_DOCUMENT_DATA_SOURCES:
            continue
        built, references = split_references(policy_document_from_blocks(body))
        located: dict[tuple, Span] = {}
        statements = body.get("statement")
        listed = isinstance(statements, list)
        for index, statement in enumerate(statements if listed else [statements]):
            base = where + ("statement",) + ((index,) if listed else ())
            if base in spans:
                located[("Statement", index)] = spans[base]
            conditions = statement.get("condition") if isinstance(statement, dict) else None
            many = isinstance(conditions, list)
            for position, condition in enumerate(conditions if many else [conditions]):
                if isinstance(condition, dict) and isinstance(condition.get("test"), str):
                    test_path = base + ("condition",) + ((position,) if many else ()) + ("test",)
                    if test_path in spans:
                        located.setdefault(("Statement", index, "Condition", condition["test"]), spans[test_path])
        notes = [Note("unresolved value: source_policy_documents / override_policy_documents are not resolved: "
                      "statements they contribute are not checked", kind=UNRESOLVED)] if references else []
        sites.append(PolicySite(document=terraform_unknowns(built), kind=POLICY_DOCUMENT_DATA_SOURCES[data_type],
                                file=path, resource=f"data.{data_type}.{name}",
                                span=spans.get(where, Span(1, 1, 1, 1)), locate=located.get, notes=notes))
    return sites


def _entries(section: Any, where: tuple) -> Iterator[tuple[str, str, dict, tuple]]:
    """(type, name, body, path to the body) of a `resource` or `data` section."""
    if not isinstance(section, dict):
        return
    for kind, by_name in section.items():
        if not isinstance(by_name, dict):
            continue
        for name, body in by_name.items():
            bodies = body if isinstance(body, list) else [body]
            for index, item in enumerate(bodies):
                if isinstance(item, dict):
                    yield kind, name, item, where + (kind, name) + ((index,) if isinstance(body, list) else ())


def _values(body: dict, path: tuple[str, ...], where: tuple) -> Iterator[tuple[Any, tuple]]:
    """The attribute values a table path names, with their document paths; "*" walks block lists."""
    current: list[tuple[Any, tuple]] = [(body, where)]
    names = [n for n in path if n != "*"]
    for step, name in enumerate(names):
        following: list[tuple[Any, tuple]] = []
        for node, node_path in current:
            if not isinstance(node, dict) or name not in node:
                continue
            value, value_path = node[name], node_path + (name,)
            if step < len(names) - 1 and isinstance(value, list):
                following.extend((v, value_path + (i,)) for i, v in enumerate(value))
            else:
                following.append((value, value_path))
        current = following
    return iter([(v, p) for v, p in current if v not in (None, "", [])])


def _policy(value: Any, text: str, span: Span, evaluator: Evaluator) -> tuple[Any, dict[tuple, Span]]:
    """A policy attribute's value: JSON text (positions kept), one `${expression}`, or an object."""
    if not isinstance(value, str):
        return terraform_unknowns(value), {}
    parts = located_parts(value, escapes=False)
    if len(parts) == 1 and isinstance(parts[0][0], Interpolation):
        return evaluator.render_text(value), {}
    found = _raw_string(text, span)
    if found is None:
        try:
            return terraform_unknowns(json.loads(value)), {}
        except (ValueError, RecursionError):
            return value, {}
    raw, line, column = found
    located = located_parts(raw, escapes=True)
    template = Template(raw, line, column, tuple(located),
                        tuple(None if isinstance(p, str) else evaluator.resolve_interpolation(p.expression)
                              for p, _ in located))
    try:
        return decode(template)
    except SourceError:
        return value, {}


_VALUE = re.compile(r'\s*:\s*"((?:[^"\\\n]|\\.)*)"')


def _raw_string(text: str, key: Span) -> tuple[str, int, int] | None:
    """The escaped text of the string value after a member's key token, and the line and column it starts at."""
    starts = line_starts(text)
    at = offset_of(starts, key.end_line, key.end_column)
    match = _VALUE.match(text, at) if at is not None else None
    if match is None:
        return None
    start = match.start(1)
    return (match.group(1), *position_of(starts, start))
