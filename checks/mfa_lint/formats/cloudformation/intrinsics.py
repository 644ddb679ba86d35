"""CloudFormation intrinsics inside a policy value: Fn::If branches, Ref to parameters, AWS::NoValue, Fn::Sub text.

Both CloudFormation surfaces (the cfn-lint rules and the CLI's template reader) expand a policy value the same way,
so a fixture gives the same findings on both. Each expanded variant remembers, for every element, the path of the
element it came from in the template, so a finding can be reported at the branch it sits in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mfa_lint.reading.limits import FN_IF_VARIANTS, INTRINSIC_NESTING

RefResolver = Callable[[str], "Any | None"]
Satisfiable = Callable[[Mapping[str, bool]], bool]

_NO_VALUE = object()
_SUB_PLACEHOLDER = re.compile(r"\$\{(!?)([^}]*)\}")


class Offset(Mapping):
    """The paths of a value without intrinsics: each element came from the same path (under `prefix`).

    Saves building a path map for the common case of a plain document.
    """

    def __init__(self, prefix: tuple = ()) -> None:
        self.prefix = prefix

    def __getitem__(self, path: tuple) -> tuple:
        return self.prefix + tuple(path)

    def get(self, path: tuple, default: Any = None) -> tuple:
        return self.prefix + tuple(path)

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0


@dataclass
class Variant:
    """One combination of Fn::If branches: the resolved value and where each of its elements came from."""

    value: Any
    sources: Mapping[tuple, tuple] = field(default_factory=dict)  # path in value -> path in the template value
    conditions: dict[str, bool] = field(default_factory=dict)


class _NeedCondition(Exception):
    def __init__(self, condition: str) -> None:
        super().__init__(condition)
        self.condition = condition


def _always(_: Mapping[str, bool]) -> bool:
    return True


def expand(value: Any, resolve_ref: RefResolver, satisfiable: Satisfiable = _always) -> list[Variant]:
    """Every satisfiable combination of the Fn::If conditions `value` depends on, each resolved.

    A condition gets one value per combination wherever it appears; `satisfiable` prunes impossible combinations
    (cfn-lint passes its own condition solver). `{"Ref": "AWS::NoValue"}` removes the element; a `Ref` that
    `resolve_ref` can resolve (a parameter default) is replaced by its value; other intrinsics are left as they are.
    """
    if not has_intrinsics(value):
        return [Variant(value, Offset())]
    variants: list[Variant] = []
    pending: list[dict[str, bool]] = [{}]
    budget = FN_IF_VARIANTS * 4
    while pending and len(variants) < FN_IF_VARIANTS and budget > 0:
        budget -= 1
        assignment = pending.pop()
        sources: dict[tuple, tuple] = {}
        try:
            result = _evaluate(value, (), (), assignment, sources, resolve_ref, 0)
        except _NeedCondition as need:
            for choice in (False, True):  # popped in the order True, False
                candidate = {**assignment, need.condition: choice}
                if satisfiable(candidate):
                    pending.append(candidate)
            continue
        variants.append(Variant(None if result is _NO_VALUE else result, sources, assignment))
    return variants


def parameter_value(default: Any) -> str | None:
    """What a `Ref` to a parameter with this `Default` resolves to, or None (no usable default).

    CloudFormation reads a template as JSON and parameter values are strings: a YAML boolean default becomes
    "true"/"false" and a number its text, as for `Fn::Sub`. Lists and mappings are not parameter values.
    """
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, (str, int, float)):
        return str(default)
    return None


def any_node(value: Any, hit: Callable[[Any], bool], limit: int) -> bool:
    """True when `hit` holds for some node (mapping, list, key or scalar) under `value`: an iterative walk that
    gives up after `limit` nodes and then errs towards True (hostile nesting costs nothing)."""
    stack = [value]
    seen = 0
    while stack:
        seen += 1
        if seen > limit:
            return True
        node = stack.pop()
        if hit(node):
            return True
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _intrinsic_key(node: Any) -> bool:
    return isinstance(node, str) and (node == "Ref" or node.startswith("Fn::"))


def has_intrinsics(value: Any, limit: int = 100_000) -> bool:
    """True when some mapping under `value` has a `Ref` or `Fn::...` key (bounded walk; errs towards True)."""
    return any_node(
        value, lambda node: isinstance(node, dict) and any(_intrinsic_key(key) for key in node), limit
    )


def _evaluate(
    value: Any,
    src: tuple,
    out: tuple,
    assignment: dict[str, bool],
    sources: dict[tuple, tuple],
    resolve_ref: RefResolver,
    depth: int,
) -> Any:
    sources[out] = src
    if depth > INTRINSIC_NESTING:
        return value
    if isinstance(value, dict):
        if len(value) == 1:
            ((name, arg),) = value.items()
            if name == "Fn::If" and isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str):
                if arg[0] not in assignment:
                    raise _NeedCondition(arg[0])
                branch = 1 if assignment[arg[0]] else 2
                return _evaluate(arg[branch], src + (name, branch), out, assignment, sources, resolve_ref, depth + 1)
            if name == "Ref" and isinstance(arg, str):
                if arg == "AWS::NoValue":
                    return _NO_VALUE
                resolved = resolve_ref(arg)
                return value if resolved is None else resolved
        result: dict = {}
        for key, item in value.items():
            resolved = _evaluate(item, src + (key,), out + (key,), assignment, sources, resolve_ref, depth + 1)
            if resolved is not _NO_VALUE:
                result[key] = resolved
        return result
    if isinstance(value, list):
        items: list = []
        for index, item in enumerate(value):
            resolved = _evaluate(item, src + (index,), out + (len(items),), assignment, sources, resolve_ref, depth + 1)
            if resolved is not _NO_VALUE:
                items.append(resolved)
        return items
    return value


def sub_parts(value: Any) -> tuple[str, Mapping[str, Any], tuple] | None:
    """`{"Fn::Sub": text}` or `{"Fn::Sub": [text, variables]}` -> (text, variables, path of text in value)."""
    if not isinstance(value, dict) or len(value) != 1 or "Fn::Sub" not in value:
        return None
    arg = value["Fn::Sub"]
    if isinstance(arg, str):
        return arg, {}, ("Fn::Sub",)
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
        return arg[0], arg[1], ("Fn::Sub", 0)
    return None


def sub_substitute(text: str, variables: Mapping[str, Any], resolve_ref: RefResolver) -> str:
    """Substitute what CloudFormation would and can be known now; leave the rest as `${Name}`.

    `${!Literal}` becomes `${Literal}`; `${Name}` becomes a Sub variable or a parameter default when it is a plain
    value; anything else (`${Res.Arn}`, `${AWS::Region}`) stays, and the core reads it as an unresolved value.
    """

    def replace(match: re.Match) -> str:
        bang, name = match.group(1), match.group(2)
        if bang:
            return "${" + name + "}"
        value = variables.get(name) if name in variables else resolve_ref(name.strip())
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        return match.group(0)

    return _SUB_PLACEHOLDER.sub(replace, text)


def sub_strings(document: Any, variables: Mapping[str, Any], resolve_ref: RefResolver) -> Any:
    """Apply `sub_substitute` to every string value (not keys, so document paths stay those of the text)."""
    if isinstance(document, str):
        return sub_substitute(document, variables, resolve_ref)
    stack = [document]
    seen = 0
    while stack and seen < 100_000:
        node = stack.pop()
        seen += 1
        entries = node.items() if isinstance(node, dict) else enumerate(node)
        for key, item in list(entries):
            if isinstance(item, str) and "${" in item:
                node[key] = sub_substitute(item, variables, resolve_ref)
            elif isinstance(item, (dict, list)):
                stack.append(item)
    return document


def node_at(root: Any, path: tuple) -> Any:
    """The element at `path` under `root`, or None."""
    node = root
    for step in path:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            return None
    return node
