"""CloudFormation conf as checkov hands it over: strip its line metadata, expand `Fn::If` into branch variants.

checkov keeps intrinsics in the conf; a condition under `Fn::If` is judged in each branch (rules.md), so each
combination of branches becomes its own document. The expansion is bounded: hostile templates cannot blow up.
"""

from __future__ import annotations

from typing import Any

METADATA_KEYS = frozenset({"__file__", "__startline__", "__endline__"})
MAX_VARIANTS = 32
MAX_DEPTH = 64


class _NoValue:
    """A branch that is `{"Ref": "AWS::NoValue"}`: the key or list item disappears."""


NO_VALUE = _NoValue()


def strip_metadata(value: Any, _depth: int = 0) -> Any:
    """Drop checkov's `__file__` / `__startline__` / `__endline__` keys, recursively (bounded)."""
    if _depth > MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {k: strip_metadata(v, _depth + 1) for k, v in value.items() if k not in METADATA_KEYS}
    if isinstance(value, list):
        return [strip_metadata(v, _depth + 1) for v in value]
    return value


def _is_no_value(value: Any) -> bool:
    return isinstance(value, dict) and value == {"Ref": "AWS::NoValue"}


def _expand(value: Any, depth: int, budget: list[int]) -> list[Any]:
    if depth > MAX_DEPTH:
        return [value]
    if isinstance(value, dict):
        if set(value) == {"Fn::If"} and isinstance(value["Fn::If"], list) and len(value["Fn::If"]) == 3:
            branches: list[Any] = []
            for branch in value["Fn::If"][1:]:
                branches.extend(NO_VALUE if _is_no_value(b) else b for b in _expand(branch, depth + 1, budget))
            if len(branches) > MAX_VARIANTS:
                budget[0] = 1
                branches = branches[:MAX_VARIANTS]
            return branches
        variants: list[dict] = [{}]
        for key, item in value.items():
            options = _expand(item, depth + 1, budget)
            variants = _combine(variants, options, budget, lambda d, o, k=key: d if o is NO_VALUE else {**d, k: o})
        return variants
    if isinstance(value, list):
        list_variants: list[list] = [[]]
        for item in value:
            options = _expand(item, depth + 1, budget)
            list_variants = _combine(list_variants, options, budget, lambda lst, o: lst if o is NO_VALUE else [*lst, o])
        return list_variants
    return [value]


def _combine(variants: list, options: list, budget: list[int], join) -> list:
    if len(options) == 1:
        return [join(v, options[0]) for v in variants]
    combined = [join(v, o) for v in variants for o in options]
    if len(combined) > MAX_VARIANTS:
        budget[0] = 1
        combined = combined[:MAX_VARIANTS]
    return combined


def expand_conditions(value: Any) -> tuple[list[Any], bool]:
    """All `Fn::If` branch combinations of `value` (at most MAX_VARIANTS), and whether some were dropped."""
    budget = [0]
    variants = [v for v in _expand(value, 0, budget) if v is not NO_VALUE]
    return variants, bool(budget[0])
