"""Terraform's built-in functions on evaluated values, with Terraform's semantics (checked against `terraform
console` 1.11), as a table name -> implementation the evaluator dispatches to.

Values are Python values (str, int/float, bool, None, list, dict; sets are sorted lists), some of them remembering
where they were written (hcl_located). A value nobody can know yet is an `Unknown`; a call Terraform would refuse
(`lookup` of a missing key without default, `tobool("yes")`) gives an `EvalError`, which `try()` and `can()` see and
which otherwise ends as an unknown value naming the call.

Unknowns propagate exactly: an unknown argument makes the result unknown unless the function decides without it
(`coalesce("Bool", var.x)` is "Bool", `contains(["a", var.x], "a")` is true, `concat([var.x], ["a"])` is a list of
two whose first item is unknown, `merge(known, var.map)` is a map whose keys the unknown map may overwrite are
unknown and which may hold more keys). An unknown never becomes a concrete value.

Functions not in the table (`timestamp()`, `uuid()`, provider functions, ...) give an unknown value naming the call.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mfa_lint.core.values import Unknown
from mfa_lint.formats.terraform.hcl_located import (
    LocatedDict,
    LocatedList,
    LocatedStr,
    item_span,
    key_span,
    list_spans,
    span_of,
)
from mfa_lint.reading import limits
from mfa_lint.reading.unknowns import terraform_unknown


@dataclass(frozen=True)
class EvalError:
    """A value Terraform would refuse to compute (the plan fails there); `try()` moves on past it."""

    reason: str


class Unresolved(Exception):  # noqa: N818 - a signal, not an error: the result depends on an unknown
    """Raised inside an implementation when its result depends on an unknown value."""


class FunctionError(Exception):
    """Raised inside an implementation when Terraform would refuse the call."""


def reference(source: str) -> Unknown:
    """An unresolved expression, named by its source text on one line."""
    compact = " ".join(source.split())
    if len(compact) > limits.REFERENCE_TEXT:
        compact = compact[:limits.REFERENCE_TEXT] + "..."
    return terraform_unknown(compact)


# -- value helpers --------------------------------------------------------------------------------------------


def has_unknown(value: Any) -> bool:
    """Some part of `value` is unknown (Terraform: not wholly known). Iterative and bounded."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, Unknown) or depth > limits.VALUE_NESTING:
            return True
        if isinstance(current, dict):
            for key, child in current.items():
                if isinstance(key, Unknown):
                    return True
                stack.append((child, depth + 1))
        elif isinstance(current, list):
            stack.extend((child, depth + 1) for child in current)
    return False


def has_error(value: Any) -> EvalError | None:
    """The first refused part under `value`, if any."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, EvalError):
            return current
        if depth > limits.VALUE_NESTING:
            continue
        if isinstance(current, dict):
            stack.extend((child, depth + 1) for child in current.values())
        elif isinstance(current, list):
            stack.extend((child, depth + 1) for child in current)
    return None


def is_open(mapping: dict) -> bool:
    """A map that may hold keys nobody knows yet (it merged an unknown map, or a `for` gave it an unknown key)."""
    return any(isinstance(key, Unknown) for key in mapping)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number(value: float | int) -> int | float:
    """A number as Terraform shows it: integral values without a fraction."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def number_text(value: int | float) -> str:
    value = number(value)
    if isinstance(value, int):
        return str(value)
    if math.isinf(value) or math.isnan(value):
        raise FunctionError("a number that is not finite")
    text = repr(value)
    if "e" in text:  # Terraform writes numbers out in full
        text = format(value, "f").rstrip("0").rstrip(".")
    return text


def json_text(value: Any) -> str:
    """`jsonencode` of a wholly known value, byte for byte as Terraform writes it (sorted keys, no spaces, `<`, `>`
    and `&` escaped)."""
    if has_unknown(value):
        raise Unresolved
    if has_error(value):
        raise FunctionError("a refused value")

    def default(item: Any) -> Any:
        raise FunctionError("a value JSON cannot hold")

    text = json.dumps(_plain_numbers(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=default)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def _plain_numbers(value: Any, depth: int = 0) -> Any:
    if depth > limits.VALUE_NESTING:
        raise FunctionError("nested too deeply")
    if isinstance(value, bool) or value is None:
        return value
    if is_number(value):
        return number(value)
    if isinstance(value, dict):
        return {str(k): _plain_numbers(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(v, depth + 1) for v in value]
    return str(value) if isinstance(value, str) else value


def to_string(value: Any) -> str:
    """A value where Terraform wants a string: strings, numbers and booleans convert; an encoded JSON value
    (`jsonencode(...)`) is its text; null and collections are refused."""
    if isinstance(value, Unknown):
        raise Unresolved
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return number_text(value)
    if isinstance(value, (LocatedDict, LocatedList)) and value.encoded:
        return json_text(value)
    if value is None:
        raise FunctionError("a null value where a string is required")
    raise FunctionError("a collection where a string is required")


def to_number(value: Any) -> int | float:
    if isinstance(value, Unknown):
        raise Unresolved
    if is_number(value):
        return value
    if isinstance(value, str):
        try:
            return number(float(value)) if any(c in value for c in ".eE") else int(value, 10)
        except ValueError:
            raise FunctionError(f"cannot convert {value[:40]!r} to a number") from None
    raise FunctionError("a number is required")


def to_int(value: Any) -> int:
    result = number(to_number(value))
    if not isinstance(result, int):
        raise FunctionError("a whole number is required")
    return result


def to_bool(value: Any) -> bool:
    if isinstance(value, Unknown):
        raise Unresolved
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise FunctionError("a bool is required")


def to_list(value: Any) -> list:
    if isinstance(value, Unknown):
        raise Unresolved
    if isinstance(value, list):
        return value
    raise FunctionError("a list is required")


def to_map(value: Any) -> dict:
    if isinstance(value, Unknown):
        raise Unresolved
    if isinstance(value, dict):
        return value
    raise FunctionError("a map is required")


def template_text(value: Any) -> str | Unknown | EvalError:
    """A value interpolated into a string template (`"${x}"` among other text)."""
    if isinstance(value, (Unknown, EvalError)):
        return value
    try:
        return to_string(value)
    except Unresolved:
        return Unknown("")
    except FunctionError as error:
        return EvalError(f"cannot include it in a string: {error}")


def equal(a: Any, b: Any) -> bool | Unknown:
    """Terraform's `==`: no conversion between types (1 == "1" is false, true == 1 is false); unknown when an unknown
    part could decide it."""
    stack: list[tuple[Any, Any, int]] = [(a, b, 0)]
    undecided = False
    while stack:
        left, right, depth = stack.pop()
        if isinstance(left, Unknown) or isinstance(right, Unknown) or depth > limits.VALUE_NESTING:
            undecided = True
            continue
        if isinstance(left, bool) or isinstance(right, bool):
            if not (isinstance(left, bool) and isinstance(right, bool) and left == right):
                return False
        elif is_number(left) or is_number(right):
            if not (is_number(left) and is_number(right) and left == right):
                return False
        elif isinstance(left, str) or isinstance(right, str):
            if not (isinstance(left, str) and isinstance(right, str) and str(left) == str(right)):
                return False
        elif left is None or right is None:
            if left is not right:
                return False
        elif isinstance(left, list) and isinstance(right, list):
            if len(left) != len(right):
                return False
            stack.extend((x, y, depth + 1) for x, y in zip(left, right, strict=True))
        elif isinstance(left, dict) and isinstance(right, dict):
            if is_open(left) or is_open(right):
                undecided = True
                continue
            if set(left) != set(right):
                return False
            stack.extend((left[k], right[k], depth + 1) for k in left)
        else:
            return False
    return Unknown("") if undecided else True


def unify_scalars(items: list) -> list:
    """Elements of one list, set or map converted to one type, as Terraform's type unification does: strings and
    numbers or booleans mixed -> all strings."""
    scalars = [i for i in items if i is not None]
    if any(isinstance(i, str) for i in scalars) and any(isinstance(i, (bool, int, float)) for i in scalars) and all(
            isinstance(i, (str, bool, int, float)) for i in scalars):
        return [i if i is None or isinstance(i, str) else to_string(i) for i in items]
    return items


def _sort_key(item: Any) -> tuple:
    if is_number(item):
        return (0, item, "")
    return (1, 0, str(item))


def set_of(items: list, spans: list | None = None) -> LocatedList:
    """A set: distinct, and in the order Terraform lists sets of strings and numbers (sorted)."""
    if has_unknown(items):
        raise Unresolved
    items = unify_scalars(list(items))
    spans = spans if spans is not None else [None] * len(items)
    kept, kept_spans = _distinct_items(items, spans)
    if all(isinstance(i, str) for i in kept) or all(is_number(i) for i in kept):
        order = sorted(range(len(kept)), key=lambda i: _sort_key(kept[i]))
        kept, kept_spans = [kept[i] for i in order], [kept_spans[i] for i in order]
    return LocatedList(kept, item_spans=kept_spans)


def _identity_key(item: Any) -> tuple | None:
    """A hashable key equal exactly when Terraform's `==` says equal, for scalars (None for collections)."""
    if isinstance(item, bool):
        return ("bool", item)
    if is_number(item):
        return ("number", item)
    if isinstance(item, str):
        return ("string", str(item))
    if item is None:
        return ("null",)
    return None


def _distinct_items(items: list, spans: list) -> tuple[list, list]:
    """First occurrences, in order: scalars by hash, collections compared with the ones kept (a list of lists is
    at most limits.FUNCTION_ITEMS long)."""
    kept: list = []
    kept_spans: list = []
    seen: set[tuple] = set()
    collections: list = []
    for item, where in zip(items, spans, strict=True):
        key = _identity_key(item)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        elif any(equal(item, other) is True for other in collections):
            continue
        else:
            collections.append(item)
        kept.append(item)
        kept_spans.append(where)
    return kept, kept_spans


def _limit(items: list) -> list:
    if len(items) > limits.FUNCTION_ITEMS:
        raise FunctionError(f"more than {limits.FUNCTION_ITEMS} items")
    return items


def _text(value: str) -> str:
    if len(value) > limits.EVALUATED_STRING:
        raise FunctionError(f"a string longer than {limits.EVALUATED_STRING} characters")
    return value


def _keep(value: Any, like: Any) -> Any:
    """A string result that is still the argument's text keeps the argument's place."""
    if isinstance(like, LocatedStr) and isinstance(value, str) and value == like:
        return like
    return value


# -- collections ----------------------------------------------------------------------------------------------


def _length(args: list) -> Any:
    (value,) = args
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        if is_open(value):
            raise Unresolved
        return len(value)
    if isinstance(value, list):
        return len(value)
    raise FunctionError("length of a value that has no length")


def _lookup(args: list) -> Any:
    if len(args) not in (2, 3):
        raise FunctionError("lookup takes 2 or 3 arguments")
    mapping, key = to_map(args[0]), to_string(args[1])
    if key in mapping:
        return mapping[key]
    if is_open(mapping):
        raise Unresolved
    if len(args) == 3:
        return args[2]
    raise FunctionError(f"no key {key[:40]!r} and no default")


def _element(args: list) -> Any:
    items, index = to_list(args[0]), to_int(args[1])
    if not items:
        raise FunctionError("element of an empty list")
    if index < 0:
        raise FunctionError("a negative index")
    return items[index % len(items)]


def _index(args: list) -> Any:
    items, wanted = to_list(args[0]), args[1]
    for position, item in enumerate(items):
        same = equal(item, wanted)
        if isinstance(same, Unknown):
            raise Unresolved
        if same:
            return position
    raise FunctionError("item not found")


def _contains(args: list) -> Any:
    items, wanted = to_list(args[0]), args[1]
    undecided = False
    for item in items:
        same = equal(item, wanted)
        if same is True:
            return True
        undecided = undecided or isinstance(same, Unknown)
    if undecided:
        raise Unresolved
    return False


def _keys(args: list) -> Any:
    mapping = to_map(args[0])
    if is_open(mapping):
        raise Unresolved
    ordered = sorted(mapping, key=str)
    return LocatedList(ordered, item_spans=[key_span(mapping, k) for k in ordered])


def _values(args: list) -> Any:
    mapping = to_map(args[0])
    if is_open(mapping):
        raise Unresolved
    ordered = sorted(mapping, key=str)
    items = [mapping[k] for k in ordered]
    return LocatedList(items, item_spans=[span_of(v) or key_span(mapping, k) for k, v in zip(ordered, items,
                                                                                            strict=True)])


def _zipmap(args: list) -> Any:
    keys, values = to_list(args[0]), to_list(args[1])
    if len(keys) != len(values):
        raise FunctionError("zipmap of lists of different lengths")
    out = LocatedDict()
    for index, (key, value) in enumerate(zip(keys, values, strict=True)):
        name = to_string(key)
        out[name] = value
        where = item_span(keys, index)
        if where is not None:
            out.key_spans[name] = where
    return out


def _concat(args: list) -> Any:
    items: list = []
    spans: list = []
    for arg in args:
        if arg is None:
            raise FunctionError("concat of null")
        part = to_list(arg)
        items.extend(part)
        spans.extend(list_spans(part))
    return LocatedList(_limit(items), span=next((span_of(a) for a in args if span_of(a)), None), item_spans=spans)


def _flatten(args: list) -> Any:
    out: list = []
    spans: list = []
    stack: list[tuple[list, int, int]] = [(to_list(args[0]), 0, 0)]
    while stack:
        items, index, depth = stack.pop()
        if index >= len(items):
            continue
        stack.append((items, index + 1, depth))
        item = items[index]
        if isinstance(item, Unknown):
            raise Unresolved  # it may be a list, whose items would be spliced in here
        if isinstance(item, list):
            if depth >= limits.VALUE_NESTING:
                raise FunctionError("nested too deeply")
            stack.append((item, 0, depth + 1))
        else:
            out.append(item)
            spans.append(item_span(items, index))
        _limit(out)
    return LocatedList(out, item_spans=spans)


def _distinct(args: list) -> Any:
    items = to_list(args[0])
    if has_unknown(items):
        raise Unresolved
    unified = unify_scalars(list(items))
    out, spans = _distinct_items(unified, list_spans(items))
    return LocatedList(out, item_spans=spans)


def _compact(args: list) -> Any:
    items = to_list(args[0])
    out: list = []
    spans: list = []
    for index, item in enumerate(items):
        if isinstance(item, Unknown):
            raise Unresolved
        if item is None or item == "":
            continue
        out.append(to_string(item))
        spans.append(item_span(items, index))
    return LocatedList(out, item_spans=spans)


def _coalesce(args: list) -> Any:
    if not args:
        raise FunctionError("coalesce needs arguments")
    strings = any(isinstance(a, str) for a in args)
    for arg in args:
        if isinstance(arg, Unknown):
            raise Unresolved
        if arg is None:
            continue
        if strings and not isinstance(arg, (list, dict)):
            text = to_string(arg)
            if text == "":
                continue
            return _keep(text, arg) if isinstance(arg, str) else text
        return arg
    raise FunctionError("no non-null, non-empty-string arguments")


def _coalescelist(args: list) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            raise Unresolved
        if arg is None:
            continue
        if len(to_list(arg)) > 0:
            return arg
    return LocatedList()


def _slice(args: list) -> Any:
    items, start, end = to_list(args[0]), to_int(args[1]), to_int(args[2])
    if not 0 <= start <= end <= len(items):
        raise FunctionError("slice indices out of range")
    return LocatedList(items[start:end], item_spans=list_spans(items)[start:end])


def _reverse(args: list) -> Any:
    items = to_list(args[0])
    return LocatedList(list(reversed(items)), item_spans=list(reversed(list_spans(items))))


def _sort(args: list) -> Any:
    items = to_list(args[0])
    if has_unknown(items):
        raise Unresolved
    texts = [to_string(i) for i in items]
    order = sorted(range(len(texts)), key=lambda i: texts[i])
    spans = list_spans(items)
    return LocatedList([texts[i] for i in order], item_spans=[spans[i] for i in order])


def _set_operation(name: str) -> Callable[[list], Any]:
    def implement(args: list) -> Any:
        if not args:
            raise FunctionError(f"{name} needs arguments")
        sets = [set_of(to_list(a), list_spans(to_list(a))) for a in args]
        items: list = list(sets[0])
        spans: list = list(sets[0].item_spans)
        for other in sets[1:]:
            if name == "setunion":
                for index, item in enumerate(other):
                    items.append(item)
                    spans.append(other.item_spans[index])
            else:
                keys = {_identity_key(o) for o in other} - {None}
                keep = [i for i, item in enumerate(items)
                        if (_identity_key(item) in keys if _identity_key(item) is not None
                            else any(equal(item, o) is True for o in other))]
                if name == "setsubtract":
                    keep = [i for i in range(len(items)) if i not in keep]
                items, spans = [items[i] for i in keep], [spans[i] for i in keep]
        return set_of(_limit(items), spans)

    return implement


def _one(args: list) -> Any:
    items = to_list(args[0])
    if len(items) > 1:
        raise FunctionError("one() of more than one element")
    return items[0] if items else None


def _merge(args: list) -> Any:
    out = LocatedDict()
    unknown: list[str] = []
    for arg in args:
        if arg is None:
            continue
        if isinstance(arg, Unknown):
            # keys already there may be overwritten, and the unknown map may add keys nobody knows
            for key in list(out):
                out[key] = arg
            unknown.append(arg.raw)
            continue
        mapping = to_map(arg)
        if out.span is None:
            out.span = span_of(mapping)
        for key, value in mapping.items():
            out[key] = value
            where = key_span(mapping, key)
            if where is not None:
                out.key_spans[key] = where
            elif key in out.key_spans and not isinstance(key, Unknown):
                del out.key_spans[key]
    if unknown:
        marker = Unknown(", ".join(dict.fromkeys(unknown)))
        out[marker] = marker
    return out


def _tolist(args: list) -> Any:
    (value,) = args
    if value is None:
        return None
    items = to_list(value)
    return LocatedList(unify_scalars(list(items)), span=span_of(items), item_spans=list_spans(items))


def _toset(args: list) -> Any:
    (value,) = args
    if value is None:
        return None
    items = to_list(value)
    made = set_of(items, list_spans(items))
    made.span = span_of(items)
    return made


def _tomap(args: list) -> Any:
    (value,) = args
    if value is None:
        return None
    mapping = to_map(value)
    keys = list(mapping)
    converted = unify_scalars([mapping[k] for k in keys])
    return LocatedDict(zip(keys, converted, strict=True), span=span_of(mapping),
                       key_spans=dict(mapping.key_spans) if isinstance(mapping, LocatedDict) else None)


def _range(args: list) -> Any:
    numbers = [to_number(a) for a in args]
    if len(numbers) == 1:
        start, end, step = 0, numbers[0], 1
    elif len(numbers) == 2:
        start, end, step = numbers[0], numbers[1], 1 if numbers[1] >= numbers[0] else -1
    elif len(numbers) == 3:
        start, end, step = numbers
    else:
        raise FunctionError("range takes 1 to 3 arguments")
    if step == 0 or (step > 0) != (end >= start) and end != start:
        raise FunctionError("range step in the wrong direction")
    count = max(0, math.ceil((end - start) / step))
    if count > limits.FUNCTION_ITEMS:
        raise FunctionError(f"range of more than {limits.FUNCTION_ITEMS} numbers")
    return LocatedList([number(start + i * step) for i in range(count)])


def _chunklist(args: list) -> Any:
    items, size = to_list(args[0]), to_int(args[1])
    if size < 0:
        raise FunctionError("a negative chunk size")
    if size == 0:
        return LocatedList([items])
    spans = list_spans(items)
    return LocatedList([LocatedList(items[i:i + size], item_spans=spans[i:i + size])
                        for i in range(0, len(items), size)])


def _all_any(name: str) -> Callable[[list], Any]:
    def implement(args: list) -> Any:
        items = to_list(args[0])
        undecided = False
        for item in items:
            if isinstance(item, Unknown):
                undecided = True
                continue
            flag = to_bool(item)
            if flag == (name == "anytrue"):
                return flag
        if undecided:
            raise Unresolved
        return name == "alltrue"

    return implement


def _numbers(name: str) -> Callable[[list], Any]:
    def implement(args: list) -> Any:
        values = [to_number(a) for a in (to_list(args[0]) if name == "sum" else args)]
        if not values:
            raise FunctionError(f"{name} of nothing")
        result = {"sum": sum, "max": max, "min": min}[name](values)
        return number(result)

    return implement


def _unary_number(operation: Callable[[float], float]) -> Callable[[list], Any]:
    def implement(args: list) -> Any:
        return number(operation(to_number(args[0])))

    return implement


# -- strings --------------------------------------------------------------------------------------------------


def _string_function(operation: Callable[[str], str]) -> Callable[[list], Any]:
    def implement(args: list) -> Any:
        (value,) = args
        text = to_string(value)
        return _keep(_text(operation(text)), value)

    return implement


def _title(text: str) -> str:
    """Go's strings.Title: the first letter of every word upper-cased (letters, digits and `_` are word
    characters; everything else separates)."""
    out: list[str] = []
    previous = " "
    for char in text:
        separator = not (previous.isalnum() or previous == "_")
        out.append(char.upper() if separator else char)
        previous = char
    return "".join(out)


def _trim(args: list) -> Any:
    text, cut = to_string(args[0]), to_string(args[1])
    return _keep(text.strip(cut), args[0])


def _trimprefix(args: list) -> Any:
    text, prefix = to_string(args[0]), to_string(args[1])
    return _keep(text[len(prefix):] if prefix and text.startswith(prefix) else text, args[0])


def _trimsuffix(args: list) -> Any:
    text, suffix = to_string(args[0]), to_string(args[1])
    return _keep(text[: -len(suffix)] if suffix and text.endswith(suffix) else text, args[0])


def _substr(args: list) -> Any:
    text, offset, length = to_string(args[0]), to_int(args[1]), to_int(args[2])
    if offset < 0:
        offset = max(0, len(text) + offset)
    if offset > len(text):
        raise FunctionError("offset beyond the string")
    end = len(text) if length < 0 else offset + length
    return text[offset:end]


def _startswith(args: list) -> Any:
    return to_string(args[0]).startswith(to_string(args[1]))


def _endswith(args: list) -> Any:
    return to_string(args[0]).endswith(to_string(args[1]))


def _strcontains(args: list) -> Any:
    return to_string(args[1]) in to_string(args[0])


def _split(args: list) -> Any:
    separator, text = to_string(args[0]), to_string(args[1])
    parts = list(text) if separator == "" else text.split(separator)
    return LocatedList(_limit(parts))


def _indent(args: list) -> Any:
    """Every line but the first indented by that many spaces (a JSON document put into a heredoc template)."""
    spaces, text = to_int(args[0]), to_string(args[1])
    if spaces < 0 or spaces > 1000:
        raise FunctionError("an indentation out of range")
    return _text(text.replace("\n", "\n" + " " * spaces))


def _setproduct(args: list) -> Any:
    sets = [to_list(a) for a in args]
    if has_unknown(sets):
        raise Unresolved
    count = 1
    for items in sets:
        count *= len(items)
    if count > limits.FUNCTION_ITEMS:
        raise FunctionError(f"a product of more than {limits.FUNCTION_ITEMS} elements")
    product: list[list] = [[]]
    for items in sets:
        product = [combination + [item] for combination in product for item in items]
    return LocatedList([LocatedList(combination) for combination in product])


def _join(args: list) -> Any:
    if len(args) < 2:
        raise FunctionError("join needs a separator and a list")
    separator = to_string(args[0])
    pieces: list[str] = []
    for arg in args[1:]:
        for item in to_list(arg):
            if item is None:
                raise FunctionError("join of a null element")
            pieces.append(to_string(item))
    return _text(separator.join(pieces))


_GO_GROUP = re.compile(r"\$(\d+|\{\w+\})")


#: A quantified group that itself holds a quantifier (`(a+)+`): RE2 (Terraform) matches it in linear time, Python's
#: backtracking engine can take exponential time; such a pattern is not evaluated (its result is unknown).
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{?]")


def _go_pattern(pattern: str, text: str = "") -> re.Pattern[str]:
    """An RE2 pattern as Python reads it (the syntax the two share: what Terraform code uses); named groups may be
    written `(?<name>...)` in RE2."""
    if _NESTED_QUANTIFIER.search(pattern) or len(text) > limits.REGEX_TEXT:
        raise Unresolved
    try:
        return re.compile(re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern))
    except re.error as error:
        raise FunctionError(f"invalid regular expression: {error}") from None


def _replace(args: list) -> Any:
    text, old, new = to_string(args[0]), to_string(args[1]), to_string(args[2])
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        pattern = _go_pattern(old[1:-1], text)

        def expand(match: re.Match[str]) -> str:
            def group(ref: re.Match[str]) -> str:
                name = ref.group(1).strip("{}")
                try:
                    found = match.group(int(name) if name.isdigit() else name)
                except (IndexError, re.error):
                    return ""
                return found or ""

            return _GO_GROUP.sub(group, new)

        result = pattern.sub(expand, text)
    elif old == "":
        result = new + new.join(text) + new if text else new
    else:
        result = text.replace(old, new)
    return _keep(_text(result), args[0])


def _regex(args: list) -> Any:
    text = to_string(args[1])
    pattern = _go_pattern(to_string(args[0]), text)
    match = pattern.search(text)
    if match is None:
        raise FunctionError("pattern did not match")
    return _match_value(pattern, match)


def _regexall(args: list) -> Any:
    text = to_string(args[1])
    pattern = _go_pattern(to_string(args[0]), text)
    return LocatedList(_limit([_match_value(pattern, m) for m in pattern.finditer(text)]))


def _match_value(pattern: re.Pattern[str], match: re.Match[str]) -> Any:
    if pattern.groupindex:
        return LocatedDict({name: match.group(name) for name in pattern.groupindex})
    if pattern.groups:
        return LocatedList(list(match.groups()))
    return match.group(0)


_VERB = re.compile(r"%(?:\[(\d+)\])?([-+# 0]*)(\d+|\*)?(?:\.(\d+))?(?:\[(\d+)\])?([a-zA-Z%])")


def format_text(pattern: str, args: list) -> str:
    """Terraform's `format`: Go's verbs %v %#v %s %q %d %b %o %x %X %e %E %f %g %G %t %%, flags, width, precision,
    explicit argument indexes."""
    out: list[str] = []
    position = 0
    next_arg = 0
    for match in _VERB.finditer(pattern):
        out.append(pattern[position:match.start()])
        position = match.end()
        index_before, flags, width, precision, index_after, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        explicit = index_before or index_after
        if explicit:
            next_arg = int(explicit) - 1
        if not 0 <= next_arg < len(args):
            raise FunctionError(f"not enough arguments for %{verb}")
        value = args[next_arg]
        next_arg += 1
        if isinstance(value, Unknown) or has_unknown(value):
            raise Unresolved
        out.append(_pad(_verb(verb, flags, precision, value), flags, width))
    out.append(pattern[position:])
    if next_arg < len(args) and not any(m.group(1) or m.group(5) for m in _VERB.finditer(pattern)):
        raise FunctionError("too many arguments")
    return _text("".join(out))


def _verb(verb: str, flags: str, precision: str | None, value: Any) -> str:
    if verb == "v":
        if "#" in flags:
            return json_text(value)
        if isinstance(value, (list, dict)) and not (isinstance(value, (LocatedDict, LocatedList)) and value.encoded):
            return json_text(value)
        return to_string(value)
    if verb == "s":
        if isinstance(value, (list, dict)) and not (isinstance(value, (LocatedDict, LocatedList)) and value.encoded):
            raise FunctionError("string required")
        text = to_string(value)
        return text[: int(precision)] if precision is not None else text
    if verb == "q":
        return json.dumps(to_string(value), ensure_ascii=False)
    if verb == "t":
        return "true" if to_bool(value) else "false"
    if verb in "dboxX":
        whole = to_int(value)
        body = {"d": str(abs(whole)), "b": format(abs(whole), "b"), "o": format(abs(whole), "o"),
                "x": format(abs(whole), "x"), "X": format(abs(whole), "X")}[verb]
        sign = "-" if whole < 0 else "+" if "+" in flags else " " if " " in flags else ""
        return sign + body
    if verb in "eEfFgG":
        real = float(to_number(value))
        spec = ("+" if "+" in flags else "") + (f".{precision}" if precision is not None else "") + verb
        if verb in "gG" and precision is None:
            return number_text(real) if verb == "g" else number_text(real).upper()
        return format(real, spec)
    raise FunctionError(f"unsupported verb %{verb}")


def _pad(text: str, flags: str, width: str | None) -> str:
    if not width or width == "*":
        return text
    size = int(width)
    if "-" in flags:
        return text.ljust(size)
    if "0" in flags and text[:1] in "+- " and text[1:2].isdigit():
        return text[0] + text[1:].rjust(size - 1, "0")
    return text.rjust(size, "0" if "0" in flags else " ")


def _format(args: list) -> Any:
    if not args:
        raise FunctionError("format needs a format string")
    return format_text(to_string(args[0]), args[1:])


def _formatlist(args: list) -> Any:
    if not args:
        raise FunctionError("formatlist needs a format string")
    pattern = to_string(args[0])
    lengths = {len(to_list(a)) for a in args[1:] if isinstance(a, list)}
    if len(lengths) > 1:
        raise FunctionError("formatlist of lists of different lengths")
    count = lengths.pop() if lengths else 1
    _limit([None] * count)
    return LocatedList([format_text(pattern, [a[i] if isinstance(a, list) else a for a in args[1:]])
                        for i in range(count)])


# -- conversions and encodings ----------------------------------------------------------------------------------


def _tostring(args: list) -> Any:
    (value,) = args
    if value is None:
        return None
    return _keep(to_string(value), value)


def _tonumber(args: list) -> Any:
    (value,) = args
    return None if value is None else to_number(value)


def _tobool(args: list) -> Any:
    (value,) = args
    return None if value is None else to_bool(value)


def _jsonencode(args: list) -> Any:
    """A container stays a structure (marked encoded: where a string is needed its JSON text is used), so the
    policy it encodes keeps its parts (an unknown value stays one value, not the whole document); a scalar is its
    JSON text."""
    (value,) = args
    if isinstance(value, LocatedDict):
        return LocatedDict(value, span=value.span, key_spans=dict(value.key_spans), encoded=True)
    if isinstance(value, dict):
        return LocatedDict(value, encoded=True)
    if isinstance(value, LocatedList):
        return LocatedList(value, span=value.span, item_spans=value.item_spans, encoded=True)
    if isinstance(value, list):
        return LocatedList(value, encoded=True)
    return json_text(value)


def decode_json_text(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise FunctionError(f"invalid JSON: {str(error)[:60]}") from None


def _base64encode(args: list) -> Any:
    return base64.b64encode(to_string(args[0]).encode("utf-8")).decode("ascii")


def _base64decode(args: list) -> Any:
    try:
        return base64.b64decode(to_string(args[0]), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise FunctionError("invalid base64") from None


def _hash(name: str) -> Callable[[list], Any]:
    def implement(args: list) -> Any:
        return hashlib.new(name, to_string(args[0]).encode("utf-8")).hexdigest()

    return implement


def _identity(args: list) -> Any:
    (value,) = args
    return value


def _basename(args: list) -> Any:
    return os.path.basename(to_string(args[0]).rstrip("/")) or "/"


def _dirname(args: list) -> Any:
    return os.path.dirname(to_string(args[0]).rstrip("/")) or "."


@dataclass(frozen=True)
class Function:
    implement: Callable[[list], Any]
    arity: tuple[int, int | None]  # minimum, maximum (None: any)
    allows_unknown: bool = False  # the implementation decides with unknown arguments itself


def _f(implement: Callable[[list], Any], low: int, high: int | None = -1, *, unknown: bool = False) -> Function:
    return Function(implement, (low, low if high == -1 else high), unknown)


#: Terraform's functions by name (pure ones; `file`, `templatefile`, `try`, `can`, `jsondecode`, `yamldecode`, ...
#: need the evaluator and are handled there).
FUNCTIONS: dict[str, Function] = {
    # collections
    "length": _f(_length, 1),
    "lookup": _f(_lookup, 2, 3, unknown=False),
    "element": _f(_element, 2),
    "index": _f(_index, 2, unknown=True),
    "contains": _f(_contains, 2, unknown=True),
    "keys": _f(_keys, 1),
    "values": _f(_values, 1),
    "zipmap": _f(_zipmap, 2),
    "concat": _f(_concat, 0, None),
    "flatten": _f(_flatten, 1),
    "distinct": _f(_distinct, 1),
    "compact": _f(_compact, 1),
    "coalesce": _f(_coalesce, 0, None, unknown=True),
    "coalescelist": _f(_coalescelist, 0, None, unknown=True),
    "slice": _f(_slice, 3),
    "reverse": _f(_reverse, 1),
    "sort": _f(_sort, 1),
    "setunion": _f(_set_operation("setunion"), 1, None),
    "setintersection": _f(_set_operation("setintersection"), 1, None),
    "setsubtract": _f(_set_operation("setsubtract"), 2),
    "one": _f(_one, 1),
    "merge": _f(_merge, 0, None, unknown=True),
    "range": _f(_range, 1, 3),
    "chunklist": _f(_chunklist, 2),
    "alltrue": _f(_all_any("alltrue"), 1),
    "anytrue": _f(_all_any("anytrue"), 1),
    "sum": _f(_numbers("sum"), 1),
    "max": _f(_numbers("max"), 1, None),
    "min": _f(_numbers("min"), 1, None),
    "abs": _f(_unary_number(abs), 1),
    "ceil": _f(_unary_number(math.ceil), 1),
    "floor": _f(_unary_number(math.floor), 1),
    # strings
    "format": _f(_format, 1, None),
    "formatlist": _f(_formatlist, 1, None),
    "join": _f(_join, 2, None),
    "indent": _f(_indent, 2),
    "setproduct": _f(_setproduct, 2, None),
    "split": _f(_split, 2),
    "replace": _f(_replace, 3),
    "regex": _f(_regex, 2),
    "regexall": _f(_regexall, 2),
    "upper": _f(_string_function(str.upper), 1),
    "lower": _f(_string_function(str.lower), 1),
    "title": _f(_string_function(_title), 1),
    "trimspace": _f(_string_function(str.strip), 1),
    "chomp": _f(_string_function(lambda t: re.sub(r"(?:\r\n|\n|\r)+$", "", t)), 1),
    "strrev": _f(_string_function(lambda t: t[::-1]), 1),
    "trim": _f(_trim, 2),
    "trimprefix": _f(_trimprefix, 2),
    "trimsuffix": _f(_trimsuffix, 2),
    "substr": _f(_substr, 3),
    "startswith": _f(_startswith, 2),
    "endswith": _f(_endswith, 2),
    "strcontains": _f(_strcontains, 2),
    # conversions and encodings
    "tostring": _f(_tostring, 1),
    "tonumber": _f(_tonumber, 1),
    "tobool": _f(_tobool, 1),
    "tolist": _f(_tolist, 1),
    "toset": _f(_toset, 1),
    "tomap": _f(_tomap, 1),
    "jsonencode": _f(_jsonencode, 1, unknown=True),
    "base64encode": _f(_base64encode, 1),
    "base64decode": _f(_base64decode, 1),
    "md5": _f(_hash("md5"), 1),
    "sha1": _f(_hash("sha1"), 1),
    "sha256": _f(_hash("sha256"), 1),
    "sha512": _f(_hash("sha512"), 1),
    "sensitive": _f(_identity, 1, unknown=True),
    "nonsensitive": _f(_identity, 1, unknown=True),
    "basename": _f(_basename, 1),
    "dirname": _f(_dirname, 1),
}


def call(name: str, args: list, source: str) -> Any:
    """The value of `name(args...)`; `source` names the call when its value is unknown."""
    function = FUNCTIONS.get(name)
    if function is None:
        return reference(source)
    low, high = function.arity
    if len(args) < low or (high is not None and len(args) > high):
        return EvalError(f"{name}() takes {low}{'' if high == low else '+' if high is None else f'-{high}'} "
                         f"arguments, not {len(args)}")
    for arg in args:
        if isinstance(arg, EvalError):
            return arg
    if not function.allows_unknown and any(isinstance(a, Unknown) for a in args):
        return reference(source)
    try:
        return function.implement(args)
    except Unresolved:
        return reference(source)
    except FunctionError as error:
        return EvalError(f"{name}(): {error}")
    except (TypeError, ValueError, IndexError, KeyError, OverflowError, ZeroDivisionError, RecursionError) as error:
        return EvalError(f"{name}(): {type(error).__name__}")
