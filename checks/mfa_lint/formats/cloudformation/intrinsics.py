"""CloudFormation intrinsics inside a policy value, evaluated as CloudFormation would deploy the template.

`Fn::If` branches (every satisfiable combination), `Ref` to parameters (their default or the value a parent stack
passes; `AWS::NoValue` removes the element), parameters with `AllowedValues` (each allowed value tried: one variant
per combination that matters, mfa_lint.formats.cloudformation.parameters), `Fn::FindInMap` (literal keys, keys that
are parameters, a 4th `DefaultValue`), `Fn::Select`, `Fn::Split`; `Fn::Sub` and `Fn::Join` keep their shape with
their arguments evaluated, and become text where they are used (`render_strings`, or with positions at the top of a
policy: mfa_lint.formats.cloudformation.assembled). What stays unknown (a `GetAtt`, `AWS::Region`, a parameter
without a default) is left as it is, and the core reads it as an unresolved value.

Every CloudFormation surface (the cfn-lint rules, the checkov checks, the CLI's template reader) expands a policy
value the same way, so a fixture gives the same findings on all of them. Each variant remembers, for every element,
the path of the element it came from in the template, so a finding is reported at the branch it sits in.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mfa_lint.formats.cloudformation.parameters import Choices, parameter_value
from mfa_lint.reading.limits import FN_IF_VARIANTS, INTRINSIC_NESTING, PARAMETER_VARIANTS

__all__ = ["Names", "Offset", "Variant", "expand", "parameter_value", "render_strings", "render_text", "sub_parts",
           "sub_substitute", "has_intrinsics", "any_node", "node_at"]

RefResolver = Callable[[str], "Any | None"]
Satisfiable = Callable[[Mapping[str, bool]], bool]

_NO_VALUE = object()
_FIXED = object()  # a parameter past the limit of combinations: its default (or unknown), not tried
_SUB_PLACEHOLDER = re.compile(r"\$\{(!?)([^}]*)\}")


class Names:
    """What the names of a policy value stand for: `Ref`, `Fn::FindInMap`, and the bounded unknowns to try.
    This base knows nothing (every name unknown); mfa_lint.formats.cloudformation.parameters.TemplateNames knows a
    template's parameters and mappings, and the cfn-lint adapter its validator's."""

    def ref(self, name: str) -> Any | None:
        return None

    def choices(self, name: str) -> Choices | None:
        return None

    def find_in_map(self, name: str, top: str | None, second: str | None) -> Any | None:
        return None


class _RefNames(Names):
    """A bare `resolve_ref` callable as Names (no choices, no mappings)."""

    def __init__(self, resolve_ref: RefResolver) -> None:
        self._resolve_ref = resolve_ref

    def ref(self, name: str) -> Any | None:
        return self._resolve_ref(name)


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
    """One combination of Fn::If branches and allowed parameter values: the evaluated value and where each of its
    elements came from.

    `parameters`: the value each bounded unknown took (by Choices.key), `labels` how notes name them; `alternative`:
    some parameter took another value than its default (a value someone may deploy, not the one deployed without
    overrides); `limited`: some parameter was not tried (past limits.PARAMETER_VARIANTS).
    """

    value: Any
    sources: Mapping[tuple, tuple] = field(default_factory=dict)  # path in value -> path in the template value
    conditions: dict[str, bool] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    alternative: bool = False
    limited: bool = False
    names: Names = field(default_factory=Names)

    def resolve(self, name: str) -> Any | None:
        """What `${name}` / `Ref name` is in this variant."""
        choices = self.names.choices(name)
        if choices is not None and choices.key in self.parameters:
            value = self.parameters[choices.key]
            if value is not _FIXED:
                return value
        return self.names.ref(name)

    def values(self) -> tuple[tuple[str, str], ...]:
        """The parameter values of this variant as (name, value) pairs, names as notes give them."""
        return tuple((self.labels.get(k, k), str(v)) for k, v in self.parameters.items() if v is not _FIXED)

    def describe(self) -> str:
        """The parameter values of this variant, for a note: `Op=BoolIfExists, Flag=true`."""
        return ", ".join(f"{name}={value}" for name, value in self.values())


class _NeedCondition(Exception):
    def __init__(self, condition: str) -> None:
        super().__init__(condition)
        self.condition = condition


class _NeedParameter(Exception):
    def __init__(self, choices: Choices) -> None:
        super().__init__(choices.key)
        self.choices = choices


@dataclass
class _State:
    conditions: dict[str, bool]
    parameters: dict[str, Any]
    names: Names


def _always(_: Mapping[str, bool]) -> bool:
    return True


def expand(
    value: Any, resolve_ref: RefResolver | None = None, satisfiable: Satisfiable = _always, *,
    names: Names | None = None,
) -> list[Variant]:
    """Every satisfiable combination of the Fn::If conditions and the allowed parameter values `value` depends on,
    each evaluated (the default values first).

    A condition gets one value per combination wherever it appears; `satisfiable` prunes impossible combinations
    (cfn-lint passes its own condition solver). `names` (else `resolve_ref` alone) say what Refs and mappings are.
    """
    names = names if names is not None else _RefNames(resolve_ref or (lambda _name: None))
    if not has_intrinsics(value):
        return [Variant(value, Offset(), names=names)]
    variants: list[Variant] = []
    pending: list[tuple[dict[str, bool], dict[str, Any]]] = [({}, {})]
    known: dict[str, Choices] = {}
    fixed: set[str] = set()
    combinations = 1
    branches: set[tuple] = set()  # the Fn::If combinations judged (at most FN_IF_VARIANTS)
    budget = FN_IF_VARIANTS * PARAMETER_VARIANTS * 4
    while pending and budget > 0:
        budget -= 1
        conditions, parameters = pending.pop()
        sources: dict[tuple, tuple] = {}
        state = _State(conditions, parameters, names)
        try:
            result = _evaluate(value, (), (), state, sources, 0)
        except _NeedCondition as need:
            for choice in (False, True):  # popped in the order True, False
                candidate = {**conditions, need.condition: choice}
                if satisfiable(candidate):
                    pending.append((candidate, parameters))
            continue
        except _NeedParameter as need:
            choices = need.choices
            known[choices.key] = choices
            if choices.key not in fixed and combinations * len(choices.values) > PARAMETER_VARIANTS:
                fixed.add(choices.key)
            if choices.key in fixed:
                pending.append((conditions, {**parameters, choices.key: _FIXED}))
                continue
            combinations *= len(choices.values)
            for choice in reversed(choices.values):  # the default (first) is popped first
                pending.append((conditions, {**parameters, choices.key: choice}))
            continue
        branch = tuple(sorted(conditions.items()))
        if branch not in branches:
            if len(branches) >= FN_IF_VARIANTS:
                break
            branches.add(branch)
        alternative = any(
            v is not _FIXED and known[k].default is not None and v != known[k].default for k, v in parameters.items()
        )
        variants.append(Variant(
            None if result is _NO_VALUE else result, sources, conditions, parameters,
            {k: known[k].label for k in parameters}, alternative, any(v is _FIXED for v in parameters.values()),
            names,
        ))
    return variants


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


def _ref(name: str, state: _State) -> Any | None:
    """A Ref's value in this combination; asks for a choice the first time a bounded parameter is met."""
    choices = state.names.choices(name)
    if choices is None:
        return state.names.ref(name)
    if choices.key not in state.parameters:
        raise _NeedParameter(choices)
    chosen = state.parameters[choices.key]
    return state.names.ref(name) if chosen is _FIXED else chosen


def _evaluate(value: Any, src: tuple, out: tuple, state: _State, sources: dict[tuple, tuple], depth: int) -> Any:
    sources[out] = src
    if depth > INTRINSIC_NESTING:
        return value
    if isinstance(value, dict):
        if len(value) == 1:
            ((name, arg),) = value.items()
            if name == "Fn::If" and isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str):
                if arg[0] not in state.conditions:
                    raise _NeedCondition(arg[0])
                branch = 1 if state.conditions[arg[0]] else 2
                return _evaluate(arg[branch], src + (name, branch), out, state, sources, depth + 1)
            if name == "Ref" and isinstance(arg, str):
                if arg == "AWS::NoValue":
                    return _NO_VALUE
                resolved = _ref(arg, state)
                return value if resolved is None else copy.deepcopy(resolved)
            if name in _FUNCTIONS:
                return _FUNCTIONS[name](value, arg, src, out, state, sources, depth)
            if name == "Fn::Sub":
                _ask_placeholders(arg, state)
        result: dict = {}
        for key, item in value.items():
            resolved = _evaluate(item, src + (key,), out + (key,), state, sources, depth + 1)
            if resolved is not _NO_VALUE:
                result[key] = resolved
        return result
    if isinstance(value, list):
        items: list = []
        for index, item in enumerate(value):
            resolved = _evaluate(item, src + (index,), out + (len(items),), state, sources, depth + 1)
            if resolved is not _NO_VALUE:
                items.append(resolved)
        return items
    return value


def _argument(value: Any, src: tuple, state: _State, depth: int) -> Any:
    """An intrinsic's argument evaluated (its sources are not the result's)."""
    return _evaluate(value, src, (), state, {}, depth + 1)


def _find_in_map(value: Any, arg: Any, src: tuple, out: tuple, state: _State, sources: dict, depth: int) -> Any:
    if not isinstance(arg, list) or len(arg) not in (3, 4):
        return value
    keys = [_plain(_argument(arg[i], src + ("Fn::FindInMap", i), state, depth), state) for i in range(3)]
    if keys[0] is not None:
        found = state.names.find_in_map(keys[0], keys[1], keys[2])
        if found is not None:
            return found
    options = arg[3] if len(arg) == 4 else None
    if None not in keys and isinstance(options, dict) and "DefaultValue" in options:
        return _evaluate(options["DefaultValue"], src + ("Fn::FindInMap", 3, "DefaultValue"), out, state, sources,
                         depth + 1)
    return value


def _select(value: Any, arg: Any, src: tuple, out: tuple, state: _State, sources: dict, depth: int) -> Any:
    if not isinstance(arg, list) or len(arg) != 2:
        return value
    index = _plain(_argument(arg[0], src + ("Fn::Select", 0), state, depth), state)
    if index is None or not index.strip().isdigit():
        return value
    position = int(index)
    if isinstance(arg[1], list):  # a literal list: evaluate only the item selected, where it sits
        kept = [index for index, item in enumerate(arg[1]) if not _is_no_value(item)]
        if position >= len(kept):
            return value
        index = kept[position]
        return _evaluate(arg[1][index], src + ("Fn::Select", 1, index), out, state, sources, depth + 1)
    chosen = _argument(arg[1], src + ("Fn::Select", 1), state, depth)
    if isinstance(chosen, list) and position < len(chosen):
        return chosen[position]
    return value


def _split(value: Any, arg: Any, src: tuple, out: tuple, state: _State, sources: dict, depth: int) -> Any:
    if not isinstance(arg, list) or len(arg) != 2:
        return value
    delimiter = _plain(_argument(arg[0], src + ("Fn::Split", 0), state, depth), state)
    text = _plain(_argument(arg[1], src + ("Fn::Split", 1), state, depth), state)
    if not delimiter or text is None or "${" in text:
        return value
    return text.split(delimiter)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "Fn::FindInMap": _find_in_map,
    "Fn::Select": _select,
    "Fn::Split": _split,
}


def _is_no_value(item: Any) -> bool:
    return isinstance(item, dict) and item == {"Ref": "AWS::NoValue"}


def _ask_placeholders(arg: Any, state: _State) -> None:
    """Meet the parameters `${Name}` names in Fn::Sub text, so that bounded ones get a choice in this combination."""
    parts = sub_parts({"Fn::Sub": arg})
    if parts is None:
        return
    text, variables, _ = parts
    for match in _SUB_PLACEHOLDER.finditer(text):
        name = match.group(2).strip()
        if not match.group(1) and name not in variables and "." not in name:
            _ref(name, state)


def _plain(value: Any, state: _State) -> str | None:
    """An evaluated argument as the string it is, when it is one (Sub and Join text included)."""
    return render_text(value, lambda name: _ref(name, state))


def render_text(value: Any, resolve: RefResolver) -> str | None:
    """The text an evaluated string, number, `Fn::Sub` or `Fn::Join` stands for; None when part of it is unknown
    (`${Name}` placeholders nobody can fill stay in Fn::Sub text: the core reads them as unresolved)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return parameter_value(value)
    if not isinstance(value, dict) or len(value) != 1:
        return None
    parts = sub_parts(value)
    if parts is not None:
        text, variables, _ = parts
        return sub_substitute(text, {k: render_text(v, resolve) for k, v in variables.items()}, resolve)
    arg = value.get("Fn::Join")
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], list):
        pieces = [render_text(item, resolve) for item in arg[1]]
        return None if any(p is None for p in pieces) else arg[0].join(pieces)  # type: ignore[arg-type]
    return None


def render_strings(document: Any, resolve: RefResolver) -> Any:
    """`document` (evaluated, so its containers are its own) with every `Fn::Sub` / `Fn::Join` in it that can be
    written out replaced by its text; others stay (the core reads them as unresolved)."""
    if isinstance(document, dict) and ("Fn::Sub" in document or "Fn::Join" in document) and len(document) == 1:
        text = render_text(document, resolve)
        return document if text is None else text
    stack = [document]
    seen = 0
    while stack and seen < 100_000:
        node = stack.pop()
        seen += 1
        if not isinstance(node, (dict, list)):
            continue
        entries = node.items() if isinstance(node, dict) else enumerate(node)
        for key, item in list(entries):
            if isinstance(item, dict) and len(item) == 1 and ("Fn::Sub" in item or "Fn::Join" in item):
                text = render_text(item, resolve)
                if text is not None:
                    node[key] = text
                    continue
            if isinstance(item, (dict, list)):
                stack.append(item)
    return document


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

    `${!Literal}` becomes `${Literal}`; `${Name}` becomes a Sub variable or a parameter's value when it is a plain
    value; anything else (`${Res.Arn}`, `${AWS::Region}`) stays, and the core reads it as an unresolved value.
    """

    def replace(match: re.Match) -> str:
        bang, name = match.group(1), match.group(2)
        if bang:
            return "${" + name + "}"
        value = variables.get(name) if name in variables else resolve_ref(name.strip())
        text = parameter_value(value)
        return match.group(0) if text is None else text

    return _SUB_PLACEHOLDER.sub(replace, text)


def sub_placeholders(text: str) -> list[re.Match]:
    """The `${...}` placeholders of Fn::Sub text, in order."""
    return list(_SUB_PLACEHOLDER.finditer(text))


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
