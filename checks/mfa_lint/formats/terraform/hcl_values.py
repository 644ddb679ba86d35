"""Evaluate the HCL expressions that hold policies, recording where each key and list item sits in the file.

Only what a policy needs is evaluated: literals, objects, tuples, `jsonencode(...)` (and the identity-like
`tolist`/`toset`/`tomap`), quoted strings and heredocs (with simple interpolations), `var.x` with a default and
`local.x` of the same module. Everything else — `file(...)`, `data.x.y.json`, conditionals, for expressions — is
kept as a Terraform reference string `"${<source text>}"`, which the core treats as an unknown value.

The walk over an expression is iterative (an explicit task stack), so deep nesting cannot exhaust the Python stack;
following a reference starts a nested walk, bounded by limits.REFERENCE_DEPTH and a cycle check. Files a policy reads
(`file()`, `templatefile()`) come from the read context's cache; long walks check its deadline.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lark import Token, Tree

from mfa_lint.core.values import Unknown
from mfa_lint.formats.terraform.hcl_syntax import (
    attributes,
    identifier_name,
    node_span,
    node_text,
    parse_hcl,
    root_body,
    token_span,
)
from mfa_lint.formats.terraform.hcl_templates import (
    Interpolation,
    Offsets,
    Part,
    heredoc_content,
    located_parts,
    quoted_string_parts,
    trim_indent,
)
from mfa_lint.formats.terraform.template_json import Resolved, Template
from mfa_lint.reading import limits
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.site import SourceError, Span
from mfa_lint.reading.unknowns import terraform_unknown

_SIMPLE_REFERENCE = re.compile(r"^(var|local)\.([A-Za-z_][A-Za-z0-9_-]*)$")
_IDENTITY_FUNCTIONS = {"jsonencode", "tolist", "toset", "tomap"}
_LITERAL_IDENTIFIERS = {"true": True, "false": False, "null": None}


@dataclass(frozen=True)
class Definition:
    """A `variable` default or a `local` value: its expression and the file (name, text) it sits in; `convert`
    turns a variable's value into its declared type (optional() defaults filled in)."""

    node: Tree | Token
    file: str
    text: str
    convert: Callable[[Any], Any] | None = field(default=None, compare=False)


#: `module.<call>[<key>].<output>...` accessors -> (resolved, value, accessors used): how a module's caller reads
#: the outputs of its calls.
ModuleOutputs = Callable[[tuple], tuple[bool, Any, int]]


@dataclass
class Scope:
    """What `var.x` and `local.x` can resolve to within one module (one directory)."""

    variables: dict[str, Definition] = field(default_factory=dict)
    locals: dict[str, Definition] = field(default_factory=dict)
    template_files: dict[str, Definition] = field(default_factory=dict)  # data "template_file": its body
    #: the module's calls: `module.<call>.<output>` read from the called module (module_instance)
    module_outputs: ModuleOutputs | None = None
    #: a called module: its call decides every variable (an argument, else the default); nothing may be tried
    called: bool = False


#: Where a string value's text sits in the file, its parts and their resolved values (JSON inside is decoded from it).
StringOrigin = Template


@dataclass
class Evaluated:
    """An expression's value, the spans of its keys and list items by document path, and string origins."""

    value: Any
    spans: dict[tuple, Span] = field(default_factory=dict)
    origins: dict[tuple, StringOrigin] = field(default_factory=dict)


def reference(source: str) -> Unknown:
    """An unresolved expression, named by its source text on one line."""
    compact = " ".join(source.split())
    if len(compact) > limits.REFERENCE_TEXT:
        compact = compact[:limits.REFERENCE_TEXT] + "..."
    return terraform_unknown(compact)


class Evaluator:
    """Evaluates expressions of one module; positions are recorded only for nodes in `site_file`."""

    def __init__(
        self, scope: Scope, site_file: str, *, overrides: dict[str, Any] | None = None,
        bindings: dict[str, Any] | None = None, context: ReadContext | None = None,
    ) -> None:
        self.scope = scope
        #: the scan's read context: the files `file()` reads, and the time budget the walk checks
        self.context = context or ReadContext()
        self.site_file = site_file
        #: values one try gives unresolved references (`var.enabled` -> True): the same in every place it is used
        self.overrides = overrides or {}
        #: names a `dynamic` block's iterator or `each` binds: name -> {"key": ..., "value": ...}
        self.bindings = bindings or {}
        #: the module's folder on disk, for `path.module` and the files `file()` / `templatefile()` read
        self.directory: str | None = None
        #: `var.x` references met that nothing sets (no default, argument or tfvars value): shared by derived
        #: evaluators, so a reader can try the values a validation allows for them
        self.unset: set[str] = set()
        self._budget = limits.EVALUATION_NODES
        self._operators = 0

    def derive(self, *, overrides: dict[str, Any] | None = None, bindings: dict[str, Any] | None = None) -> Evaluator:
        """The same module, with these references fixed (a try) or names bound (an iteration)."""
        derived = Evaluator(self.scope, self.site_file, overrides={**self.overrides, **(overrides or {})},
                            bindings={**self.bindings, **(bindings or {})}, context=self.context)
        derived.directory = self.directory
        derived.unset = self.unset
        return derived

    def evaluate(self, node: Tree | Token, file: str, text: str) -> Evaluated:
        self._budget = limits.EVALUATION_NODES
        result = Evaluated(None)
        result.value = self._walk(node, file, text, (), result, record=file == self.site_file, active=())
        return result

    # -- the iterative walk -------------------------------------------------------------------------------------

    def _walk(
        self, node: Tree | Token, file: str, text: str, base: tuple, out: Evaluated, *, record: bool,
        active: tuple[str, ...],
    ) -> Any:
        results: list[Any] = []
        tasks: list[tuple] = [("eval", node, base, 0, record)]
        while tasks:
            task = tasks.pop()
            op = task[0]
            if op == "list":
                count = task[1]
                items = results[len(results) - count:] if count else []
                del results[len(results) - count:]
                results.append(items)
                continue
            if op == "dict":
                keys = task[1]
                values = results[len(results) - len(keys):] if keys else []
                del results[len(results) - len(keys):]
                results.append(dict(zip(keys, values, strict=True)))
                continue
            if op == "concat":
                count = task[1]
                parts = results[len(results) - count:] if count else []
                del results[len(results) - count:]
                if all(isinstance(p, list) for p in parts):
                    results.append([item for p in parts for item in p])
                else:
                    results.append(reference(task[2]))
                continue
            if op == "jsondecode":
                results.append(_json_decode(results.pop(), task[1]))
                continue
            if op == "length":
                counted = results.pop()
                results.append(len(counted) if isinstance(counted, (list, dict, str)) and not _has_unknown(counted)
                               else reference(task[1]))
                continue
            if op == "yamldecode":
                results.append(_yaml_decode(results.pop(), task[1]))
                continue
            _, current, path, depth, rec = task
            current = _unwrap(current)
            self._budget -= 1
            if not self._budget & 0x3FF:
                self.context.check_time()
            if depth > limits.VALUE_NESTING or self._budget < 0:
                too_deep = depth > limits.VALUE_NESTING
                results.append(reference("nested too deeply" if too_deep else "too large to evaluate"))
                continue
            if isinstance(current, Token):
                if current.type == "STRING_LIT":
                    results.append(self._string(current, file, text, path, out, rec, active))
                else:
                    results.append(reference(str(current)))
                continue
            kind = current.data
            if kind == "object":
                keys = []
                value_nodes = []
                for elem in current.children:
                    if not (isinstance(elem, Tree) and elem.data == "object_elem" and len(elem.children) >= 2):
                        continue
                    key_node, value_node = elem.children[0], elem.children[-1]
                    key = self._key(key_node, file, text, active)
                    keys.append(key)
                    value_nodes.append(value_node)
                    if rec:
                        out.spans[path + (key,)] = _key_span(key_node)
                tasks.append(("dict", keys))
                for key, value_node in reversed(list(zip(keys, value_nodes, strict=True))):
                    tasks.append(("eval", value_node, path + (key,), depth + 1, rec))
            elif kind == "tuple":
                items = [c for c in current.children if isinstance(c, (Tree, Token))]
                tasks.append(("list", len(items)))
                for index in range(len(items) - 1, -1, -1):
                    if rec:
                        out.spans[path + (index,)] = _item_span(items[index])
                    tasks.append(("eval", items[index], path + (index,), depth + 1, rec))
            elif kind in ("int_lit", "float_lit"):
                results.append(_number("".join(str(c) for c in current.children)))
            elif kind == "identifier":
                name = identifier_name(current) or ""
                if name in _LITERAL_IDENTIFIERS:
                    results.append(_LITERAL_IDENTIFIERS[name])
                elif name in self.bindings and name not in ("each", "count"):  # a templatefile variable
                    results.append(self.bindings[name])
                else:
                    results.append(reference(name))
            elif kind in ("heredoc_template", "heredoc_template_trim"):
                results.append(self._heredoc(current, file, text, path, out, rec, active))
            elif kind == "function_call":
                self._function(current, file, text, path, depth, rec, tasks, results, out, active)
            elif kind in ("get_attr_expr_term", "index_expr_term"):
                results.append(self._reference(current, file, text, path, out, rec, active))
            elif kind in ("conditional", "unary_op", "binary_op") and self._operators < limits.OPERATOR_DEPTH:
                self._operators += 1
                try:
                    chosen = self._operator(current, file, text, active, depth)
                finally:
                    self._operators -= 1
                if isinstance(chosen, (Tree, Token)):
                    tasks.append(("eval", chosen, path, depth + 1, rec))
                else:
                    results.append(chosen)
            else:
                results.append(reference(node_text(current, text)))
        return results[-1] if results else None

    def _operator(self, node: Tree, file: str, text: str, active: tuple[str, ...], depth: int) -> Any:
        """`c ? a : b` -> the branch node to evaluate when `c` is known; `!x`, `a == b`, `a != b` -> their value;
        else an Unknown naming the expression."""
        def value(child: Tree | Token) -> Any:
            return self._walk(child, file, text, (), Evaluated(None), record=False, active=active)

        children = [c for c in node.children if isinstance(c, (Tree, Token))]
        if node.data == "conditional" and len(children) == 3:
            condition = value(children[0])
            if not isinstance(condition, bool):  # a try may fix the condition as a whole
                condition = self.overrides.get(condition_key(node_text(children[0], text)))
            if isinstance(condition, bool):
                return children[1] if condition else children[2]
        elif node.data == "unary_op" and len(children) == 2 and str(children[0]) == "!":
            operand = value(children[1])
            if isinstance(operand, bool):
                return not operand
        elif node.data == "binary_op" and len(children) == 2 and isinstance(children[1], Tree):
            term = [c for c in children[1].children if isinstance(c, (Tree, Token))]
            operator = term[0].children[0] if term and isinstance(term[0], Tree) and term[0].children else None
            if len(term) == 2:
                right = _unwrap(term[1])
                if isinstance(right, Tree) and right.data == "conditional" and len(right.children) == 3:
                    # the parser reads `a && b ? x : y` as `a && (b ? x : y)`; Terraform as `(a && b) ? x : y`
                    condition = _binary(str(operator), value(children[0]), value(right.children[0]))
                    if not isinstance(condition, bool):
                        condition = self.overrides.get(condition_key(node_text(node, text)))
                    if isinstance(condition, bool):
                        return right.children[1] if condition else right.children[2]
                else:
                    result = _binary(str(operator), value(children[0]), value(term[1]))
                    if not isinstance(result, Unknown):
                        return result
        return reference(node_text(node, text))

    def _function(
        self, node: Tree, file: str, text: str, path: tuple, depth: int, rec: bool, tasks: list, results: list,
        out: Evaluated, active: tuple[str, ...],
    ) -> None:
        name = identifier_name(node.children[0]) if node.children else None
        args: list[Tree | Token] = []
        for child in node.children[1:]:
            if isinstance(child, Tree) and child.data == "arguments":
                args = [a for a in child.children if isinstance(a, (Tree, Token))]
        if name in _IDENTITY_FUNCTIONS and len(args) == 1:
            tasks.append(("eval", args[0], path, depth + 1, rec))
        elif name == "length" and len(args) == 1:
            tasks.append(("length", node_text(node, text)))
            tasks.append(("eval", args[0], path, depth + 1, False))
        elif name in ("jsondecode", "yamldecode") and len(args) == 1:
            tasks.append((name, node_text(node, text)))
            tasks.append(("eval", args[0], path, depth + 1, rec))
        elif name in ("file", "templatefile") and args:
            results.append(self._file(name, args, file, text, path, out, rec, active, node_text(node, text)))
        elif name == "concat" and args:
            tasks.append(("concat", len(args), node_text(node, text)))
            for arg in reversed(args):
                tasks.append(("eval", arg, path, depth + 1, False))
        else:
            results.append(reference(node_text(node, text)))

    def _file(
        self, name: str, args: list[Tree | Token], file: str, text: str, path: tuple, out: Evaluated, rec: bool,
        active: tuple[str, ...], source: str,
    ) -> Any:
        """`file(p)`: the file's text; `templatefile(p, {vars})`: the file rendered with the caller's values.
        The text's origin is recorded, so JSON in it is located in that file."""
        location = self._walk(args[0], file, text, (), Evaluated(None), record=False, active=active)
        target = resolve_path(location, self.directory)
        content = self.context.referenced(target) if target else None
        if content is None:
            return reference(source)
        if name == "file":  # the text as it is: no interpolation
            if rec:
                whole: tuple[tuple[Part, Offsets], ...] = ((content, [(i, i + 1) for i in range(len(content))]),)
                out.origins[path] = Template(content, 1, 1, whole, (None,), file=target)
            return content
        located = located_parts(content, escapes=False)
        variables = self._walk(args[1], file, text, (), Evaluated(None), record=False, active=active) \
            if len(args) > 1 else {}
        if not isinstance(variables, dict):
            return reference(source)
        bound = self.derive(bindings={k: v for k, v in variables.items() if isinstance(k, str)})
        bound.directory = self.directory
        rendered, values = bound._render([p for p, _ in located], active, keep_type=False)
        if rec:
            out.origins[path] = Template(content, 1, 1, tuple(located), values, file=target)
        return rendered

    def _template_file(
        self, name: str, path: tuple, out: Evaluated, rec: bool, active: tuple[str, ...]
    ) -> Any:
        """`data.template_file.x.rendered`: the data source's `template` rendered with its `vars`."""
        definition = self.scope.template_files.get(name)
        marker = f"data.template_file.{name}"
        if definition is None or marker in active or not isinstance(definition.node, Tree):
            return None
        attrs = {a.name: a.expression for a in attributes(definition.node)}
        template = attrs.get("template")
        if template is None:
            return None
        variables = (self._walk(attrs["vars"], definition.file, definition.text, (), Evaluated(None), record=False,
                                active=active + (marker,)) if "vars" in attrs else {})
        if not isinstance(variables, dict):
            return None
        holder = Evaluated(None)
        content = self._walk(template, definition.file, definition.text, (), holder, record=True,
                             active=active + (marker,))
        origin = holder.origins.get(())
        if not isinstance(content, str) or origin is None:
            return None
        bound = self.derive(bindings={k: v for k, v in variables.items() if isinstance(k, str)})
        located = located_parts(content, escapes=False)
        rendered, values = bound._render([p for p, _ in located], active, keep_type=False)
        if rec and origin.file is not None:
            out.origins[path] = Template(content, 1, 1, tuple(located), values, file=origin.file)
        return rendered

    # -- strings ------------------------------------------------------------------------------------------------

    def _string(
        self, token: Token, file: str, text: str, path: tuple, out: Evaluated, rec: bool, active: tuple[str, ...]
    ) -> Any:
        located = located_parts(str(token)[1:-1], escapes=True)
        value, values = self._render([p for p, _ in located], active)
        if rec:
            out.origins[path] = Template(str(token)[1:-1], token.line, token.column + 1, tuple(located), values)
        return value

    def _heredoc(
        self, node: Tree, file: str, text: str, path: tuple, out: Evaluated, rec: bool, active: tuple[str, ...]
    ) -> Any:
        token = node.children[0] if node.children else None
        if not isinstance(token, Token):
            return reference(node_text(node, text))
        content, trim = heredoc_content(str(token))
        located = located_parts(content, escapes=False)
        rendered, values = self._render([p for p, _ in located], active, keep_type=False)
        if rec:
            out.origins[path] = Template(content, token.line + 1, 1, tuple(located), values)
        return trim_indent(rendered) if trim and isinstance(rendered, str) else rendered

    def _render(
        self, parts: list[Part], active: tuple[str, ...], *, keep_type: bool = True
    ) -> tuple[Any, tuple[Resolved | None, ...]]:
        """Join template parts, and each interpolation's value; `"${var.x}"` alone keeps the variable's type, as
        Terraform does. An interpolation that cannot be resolved makes the string an Unknown naming it."""
        values = tuple(None if isinstance(part, str) else self._resolve_text(part, active) for part in parts)
        if keep_type and len(parts) == 1 and isinstance(parts[0], Interpolation):
            resolved = values[0]
            assert resolved is not None
            return (resolved.value if resolved.known else terraform_unknown(parts[0].expression)), values
        pieces: list[str] = []
        unknown: list[str] = []
        for part, resolved in zip(parts, values, strict=True):
            if isinstance(part, str):
                pieces.append(part)
            elif resolved is not None and resolved.known and _is_scalar(resolved.value):
                pieces.append(_template_string(resolved.value))
            else:
                unknown.append(part.source if part.directive else part.expression)
        if unknown:
            return reference(", ".join(dict.fromkeys(unknown))), values
        return "".join(pieces), values

    def _resolve_text(self, part: Interpolation, active: tuple[str, ...]) -> Resolved:
        if part.directive:
            return Resolved(False)
        match = _SIMPLE_REFERENCE.match(part.expression)
        if match:
            known, value = self._lookup(match.group(1), match.group(2), (), None, active)
            return Resolved(known, value)
        parsed = _expression(part.expression)
        if parsed is None or len(active) >= limits.REFERENCE_DEPTH:
            return Resolved(False)
        node, source = parsed
        value = self._walk(node, "<template>", source, (), Evaluated(None), record=False, active=active + ("<t>",))
        if _has_unknown(value):
            return Resolved(False)
        return Resolved(True, value)

    # -- references ---------------------------------------------------------------------------------------------

    def _reference(
        self, node: Tree, file: str, text: str, path: tuple, out: Evaluated, rec: bool, active: tuple[str, ...]
    ) -> Any:
        root, accessors = _flatten(node)
        if root == "path" and accessors and accessors[0] in ("module", "root", "cwd") and self.directory:
            return self.directory
        if root == "data" and len(accessors) >= 3 and accessors[0] == "template_file" and accessors[2] == "rendered":
            rendered = self._template_file(str(accessors[1]), path, out, rec, active)
            if rendered is not None:
                return rendered
        if root is not None and root in self.bindings:
            found, value = _navigate(self.bindings[root], accessors, missing_is_null=True)
            if found:
                return value
        if root == "module" and len(accessors) >= 2 and self.scope.module_outputs is not None:
            found, value, used = self.scope.module_outputs(tuple(accessors))
            if found:
                found, value = _navigate(value, accessors[used:])
            if found and not _has_unknown(value):
                return value
        if root in ("var", "local") and accessors and isinstance(accessors[0], str):
            rest = tuple(accessors[1:])
            target = (path, out) if rec and not rest else None
            resolved, value = self._lookup(root, accessors[0], rest, target, active)
            if resolved:
                return value
        return reference(node_text(node, text))

    def _lookup(
        self, root: str, name: str, rest: tuple, target: tuple[tuple, Evaluated] | None, active: tuple[str, ...]
    ) -> tuple[bool, Any]:
        """Resolve `var.name` / `local.name` (then `rest` accessors); positions go to `target` when given."""
        marker = f"{root}.{name}"
        if marker in self.overrides:
            found, value = _navigate(self.overrides[marker], rest)
            if isinstance(value, Unknown):  # the caller passes an unresolved value: name the variable used here
                return False, None
            return found, value
        table = self.scope.variables if root == "var" else self.scope.locals
        definition = table.get(name)
        if definition is None and root == "var":
            self.unset.add(marker)
        if definition is None or marker in active or len(active) >= limits.REFERENCE_DEPTH:
            return False, None
        if target is not None and definition.file == self.site_file:
            path, out = target
            value = self._walk(definition.node, definition.file, definition.text, path, out, record=True,
                               active=active + (marker,))
        else:
            value = self._walk(definition.node, definition.file, definition.text, (), Evaluated(None), record=False,
                               active=active + (marker,))
        if definition.convert is not None:
            value = definition.convert(value)
        for accessor in rest:
            if isinstance(value, dict) and isinstance(accessor, str) and accessor in value:
                value = value[accessor]
            elif isinstance(value, list) and isinstance(accessor, int) and 0 <= accessor < len(value):
                value = value[accessor]
            else:
                return False, None
        if isinstance(value, Unknown):
            return False, None  # the definition is itself unresolved: report the reference the user wrote
        return True, value

    def _key(self, node: Tree | Token, file: str, text: str, active: tuple[str, ...]) -> str | Unknown:
        """An object key: a bare identifier, or a (template) string; anything else stays a reference."""
        name = identifier_name(node)
        if name is not None:
            return name
        inner = _unwrap(node)
        if isinstance(inner, Token) and inner.type == "STRING_LIT":
            value, _ = self._render(quoted_string_parts(str(inner)), active)
            return value if isinstance(value, (str, Unknown)) else json.dumps(value)
        name = identifier_name(inner) if isinstance(inner, Tree) else None
        if name is not None:
            return name
        value = self._walk(node, file, text, (), Evaluated(None), record=False, active=active)  # `(var.op) = ...`
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return value if isinstance(value, (str, Unknown)) else reference(node_text(node, text))


def _unwrap(node: Tree | Token) -> Tree | Token:
    """`expr_term` and parentheses around one child -> the child."""
    for _ in range(limits.VALUE_NESTING):
        if isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
            node = node.children[0]
        else:
            break
    return node


def _flatten(node: Tree) -> tuple[str | None, list[Any]]:
    """`var.a.b[0]` -> ("var", ["a", "b", 0]); root None when it is not a plain reference."""
    accessors: list[Any] = []
    current: Tree | Token = node
    for _ in range(limits.VALUE_NESTING):
        current = _unwrap(current)
        if not isinstance(current, Tree):
            return None, []
        if current.data == "get_attr_expr_term" and len(current.children) == 2:
            accessors.append(identifier_name(current.children[1].children[0]) if current.children[1].children
                             else None)
            current = current.children[0]
        elif current.data == "index_expr_term" and len(current.children) == 2:
            accessors.append(_index_value(current.children[1]))
            current = current.children[0]
        elif current.data == "identifier":
            accessors.reverse()
            return identifier_name(current), accessors
        else:
            return None, []
    return None, []


def _index_value(index: Tree | Token) -> Any:
    if not isinstance(index, Tree) or not index.children:
        return None
    children = index.children
    if all(isinstance(c, Token) and c.type == "DECIMAL" for c in children):
        return int("".join(str(c) for c in children))
    inner = _unwrap(children[0])
    if isinstance(inner, Tree) and inner.data == "int_lit":
        return int("".join(str(c) for c in inner.children))
    if isinstance(inner, Token) and inner.type == "STRING_LIT":
        parts = quoted_string_parts(str(inner))
        if all(isinstance(p, str) for p in parts):
            return "".join(parts)
    return None


def _key_span(node: Tree | Token) -> Span:
    inner = _unwrap(node)
    if isinstance(inner, Tree) and inner.data == "identifier" and inner.children:
        token = inner.children[0]
        if isinstance(token, Token):
            return token_span(token)
    return node_span(inner)


def _item_span(node: Tree | Token) -> Span:
    """A list item: an object's opening `{` (a statement's first line), else the whole item."""
    inner = _unwrap(node)
    span = node_span(inner)
    if isinstance(inner, Tree) and inner.data in ("object", "tuple"):
        return Span(span.line, span.column, span.line, span.column + 1)
    return span


def _number(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _template_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def condition_key(source: str) -> str:
    """How a try names a condition it fixes as a whole (`length(var.x) > 0`)."""
    return "?" + " ".join(source.split())


def _binary(operator: str, left: Any, right: Any) -> Any:
    """`==`, `!=`, `&&`, `||` on known values; an Unknown otherwise."""
    if operator in ("==", "!="):
        known = not _has_unknown(left) and not _has_unknown(right)
        if known or ((left is None or right is None) and not isinstance(left, Unknown)
                     and not isinstance(right, Unknown)):
            return (left == right) == (operator == "==")
    elif operator in (">", "<", ">=", "<="):
        if isinstance(left, (int, float)) and isinstance(right, (int, float)) and not isinstance(left, bool):
            return {">": left > right, "<": left < right, ">=": left >= right, "<=": left <= right}[operator]
    elif operator == "&&":
        if left is False or right is False:
            return False
        if isinstance(left, bool) and isinstance(right, bool):
            return True
    elif operator == "||":
        if left is True or right is True:
            return True
        if isinstance(left, bool) and isinstance(right, bool):
            return False
    return Unknown(operator)


def _navigate(value: Any, accessors: list[Any] | tuple, *, missing_is_null: bool = False) -> tuple[bool, Any]:
    """Follow `.attr` / `[index]` accessors; an attribute an iterated object leaves out reads as null, as an
    `optional()` attribute does in Terraform."""
    for accessor in accessors:
        if isinstance(value, dict) and accessor in value:
            value = value[accessor]
        elif missing_is_null and isinstance(value, dict) and isinstance(accessor, str):
            return True, None
        elif isinstance(value, list) and isinstance(accessor, int) and 0 <= accessor < len(value):
            value = value[accessor]
        else:
            return False, None
    return True, value


def _has_unknown(value: Any, depth: int = 0) -> bool:
    if isinstance(value, Unknown) or depth > limits.VALUE_NESTING:
        return True
    if isinstance(value, dict):
        return any(_has_unknown(k, depth + 1) or _has_unknown(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_unknown(v, depth + 1) for v in value)
    return False


@lru_cache(maxsize=1024)
def _expression(source: str) -> tuple[Tree | Token, str] | None:
    """An interpolation's expression parsed on its own (`jsonencode(local.x)`, `var.a["b"]`), or None."""
    text = f"x = {source}\n"
    try:
        tree = parse_hcl(text)
    except SourceError:
        return None
    for attr in attributes(root_body(tree)):
        return attr.expression, text
    return None


def resolve_path(location: Any, directory: str | None) -> str | None:
    """A `file()` argument as a path on disk: `${path.module}/p.json` (path.module rendered as the folder)."""
    if not isinstance(location, str) or directory is None:
        return None
    return os.path.normpath(location if os.path.isabs(location) else os.path.join(directory, location))


def _yaml_decode(value: Any, source: str) -> Any:
    if isinstance(value, str):
        import yaml

        try:
            return yaml.safe_load(value)
        except (yaml.YAMLError, RecursionError):
            pass
    return reference(source)


def _json_decode(value: Any, source: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            pass
    return reference(source)
