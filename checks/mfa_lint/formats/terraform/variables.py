"""Terraform input variables as Terraform sets them: what a `variable` block declares (type, default, a validation
that pins the value to a set) and the values a root module gets from outside (tfvars files, var files, `-var`).

Precedence, lowest first, as Terraform documents it (https://developer.hashicorp.com/terraform/language/values/
variables#variable-definition-precedence): the default, `terraform.tfvars`, `terraform.tfvars.json`, the
`*.auto.tfvars` / `*.auto.tfvars.json` files in lexical order of their names, then the var files and `-var` values
given explicitly, in the order given. Only the root module reads these: a called module gets its caller's
arguments. Environment variables (`TF_VAR_name`) are not read: a linter's environment is not the pipeline's.

Every value is converted to the declared type the way Terraform converts it: `optional(type, default)` attributes
of an object type are filled in when the value leaves them out (or sets them to null), extra attributes are
dropped, and primitives convert (`true` -> `"true"` for a string, `"false"` -> `false` for a bool). The conversion
is the evaluator's `Definition.convert` hook for defaults, and is applied to the values given from outside.

Values remember where they were written (hcl_located), as every evaluated value does: an operator set in a tfvars
file, or filled in from an `optional()` default, is reported where it is written there, where `fix` can edit it. The
values a validation allows are tries, not values anyone wrote for the variable: they carry no place (a finding they
lead to is reported where the variable is used). A `-var` value is written nowhere in a file: no place either.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lark import Token, Tree

from mfa_lint.core.values import Unknown
from mfa_lint.formats.terraform.hcl_located import LocatedDict, LocatedList, LocatedStr, attach, key_span, span_of
from mfa_lint.formats.terraform.hcl_syntax import (
    attributes,
    blocks,
    identifier_name,
    node_text,
    parse_hcl,
    root_body,
)
from mfa_lint.formats.terraform.hcl_values import Definition, Evaluator, Scope
from mfa_lint.formats.terraform.module_context import tfvars_files
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.json_positions import loads_with_positions
from mfa_lint.reading.limits import TYPE_NESTING, VALIDATION_VALUES
from mfa_lint.reading.site import SourceError

# A type constraint: ("string",) ("number",) ("bool",) ("any",), ("list"|"set"|"map", element),
# ("tuple", (element, ...)), ("object", ((name, type, optional, default), ...)).
VarType = tuple
ANY: VarType = ("any",)
_PRIMITIVES = frozenset({"string", "number", "bool"})


@dataclass(frozen=True)
class Declaration:
    """One `variable` block."""

    name: str
    default: Definition | None
    type: VarType | None
    #: the values a `validation` block allows (`contains(["Bool", "BoolIfExists"], var.op)`), else None
    allowed: tuple[Any, ...] | None = None
    nullable: bool = True

    @property
    def literal_mode(self) -> bool:
        """A `-var` value is taken as a string for a primitive type or no type, else parsed as HCL (Terraform's
        VariableParseLiteral / VariableParseHCL)."""
        return self.type is None or self.type[0] in _PRIMITIVES

    def convert(self, value: Any) -> Any:
        """A value given to this variable, as the module sees it (type conversion, optional() defaults)."""
        return convert(value, self.type) if self.type is not None else value


@dataclass(frozen=True)
class RawValue:
    """A `-var name=value` string: how it is read depends on the variable's type (Declaration.literal_mode)."""

    text: str


@dataclass(frozen=True)
class VariableInputs:
    """What the user gives a scan to set root module variables: var files and `name=value` pairs, in order."""

    #: ("file", path) or ("var", "name=value"), in the order given (later wins, as on terraform's command line)
    items: tuple[tuple[str, str], ...] = ()

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(value for kind, value in self.items if kind == "file")


@dataclass
class RootValues:
    """The values a root module's variables get from outside its `variable` blocks, and where each came from."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


# -- declarations -------------------------------------------------------------------------------------------------


def declarations(file: str, tree: Tree, text: str, directory: str | None = None) -> dict[str, Declaration]:
    """The `variable` blocks of one file (`file`: its name in the module, whose folder is `directory`)."""
    found: dict[str, Declaration] = {}
    for block in blocks(root_body(tree)):
        if block.type != "variable" or not block.labels:
            continue
        name = block.labels[0]
        attrs = {a.name: a for a in attributes(block.body)}
        default = attrs.get("default")
        var_type = parse_type(attrs["type"].expression, file, text, directory=directory) if "type" in attrs else None
        nullable = _literal(attrs["nullable"].expression, file, text) if "nullable" in attrs else True
        declaration = Declaration(name, None, var_type, _allowed(name, block.body, file, text), nullable is not False)
        if default is not None:
            definition = Definition(default.expression, file, text, declaration.convert if var_type else None)
            declaration = Declaration(name, definition, var_type, declaration.allowed, declaration.nullable)
        found[name] = declaration
    return found


def _literal(node: Tree | Token, file: str, text: str, directory: str | None = None, *, placed: bool = False) -> Any:
    """A constant expression (no references): a type's optional() default, a validation's list, a tfvars value.
    `placed`: the value remembers where it is written (`file` in `directory`, or `file` an absolute path); else it
    is a plain value."""
    evaluator = Evaluator(Scope(), file)
    evaluator.directory = directory
    value = evaluator.evaluate(node, file, text).value
    return value if placed and (directory is not None or os.path.isabs(file)) else unplaced(value)


def unplaced(value: Any, depth: int = 0) -> Any:
    """`value` as plain dicts, lists and strings (a place it remembered would point into the wrong file)."""
    if depth > TYPE_NESTING * 4:
        return value
    if isinstance(value, dict):
        return {k: unplaced(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [unplaced(v, depth + 1) for v in value]
    if isinstance(value, LocatedStr):
        return str(value)
    return value


def _allowed(name: str, body: Tree, file: str, text: str) -> tuple[Any, ...] | None:
    """The set a `validation { condition = contains([...], var.<name>) }` pins the variable to (also written as
    `var.x == "a" || var.x == "b"`); None when no validation does."""
    marker = f"var.{name}"
    for validation in blocks(body):
        if validation.type != "validation":
            continue
        condition = next((a.expression for a in attributes(validation.body) if a.name == "condition"), None)
        if condition is None:
            continue
        values = _contains_set(condition, marker, file, text)
        if values is None:
            values = _equality_set(condition, marker, file, text)
        if values is not None and 0 < len(values) <= VALIDATION_VALUES:
            return values
    return None


def _unwrapped(node: Tree | Token) -> Tree | Token:
    for _ in range(TYPE_NESTING):
        if isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
            node = node.children[0]
        else:
            break
    return node


def _call(node: Tree | Token) -> tuple[str | None, list[Tree | Token]]:
    """`name(args)` -> (name, args); anything else -> (None, [])."""
    node = _unwrapped(node)
    if not (isinstance(node, Tree) and node.data == "function_call" and node.children):
        return None, []
    args: list[Tree | Token] = []
    for child in node.children[1:]:
        if isinstance(child, Tree) and child.data == "arguments":
            args = [a for a in child.children if isinstance(a, (Tree, Token))]
    return identifier_name(node.children[0]), args


def _contains_set(condition: Tree | Token, marker: str, file: str, text: str) -> tuple[Any, ...] | None:
    name, args = _call(condition)
    if name != "contains" or len(args) != 2 or " ".join(node_text(args[1], text).split()) != marker:
        return None
    values = _literal(args[0], file, text)
    if not isinstance(values, list) or not all(isinstance(v, (str, int, float, bool)) for v in values):
        return None
    return tuple(dict.fromkeys(values))


def _equality_set(condition: Tree | Token, marker: str, file: str, text: str) -> tuple[Any, ...] | None:
    """`var.x == "a" || var.x == "b"` (either side of each `==`) -> ("a", "b")."""
    source = " ".join(node_text(condition, text).split())
    terms = [t.strip().strip("()").strip() for t in source.split("||")]
    values: list[Any] = []
    for term in terms:
        sides = [s.strip() for s in term.split("==")]
        if len(sides) != 2 or marker not in sides:
            return None
        other = sides[1] if sides[0] == marker else sides[0]
        try:
            value = json.loads(other)
        except ValueError:
            return None
        if not isinstance(value, (str, int, float, bool)):
            return None
        values.append(value)
    return tuple(dict.fromkeys(values)) or None


# -- type constraints ---------------------------------------------------------------------------------------------


def parse_type(node: Tree | Token, file: str, text: str, depth: int = 0, *, directory: str | None = None) -> VarType:
    """A `type = ...` expression as a VarType; what is not understood is `any` (the value is kept as it is).
    `optional()` defaults remember where they are written (`file` in `directory`)."""
    if depth > TYPE_NESTING:
        return ANY
    node = _unwrapped(node)
    name = identifier_name(node) if isinstance(node, Tree) else None
    if name in _PRIMITIVES or name == "any":
        return (name,)
    if isinstance(node, Token) and node.type == "STRING_LIT":  # Terraform 0.11: type = "list" / "map" / "string"
        legacy = str(node).strip('"')
        return {"string": ("string",), "list": ("list", ANY), "map": ("map", ANY)}.get(legacy, ANY)
    call, args = _call(node)
    if call in ("list", "set", "map") and len(args) == 1:
        return (call, parse_type(args[0], file, text, depth + 1, directory=directory))
    if call == "tuple" and len(args) == 1:
        inner = _unwrapped(args[0])
        if isinstance(inner, Tree) and inner.data == "tuple":
            items = [c for c in inner.children if isinstance(c, (Tree, Token))]
            return ("tuple", tuple(parse_type(i, file, text, depth + 1, directory=directory) for i in items))
    if call == "object" and len(args) == 1:
        inner = _unwrapped(args[0])
        if isinstance(inner, Tree) and inner.data == "object":
            return ("object", tuple(_object_attributes(inner, file, text, depth, directory)))
    return ANY


def _object_attributes(
    node: Tree, file: str, text: str, depth: int, directory: str | None
) -> Iterable[tuple[str, VarType, bool, Any]]:
    for elem in node.children:
        if not (isinstance(elem, Tree) and elem.data == "object_elem" and len(elem.children) >= 2):
            continue
        key_node, value_node = elem.children[0], elem.children[-1]
        key = identifier_name(_unwrapped(key_node)) or node_text(key_node, text).strip().strip('"')
        call, args = _call(value_node)
        if call == "optional" and args:
            attr_type = parse_type(args[0], file, text, depth + 1, directory=directory)
            default = _literal(args[1], file, text, directory, placed=True) if len(args) > 1 else None
            yield key, attr_type, True, default
        else:
            yield key, parse_type(value_node, file, text, depth + 1, directory=directory), False, None


def convert(value: Any, var_type: VarType | None, depth: int = 0) -> Any:
    """`value` converted to `var_type` as Terraform converts a variable's value; unknown parts stay unknown, and a
    value that does not fit is kept as it is (terraform would reject it: nothing here can be wrong in a new way).
    Places are kept (a string stays where it was written, an object's keys too); `value` itself is never changed."""
    if var_type is None or value is None or isinstance(value, Unknown) or depth > TYPE_NESTING:
        return value
    kind = var_type[0]
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return _number_text(value)
        return value
    if kind == "bool":
        return {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value
    if kind == "number":
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                try:
                    return float(value)
                except ValueError:
                    return value
        return value
    if kind in ("list", "set") and isinstance(value, list):
        return _list_like(value, [convert(item, var_type[1], depth + 1) for item in value])
    if kind == "map" and isinstance(value, dict):
        return _dict_like(value, {k: convert(v, var_type[1], depth + 1) for k, v in value.items()})
    if kind == "tuple" and isinstance(value, list) and len(value) == len(var_type[1]):
        return _list_like(value, [convert(item, t, depth + 1) for item, t in zip(value, var_type[1], strict=True)])
    if kind == "object" and isinstance(value, dict):
        out: dict[str, Any] = {}
        for name, attr_type, optional, default in var_type[1]:
            given = value.get(name)
            if given is None and optional:
                given = default  # optional(type, default): filled in when left out or null
            if name in value or optional:
                out[name] = convert(given, attr_type, depth + 1)
        return _dict_like(value, out)  # attributes the type does not declare are dropped
    return value


def _list_like(original: list, items: list) -> list:
    """`items` remembering the places of `original` (a converted list)."""
    if not isinstance(original, LocatedList):
        return items
    return LocatedList(items, span=original.span, item_spans=list(original.item_spans), encoded=original.encoded)


def _dict_like(original: dict, items: dict) -> dict:
    """`items` remembering where `original` opens and its keys are written (a key filled in from a default has no
    place of its own)."""
    if not isinstance(original, LocatedDict):
        return items
    return LocatedDict(items, span=span_of(original),
                       key_spans={k: key_span(original, k) for k in items if key_span(original, k) is not None},
                       encoded=original.encoded)


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- values from outside: tfvars, var files, -var -------------------------------------------------------------------


def root_values(directory: str, inputs: VariableInputs | None, context: ReadContext) -> RootValues:
    """The values the root module in `directory` gets: its tfvars files, then the inputs given, later ones winning."""
    result = RootValues()
    for path in tfvars_files(directory):
        _apply_file(result, path, context)
    for kind, value in (inputs.items if inputs else ()):
        if kind == "file":
            _apply_file(result, value, context)
        else:
            name, _, raw = value.partition("=")
            result.values[name.strip()] = RawValue(raw)
            result.sources[name.strip()] = "-var"
    return result


def _apply_file(result: RootValues, path: str, context: ReadContext) -> None:
    try:
        values = _load_values(path, context)
    except SourceError as error:
        result.errors.append(f"{os.path.basename(path)}: {error}")
        return
    for name, value in values.items():
        result.values[name] = value
        result.sources[name] = path


def _load_values(path: str, context: ReadContext) -> dict[str, Any]:
    """A tfvars file's `name = value` pairs (`.json`: a JSON object); the text comes from the read context's cache
    (by modification time), the values are cached by the text. Values remember where they are written in it (a
    JSON file: its keys and list items)."""
    text = context.referenced(path)
    if text is None:
        raise SourceError("cannot read")
    return _load_cached(os.path.abspath(path), text)


@lru_cache(maxsize=256)
def _load_cached(path: str, text: str) -> dict[str, Any]:
    if path.endswith(".json"):
        try:
            data, spans = loads_with_positions(text)
        except (ValueError, RecursionError) as error:
            raise SourceError(f"invalid JSON: {error}") from None
        if not isinstance(data, dict):
            raise SourceError("not a JSON object")
        return dict(attach(data, spans, path))
    tree = parse_hcl(text)
    return {attr.name: _literal(attr.expression, path, text, placed=True) for attr in attributes(root_body(tree))}


def raw_value(raw: RawValue, declaration: Declaration | None) -> Any:
    """A `-var` string as Terraform reads it for this variable: literally, or as an HCL expression."""
    if declaration is not None and not declaration.literal_mode:
        text = f"v = {raw.text}\n"
        try:
            tree = parse_hcl(text)
        except SourceError:
            return raw.text
        for attr in attributes(root_body(tree)):
            return _literal(attr.expression, "<-var>", text)
    return raw.text


def module_inputs(
    declared: dict[str, Declaration], given: dict[str, Any], *, from_outside: bool
) -> dict[str, Any]:
    """The values the module's variables take from `given` (a call's arguments, or root values), converted to their
    types; names the module does not declare are left out (terraform warns about them in var files).

    A null for a `nullable = false` variable with a default takes the default (left out here)."""
    values: dict[str, Any] = {}
    for name, value in given.items():
        declaration = declared.get(name)
        if declaration is None:
            if not from_outside:
                values[name] = value  # an argument to a variable declared nowhere we read: keep it
            continue
        if isinstance(value, RawValue):
            value = raw_value(value, declaration)
        if value is None and not declaration.nullable and declaration.default is not None:
            continue
        values[name] = declaration.convert(value)
    return values
