"""One analysis per resource's Properties, shared by the five cfn-lint rules.

cfn-lint calls each rule's `validate` with the same Properties object; the first call analyses every policy
location of the resource (from `mfa_lint.locations.cloudformation.RESOURCES`) and caches the resulting errors,
the others read the cache. Errors carry a path relative to Properties that ends at the offending operator key.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cfnlint.context.conditions.exceptions import Unsatisfiable
from cfnlint.decode.mark import Mark
from cfnlint.decode.node import str_node
from cfnlint.jsonschema import Validator
from cfnlint.rules.helpers import get_value_from_path

from mfa_lint.locations.cloudformation import RESOURCES
from mfa_lint.sources.cloudformation_policies import analyze_value
from mfa_lint.sources.site import Span

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
        self.entries: dict[tuple, tuple[Any, list[Hit]]] = {}

    def for_template(self, cfn: Any) -> None:
        if cfn is not self.template:
            self.template = cfn
            self._lines, self._lines_read = None, False
            self.entries = {}

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
    base = len(validator.context.path.path)
    found: list[Hit] = []
    for prop in RESOURCES.get(resource_type, ()):
        kind = prop.kind_for(properties)
        if kind is None:
            continue
        for value, value_validator, prefix in _values_at(validator, properties, prop.path, base):
            located, _ = analyze_value(
                value,
                kind,
                statements_only=prop.statements_only,
                resolve_ref=lambda name, v=value_validator: _parameter_default(v, name),
                satisfiable=lambda status, v=value_validator: _satisfiable(v, status),
                lines=_CACHE.lines,
            )
            for item in located:
                path = _error_path(properties, prefix, item.target, item.finding.path)
                hit = Hit(item.finding.cfn_lint_id, item.finding.message, path)
                if hit not in found:
                    found.append(hit)
    return found


def _values_at(
    validator: Validator, properties: Mapping[str, Any], path: tuple[str, ...], base: int
) -> Iterator[tuple[Any, Validator, tuple]]:
    """(value, its validator, its path under Properties) for a table path.

    cfn-lint's get_value_from_path expands Fn::If (pruning impossible branches) but evolves a validator per step;
    most values have no Fn::If on the way, so walk those directly and leave the rest to cfn-lint.
    """
    nodes: list[tuple[Any, tuple]] = [(properties, ())]
    for step in path:
        following: list[tuple[Any, tuple]] = []
        for node, at in nodes:
            if isinstance(node, Mapping) and "Fn::If" in node:
                yield from _values_by_cfn_lint(validator, properties, path, base)
                return
            if step == "*" and isinstance(node, list):
                following.extend((item, at + (index,)) for index, item in enumerate(node))
            elif isinstance(node, Mapping) and step in node:
                following.append((node[step], at + (step,)))
        nodes = following
    for node, _ in nodes:
        if isinstance(node, Mapping) and "Fn::If" in node:
            yield from _values_by_cfn_lint(validator, properties, path, base)
            return
    for node, at in nodes:
        if node is not None:
            yield node, validator, at


def _values_by_cfn_lint(
    validator: Validator, properties: Mapping[str, Any], path: tuple[str, ...], base: int
) -> Iterator[tuple[Any, Validator, tuple]]:
    for value, value_validator in get_value_from_path(validator, properties, deque(path)):
        if value is not None:
            yield value, value_validator, tuple(value_validator.context.path.path)[base:]


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


def _parameter_default(validator: Validator, name: str) -> Any | None:
    """A Ref to a parameter resolves to its Default (a parameter without one stays unresolved)."""
    parameter = validator.context.parameters.get(name)
    default = getattr(parameter, "default", None)
    if isinstance(default, (str, int, float)) and not isinstance(default, bool):
        return str(default)
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
