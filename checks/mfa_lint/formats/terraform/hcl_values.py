"""Evaluate HCL expressions the way Terraform does, for the expressions that hold policies.

Literals, objects, tuples, strings and heredocs (interpolations and `%{ if }` / `%{ for }` directives with strip
markers), `var.x` (defaults, or the values a module call or tfvars file gives, converted to the variable's type by
`Definition.convert`), `local.x` of the same module, `module.<call>.<output>` (through the scope's `module_outputs`),
the function library (hcl_functions, plus `try`, `can`, `file`, `templatefile`, `templatestring`, `fileset`,
`jsondecode`, `yamldecode` here), `for` expressions (lists and maps, `if` filters, `...` grouping), splats,
conditionals, operators with HCL's precedence, and index/attribute access on evaluated values. What cannot be known
before apply (a variable without a default, a data source, a resource attribute) is an `Unknown` the core tries with
every candidate value; a value Terraform would refuse (`lookup` of a missing key) is an `EvalError` that `try()` skips
and that otherwise becomes an Unknown naming it. An Unknown never turns into a concrete value.

Every object, list and string remembers where it was written, in whichever file (hcl_located), so a finding points
at the operator where it was written even when the policy is assembled from locals in other files, `concat`,
`merge`, `for` expressions or `yamldecode(file(...))`.

The walk is iterative (an explicit task stack with continuations), so deep nesting cannot exhaust the Python
stack; every loop has a named bound (reading/limits.py): EVALUATION_NODES expression nodes per evaluation,
FOR_ITERATIONS elements per `for`, splat or template loop, REFERENCE_DEPTH references followed in a chain,
NESTED_TEMPLATES parses of interpolation text, FILESET_FILES files a `fileset` lists; long walks check the read
context's deadline. Files a policy reads (`file()`, `templatefile()`) come from the read context's cache.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from lark import Token, Tree

from mfa_lint.core.values import Unknown
from mfa_lint.formats.terraform import hcl_expressions as syntax
from mfa_lint.formats.terraform.hcl_functions import (
    FUNCTIONS,
    EvalError,
    FunctionError,
    Unresolved,
    decode_json_text,
    equal,
    has_error,
    has_unknown,
    is_open,
    number,
    reference,
    to_bool,
    to_number,
    to_string,
)
from mfa_lint.formats.terraform.hcl_functions import call as call_function
from mfa_lint.formats.terraform.hcl_located import (
    LocatedDict,
    LocatedList,
    LocatedStr,
    UnknownText,
    attach,
    item_span,
    key_span,
    paths,
    span_of,
)
from mfa_lint.formats.terraform.hcl_syntax import attributes, node_span, node_text, parse_hcl, root_body
from mfa_lint.formats.terraform.hcl_templates import (
    ForNode,
    IfNode,
    Interp,
    Interpolation,
    Literal,
    Offsets,
    Part,
    TemplateError,
    TemplateNode,
    heredoc_content,
    parse_template,
)
from mfa_lint.formats.terraform.template_json import Resolved, Template
from mfa_lint.reading import limits
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.lines import line_starts, position_of
from mfa_lint.reading.site import SourceError, Span

__all__ = ["Definition", "Evaluated", "Evaluator", "Scope", "condition_key", "reference", "resolve_path"]

_LITERALS = {"true": True, "false": False, "null": None}


@dataclass(frozen=True)
class Definition:
    """A `variable` default or a `local` value: its expression and the file (name, text) it sits in. `convert`,
    when set, turns the evaluated value into what Terraform gives the module (a variable's type conversion, e.g.
    `optional()` attributes filled in); it must not change the values it is given."""

    node: Tree | Token
    file: str
    text: str
    convert: Callable[[Any], Any] | None = field(default=None, compare=False)


#: `module.<call>[<key>].<output>...` accessors -> (resolved, value, accessors used): how a module's caller reads
#: the outputs of its calls (module_instance.ModuleInstance answers it).
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


class Evaluated:
    """An expression's value, the spans of its keys and list items by document path (spans in another file than
    the evaluator's site file carry that file; collected when first asked for), and the template of the value when
    it is a string."""

    def __init__(self, value: Any, spans: dict[tuple, Span] | None = None,
                 origins: dict[tuple, StringOrigin] | None = None, *, site: str | None = None) -> None:
        self.value = value
        self._spans = spans
        self._site = site
        self.origins = origins if origins is not None else {}

    @property
    def spans(self) -> dict[tuple, Span]:
        if self._spans is None:
            site = self._site
            self._spans = {p: (Span(s.line, s.column, s.end_line, s.end_column) if s.file == site else s)
                           for p, s in paths(self.value).items()}
        return self._spans


def condition_key(source: str) -> str:
    """How a try names a condition it fixes as a whole (`length(var.x) > 0`)."""
    return "?" + " ".join(source.split())


@dataclass(frozen=True)
class Place:
    """Where the text being walked sits: its file (absolute path, None when unknown), and how its positions shift
    (an interpolation's text is parsed on its own: line 1 of it is somewhere inside a line of the file)."""

    path: str | None
    line_delta: int = 0
    column_delta: int = 0  # on the text's first line only

    def span(self, span: Span) -> Span:
        column = span.column + (self.column_delta if span.line == 1 else 0)
        end_column = span.end_column + (self.column_delta if span.end_line == 1 else 0)
        return Span(span.line + self.line_delta, column, span.end_line + self.line_delta, end_column, self.path)


@dataclass(frozen=True)
class Frame:
    """What an expression is evaluated in: its file (the module's name for it), the text its nodes index, where
    that text sits, the names bound (`for` variables, template variables, iterators) and whether it is a template
    file (where `var.` and `local.` do not exist)."""

    file: str
    text: str
    place: Place
    env: dict[str, Any]
    template_file: bool = False
    nested: int = 0  # interpolation texts parsed to get here

    def span(self, node: Tree | Token) -> Span:
        return self.place.span(node_span(node))

    def source(self, node: Tree | Token) -> str:
        return node_text(node, self.text)

    def bind(self, names: dict[str, Any]) -> Frame:
        return Frame(self.file, self.text, self.place, {**self.env, **names}, self.template_file, self.nested)


_Continuation = Callable[[list, list], None]


class Evaluator:
    """Evaluates expressions of one module (one directory); `site_file` is the file whose sites are being read."""

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
        #: evaluators, so a reader can try the values a validation allows for them (see `tracking`)
        self.unset: set[str] = set()
        #: every `var.x` reference met (in a `tracking` evaluator): a reader tries the other value of a boolean
        #: variable's default where the sites reach it (hcl_reader._tried)
        self.reached: set[str] = set()
        self._budget = limits.EVALUATION_NODES
        self._cache: dict[str, Any] = {}
        self._active: list[str] = []
        self._tainted: set[str] = set()  # references whose value was cut by limits.REFERENCE_DEPTH: never cached

    def derive(self, *, overrides: dict[str, Any] | None = None, bindings: dict[str, Any] | None = None) -> Evaluator:
        """The same module, with these references fixed (a try) or names bound (an iteration)."""
        derived = Evaluator(self.scope, self.site_file, overrides={**self.overrides, **(overrides or {})},
                            bindings={**self.bindings, **(bindings or {})}, context=self.context)
        derived.directory = self.directory
        derived.unset = self.unset
        derived.reached = self.reached
        if not overrides:
            derived._cache = self._cache  # variables and locals do not depend on iterators: share what is known
        return derived

    def tracking(self) -> Evaluator:
        """The same module with a fresh `unset` set and nothing cached, so that every variable nothing sets that an
        evaluation reaches is recorded in `unset` (a cached local would hide the variables it depends on)."""
        derived = self.derive()
        derived.unset, derived.reached = set(), set()
        derived._cache = {}
        return derived

    # -- entry points -------------------------------------------------------------------------------------------

    def evaluate(self, node: Tree | Token, file: str, text: str) -> Evaluated:
        """The value of an expression of `file` (a file of the module, by name; `text` its text). Reentrant: a
        module call's hook may evaluate in this module while one of its evaluations is under way (the call's
        arguments), and that evaluation's own budget and reference chain are kept for it."""
        outer = (self._budget, self._active, self._tainted)
        self._budget = limits.EVALUATION_NODES
        self._active, self._tainted = [], set()
        frame = Frame(file, text, Place(self._path(file)), dict(self.bindings))
        try:
            value = self._settle(self._run(node, frame))
        finally:
            self._budget, self._active, self._tainted = outer
        origins: dict[tuple, Template] = {}
        template = getattr(value, "template", None)
        if isinstance(template, Template):
            origins[()] = template
        return Evaluated(value, None, origins, site=self._path(self.site_file))

    def lookup_reference(self, root: str, name: str) -> tuple[bool, Any]:
        """`var.name` / `local.name` as this evaluator sees it: (resolved, value)."""
        return self._lookup(root, name, (), None, ())

    def _lookup(self, root: str, name: str, rest: tuple, target: Any, active: tuple) -> tuple[bool, Any]:
        """Kept for callers of the earlier evaluator: `root.name` then `rest` accessors."""
        frame = Frame(self.site_file, "", Place(self._path(self.site_file)), dict(self.bindings))
        value = self._run_reference(root, name, frame)
        for accessor in rest:
            if isinstance(value, dict) and accessor in value:
                value = value[accessor]
            elif isinstance(value, list) and isinstance(accessor, int) and 0 <= accessor < len(value):
                value = value[accessor]
            else:
                return False, None
        value = self._settle(value)
        if isinstance(value, Unknown):
            return False, None
        return True, value

    def render_text(self, text: str, *, line: int = 1, column: int = 1, escapes: bool = False) -> Any:
        """A template text (a `.tf.json` string value) rendered in this module: its value, or an Unknown."""
        frame = Frame(self.site_file, text, Place(self._path(self.site_file)), dict(self.bindings))
        holder: list = []
        self._drive(lambda tasks, results: self._template(text, line, column, escapes, False, False, frame, 0,
                                                          tasks, results), holder)
        return self._settle(holder[-1]) if holder else reference(text)

    def resolve_interpolation(self, expression: str) -> Resolved:
        """One `${ expression }` of a `.tf.json` template: Resolved(known, value)."""
        frame = Frame(self.site_file, "", Place(self._path(self.site_file)), dict(self.bindings))
        parsed = _expression(expression)
        if parsed is None:
            return Resolved(False)
        node, synthetic = parsed
        value = self._settle(self._run(node, replace(frame, text=synthetic, place=Place(None))))
        if isinstance(value, Unknown):
            return Resolved(False)
        return Resolved(True, value)

    # -- the machine --------------------------------------------------------------------------------------------

    def _path(self, file: str) -> str | None:
        if not file or file.startswith("<"):
            return None
        if os.path.isabs(file):
            return file
        return os.path.normpath(os.path.join(self.directory, file)) if self.directory else file

    def _run(self, node: Tree | Token, frame: Frame) -> Any:
        results: list = []
        self._drive(lambda tasks, res: tasks.append(("eval", node, frame, 0)), results)
        return results[-1] if results else reference(frame.source(node))

    def _drive(self, start: Callable[[list, list], None], results: list) -> None:
        tasks: list = []
        start(tasks, results)
        while tasks:
            task = tasks.pop()
            if task[0] == "eval":
                self._eval(task[1], task[2], task[3], tasks, results)
            else:
                task[1](tasks, results)

    def _settle(self, value: Any) -> Any:
        """A refused value becomes an Unknown naming it (Terraform would stop there; mfa-lint cannot judge it)."""
        if isinstance(value, EvalError):
            return Unknown(_error_name(value))
        if has_error(value):
            return _replace_errors(value)
        return value

    def _eval(self, node: Tree | Token, frame: Frame, depth: int, tasks: list, results: list) -> None:
        self._budget -= 1
        if not self._budget & 0x3FF:
            self.context.check_time()
        if depth > limits.VALUE_NESTING or self._budget < 0:
            results.append(reference("nested too deeply" if depth > limits.VALUE_NESTING else "too large to evaluate"))
            return
        what = syntax.kind(node)
        handler = _HANDLERS.get(what)
        if handler is None:
            results.append(reference(frame.source(node)))
            return
        handler(self, syntax.unwrap(node), frame, depth, tasks, results)

    def _then(self, tasks: list, continuation: _Continuation) -> None:
        tasks.append(("then", continuation))

    # -- literals and collections -------------------------------------------------------------------------------

    def _number(self, node: Tree | Token, frame: Frame, depth: int, tasks: list, results: list) -> None:
        text = syntax.number_text(node)
        try:
            results.append(number(int(text)) if text.isdigit() else number(float(text)))
        except ValueError:
            results.append(reference(text))

    def _identifier(self, node: Tree | Token, frame: Frame, depth: int, tasks: list, results: list) -> None:
        name = syntax.name(node) or ""
        if name in _LITERALS:
            results.append(_LITERALS[name])
        elif name in frame.env:
            results.append(frame.env[name])
        elif frame.template_file:
            results.append(EvalError(f"the template's variables have no {name!r}"))
        else:
            results.append(reference(name))

    def _object(self, node: Tree | Token, frame: Frame, depth: int, tasks: list, results: list) -> None:
        elements = syntax.object_elements(node)
        spans = [frame.span(key) for key, _, _ in elements]
        brace = frame.span(node)
        own = Span(brace.line, brace.column, brace.line, brace.column + 1, brace.file)

        def build(tasks: list, results: list) -> None:
            values = _pop(results, 2 * len(elements))
            made = LocatedDict(span=own)
            for index, (_, _, literal) in enumerate(elements):
                key, value = values[2 * index], values[2 * index + 1]
                if isinstance(key, EvalError):
                    results.append(key)
                    return
                if not isinstance(key, Unknown):
                    try:
                        key = to_string(key) if not isinstance(key, str) else key
                    except (Unresolved, FunctionError):
                        results.append(EvalError("an object key that is not a string"))
                        return
                made[key] = value
                made.key_spans[key] = (span_of(key) if not literal else None) or spans[index]
            results.append(made)

        self._then(tasks, build)
        for key, value, literal in reversed(elements):
            tasks.append(("eval", value, frame, depth + 1))
            if literal:
                tasks.append(("then", _push(LocatedStr(syntax.name(key) or "", frame.span(key)))))
            else:
                tasks.append(("eval", key, frame, depth + 1))

    def _tuple(self, node: Tree | Token, frame: Frame, depth: int, tasks: list, results: list) -> None:
        items = syntax.tuple_items(node)
        spans = [_item_span(frame, item) for item in items]
        bracket = frame.span(node)
        own = Span(bracket.line, bracket.column, bracket.line, bracket.column + 1, bracket.file)

        def build(tasks: list, results: list) -> None:
            values = _pop(results, len(items))
            results.append(LocatedList(values, span=own,
                                       item_spans=[span_of(v) or s for v, s in zip(values, spans, strict=True)]))

        self._then(tasks, build)
        for item in reversed(items):
            tasks.append(("eval", item, frame, depth + 1))

    # -- strings and templates ----------------------------------------------------------------------------------

    def _string(self, node: Tree | Token, frame: Frame, depth: int, tasks: list, results: list) -> None:
        token = syntax.string_token(node)
        if token is None:
            results.append(reference(frame.source(node)))
            return
        where = frame.place.span(Span(token.line, token.column + 1, token.line, token.column + 1))
        self._template(str(token)[1:-1], where.line, where.column, True, False, False, frame, depth, tasks, results,
                       span=frame.span(node))

    def _heredoc(self, node: Tree | Token, frame: Frame, depth: int, tasks: list, results: list) -> None:
        token = syntax.heredoc_token(node)
        if token is None:
            results.append(reference(frame.source(node)))
            return
        content, trim = heredoc_content(str(token))
        where = frame.place.span(Span(token.line + 1, 1, token.line + 1, 1))
        self._template(content, where.line, where.column, False, True, trim, frame, depth, tasks, results,
                       span=frame.span(node))

    def _template(
        self, raw: str, line: int, column: int, escapes: bool, lines: bool, flush: bool, frame: Frame, depth: int,
        tasks: list, results: list, *, span: Span | None = None, file: str | None = None,
    ) -> None:
        """Render a template: literal text, `${ }` values, `%{ if }` / `%{ for }`; the result is a string that keeps
        where each character came from (for JSON or YAML inside), or the one interpolation's value when the template
        is that interpolation alone, or an Unknown (a template that keeps its text) when a part is unknown."""
        path = file if file is not None else frame.place.path
        try:
            nodes, alone = parse_template(raw, escapes=escapes, lines=lines, flush=flush)
        except TemplateError as error:
            results.append(EvalError(f"invalid template: {error}"))
            return
        if len(nodes) <= 1 and all(isinstance(n, Literal) for n in nodes):  # plain text: no work to schedule
            literal = nodes[0] if nodes else Literal("", Offsets())
            template = Template(raw, line, column, ((literal.text, literal.offsets),), (None,), file=path,
                                whole_file=file is not None)
            results.append(LocatedStr(literal.text, span, template))
            return
        base = _TemplateBase(raw, line, column, path, whole_file=file is not None)
        pieces: list[tuple[Any, ...]] = []  # ("text", str, offsets) | ("value", Interp, value)
        state = {"failed": None}

        def finish(tasks: list, results: list) -> None:
            results.append(_rendered(pieces, base, alone, state["failed"], span))

        self._then(tasks, finish)
        self._template_nodes(nodes, base, frame, depth, pieces, state, tasks)

    def _template_nodes(
        self, nodes: tuple[TemplateNode, ...] | list[TemplateNode], base: _TemplateBase, frame: Frame, depth: int,
        pieces: list, state: dict, tasks: list,
    ) -> None:
        for node in reversed(nodes):
            if isinstance(node, Literal):
                tasks.append(("then", _append_piece(pieces, ("text", node.text, node.offsets))))
            elif isinstance(node, Interp):
                self._template_interp(node, base, frame, depth, pieces, state, tasks)
            elif isinstance(node, IfNode):
                self._template_if(node, base, frame, depth, pieces, state, tasks)
            elif isinstance(node, ForNode):
                self._template_for(node, base, frame, depth, pieces, state, tasks)

    def _parsed(self, expression: str, offset: int, base: _TemplateBase, frame: Frame) -> tuple[Any, Frame] | None:
        if frame.nested >= limits.NESTED_TEMPLATES:
            return None
        parsed = _expression(expression)
        if parsed is None:
            return None
        node, synthetic = parsed
        line, column = base.position(offset)
        place = Place(base.path, line - 1, column - len(_PREFIX) - 1)
        return node, replace(frame, text=synthetic, place=place, nested=frame.nested + 1)

    def _template_interp(
        self, node: Interp, base: _TemplateBase, frame: Frame, depth: int, pieces: list, state: dict, tasks: list,
    ) -> None:
        parsed = self._parsed(node.expression, node.start, base, frame)

        def store(tasks: list, results: list) -> None:
            pieces.append(("value", node, results.pop()))

        if parsed is None:
            tasks.append(("then", _append_piece(pieces, ("value", node, reference(node.expression)))))
            return
        expression, inner = parsed
        tasks.append(("then", store))
        tasks.append(("eval", expression, inner, depth + 1))

    def _template_if(
        self, node: IfNode, base: _TemplateBase, frame: Frame, depth: int, pieces: list, state: dict, tasks: list,
    ) -> None:
        parsed = self._parsed(node.condition, node.start, base, frame)
        if parsed is None:
            state["failed"] = state["failed"] or reference(node.condition)
            return
        expression, inner = parsed

        def choose(tasks: list, results: list) -> None:
            condition = results.pop()
            if isinstance(condition, EvalError):
                state["failed"] = state["failed"] or condition
                return
            try:
                chosen = to_bool(condition)
            except Unresolved:
                state["failed"] = state["failed"] or reference(f"%{{if {node.condition}}}")
                return
            except FunctionError:
                state["failed"] = state["failed"] or EvalError("an if directive whose condition is not a bool")
                return
            self._template_nodes(node.then if chosen else node.otherwise, base, frame, depth + 1, pieces, state,
                                 tasks)

        tasks.append(("then", choose))
        tasks.append(("eval", expression, inner, depth + 1))

    def _template_for(
        self, node: ForNode, base: _TemplateBase, frame: Frame, depth: int, pieces: list, state: dict, tasks: list,
    ) -> None:
        parsed = self._parsed(node.collection, node.start, base, frame)
        if parsed is None:
            state["failed"] = state["failed"] or reference(node.collection)
            return
        expression, inner = parsed

        def iterate(tasks: list, results: list) -> None:
            items = _iteration(results.pop())
            if not isinstance(items, list):
                if isinstance(items, Unknown):
                    items = reference(f"%{{for ... in {node.collection}}}")
                state["failed"] = state["failed"] or items
                return
            for key, value in reversed(items):
                names = {node.value: value}
                if node.key:
                    names[node.key] = key
                self._template_nodes(node.body, base, frame.bind(names), depth + 1, pieces, state, tasks)

        tasks.append(("then", iterate))
        tasks.append(("eval", expression, inner, depth + 1))

    # -- function calls -----------------------------------------------------------------------------------------

    def _call(self, node: Tree | Token, frame: Frame, depth: int, tasks: list, results: list) -> None:
        parts = syntax.call(node, frame.text)
        if parts is None:
            results.append(reference(frame.source(node)))
            return
        source = frame.source(node)
        special = _SPECIAL_FORMS.get(parts.name)
        if special is not None:
            special(self, parts, source, node, frame, depth, tasks, results)
            return
        arguments = list(parts.arguments)

        def apply(tasks: list, results: list) -> None:
            values = _pop(results, len(arguments))
            if parts.expand_last and values:
                last = values.pop()
                if isinstance(last, (Unknown, EvalError)):
                    results.append(last if isinstance(last, EvalError) else reference(source))
                    return
                if not isinstance(last, list):
                    results.append(EvalError("`...` after an argument that is not a list"))
                    return
                values.extend(last)
            results.append(_named(call_function(parts.name, values, source), source))

        self._then(tasks, apply)
        for argument in reversed(arguments):
            tasks.append(("eval", argument, frame, depth + 1))

    def _with_arguments(
        self, parts: syntax.Call, frame: Frame, depth: int, tasks: list, then: Callable[[list, list, list], None],
    ) -> None:
        count = len(parts.arguments)

        def apply(tasks: list, results: list) -> None:
            then(_pop(results, count), tasks, results)

        self._then(tasks, apply)
        for argument in reversed(parts.arguments):
            tasks.append(("eval", argument, frame, depth + 1))

    def _try(self, parts: syntax.Call, source: str, node: Any, frame: Frame, depth: int, tasks: list,
             results: list) -> None:
        """`try(a, b, ...)`: the first argument Terraform can evaluate without an error; unknown as soon as the one
        it reaches depends on an unknown value (Terraform cannot tell yet whether it fails)."""
        arguments = list(parts.arguments)
        if not arguments:
            results.append(EvalError("try() needs arguments"))
            return

        def attempt(index: int) -> None:
            def check(tasks: list, results: list) -> None:
                value = results.pop()
                if has_error(value) or isinstance(value, EvalError):
                    if index + 1 < len(arguments):
                        attempt(index + 1)
                    else:
                        results.append(EvalError("no argument of try() could be evaluated"))
                elif has_unknown(value):
                    results.append(reference(source))
                else:
                    results.append(value)

            tasks.append(("then", check))
            tasks.append(("eval", arguments[index], frame, depth + 1))

        attempt(0)

    def _can(self, parts: syntax.Call, source: str, node: Any, frame: Frame, depth: int, tasks: list,
             results: list) -> None:
        if len(parts.arguments) != 1:
            results.append(EvalError("can() takes one argument"))
            return

        def check(tasks: list, results: list) -> None:
            value = results.pop()
            if has_error(value) or isinstance(value, EvalError):
                results.append(False)
            elif has_unknown(value):
                results.append(reference(source))
            else:
                results.append(True)

        tasks.append(("then", check))
        tasks.append(("eval", parts.arguments[0], frame, depth + 1))

    def _decode(self, parts: syntax.Call, source: str, node: Any, frame: Frame, depth: int, tasks: list,
                results: list) -> None:
        """`jsondecode` / `yamldecode`: a string that remembers its template is decoded with positions (in the
        file it was written in); unknown parts of a template stay unknown one by one."""
        yaml = parts.name == "yamldecode"

        def decode(values: list, tasks: list, results: list) -> None:
            if len(values) != 1:
                results.append(EvalError(f"{parts.name}() takes one argument"))
                return
            results.append(_named(_decoded(values[0], yaml), source))

        self._with_arguments(parts, frame, depth, tasks, decode)

    def _file(self, parts: syntax.Call, source: str, node: Any, frame: Frame, depth: int, tasks: list,
              results: list) -> None:
        """`file(p)`: the file's text (which remembers where each character is); `templatefile(p, vars)`: the file
        rendered as a template with those variables only; `fileexists`, `fileset`."""
        name = parts.name

        def read(values: list, tasks: list, results: list) -> None:
            if not values:
                results.append(EvalError(f"{name}() needs a path"))
                return
            location = values[0]
            if isinstance(location, Unknown):
                results.append(reference(source))
                return
            if isinstance(location, EvalError):
                results.append(location)
                return
            if name == "fileset":
                results.append(self._fileset(values, source))
                return
            target = resolve_path(location, self.directory)
            if name == "fileexists":
                results.append(reference(source) if target is None else os.path.isfile(target))
                return
            content = self.context.referenced(target) if target else None
            if content is None:
                results.append(reference(source))
                return
            if name == "file":
                whole = ((content, Offsets.run(0, len(content))),)
                results.append(LocatedStr(content, None, Template(content, 1, 1, whole, (None,), file=target,
                                                                  whole_file=True)))
                return
            variables = values[1] if len(values) > 1 else LocatedDict()
            if isinstance(variables, (Unknown, EvalError)):
                results.append(variables if isinstance(variables, EvalError) else reference(source))
                return
            if not isinstance(variables, dict) or is_open(variables):
                results.append(EvalError("templatefile() variables must be a map") if not isinstance(variables, dict)
                               else reference(source))
                return
            names = {k: v for k, v in variables.items() if isinstance(k, str)}
            inner = Frame(os.path.basename(target), content, Place(target), names, template_file=True,
                          nested=frame.nested)
            self._then(tasks, _rename_unknown(source))
            self._template(content, 1, 1, False, True, False, inner, depth + 1, tasks, results, file=target)

        self._with_arguments(parts, frame, depth, tasks, read)

    def _fileset(self, values: list, source: str) -> Any:
        if len(values) != 2 or not all(isinstance(v, str) for v in values):
            return EvalError("fileset() takes a path and a pattern") if len(values) != 2 else reference(source)
        base = resolve_path(values[0], self.directory)
        if base is None or not os.path.isdir(base):
            return reference(source)
        pattern = _glob_pattern(values[1])
        found: list[str] = []
        visited = 0
        for folder, folders, files in os.walk(base):
            folders.sort()
            visited += len(folders) + len(files)
            if visited > limits.FILESET_VISITS:
                return reference(source)  # a tree too large to list: unknown, not a partial list
            for name in files:
                relative = os.path.relpath(os.path.join(folder, name), base).replace(os.sep, "/")
                if pattern.fullmatch(relative) and os.path.isfile(os.path.join(folder, name)):
                    found.append(relative)
                    if len(found) > limits.FILESET_FILES:
                        return reference(source)
        return LocatedList(sorted(found))

    def _templatestring(self, parts: syntax.Call, source: str, node: Any, frame: Frame, depth: int, tasks: list,
                        results: list) -> None:
        def render(values: list, tasks: list, results: list) -> None:
            if len(values) != 2:
                results.append(EvalError("templatestring() takes a template and variables"))
                return
            text, variables = values
            if isinstance(text, Unknown) or isinstance(variables, Unknown):
                results.append(reference(source))
                return
            if not isinstance(text, str) or not isinstance(variables, dict) or frame.nested >= limits.NESTED_TEMPLATES:
                results.append(EvalError("templatestring() takes a string and a map"))
                return
            names = {k: v for k, v in variables.items() if isinstance(k, str)}
            inner = Frame(frame.file, str(text), Place(None), names, template_file=True, nested=frame.nested + 1)
            self._then(tasks, _rename_unknown(source))
            self._template(str(text), 1, 1, False, True, False, inner, depth + 1, tasks, results)

        self._with_arguments(parts, frame, depth, tasks, render)

    # -- references and access ----------------------------------------------------------------------------------

    def _traversal(self, node: Tree | Token, frame: Frame, depth: int, tasks: list, results: list) -> None:
        root, steps = syntax.traversal(node)
        source = frame.source(node)
        root_name = syntax.name(root) if syntax.kind(root) == "identifier" else None
        dynamic = [s.index for s in _all_steps(steps) if s.index is not None and not isinstance(s.index, int)]

        def navigate(tasks: list, results: list) -> None:
            keys = _pop(results, len(dynamic))
            base = results.pop()
            results.append(_named(_walk_steps(base, steps, keys, source, legacy=root_name in self.bindings), source))

        if root_name is not None and root_name not in frame.env and root_name not in _LITERALS:
            if frame.template_file and root_name not in ("path",):
                results.append(EvalError(f"{source} in a template (only its variables exist there)"))
                return
            start = self._root(root_name, steps, source, frame)
            if start is None:
                results.append(reference(source))
                return
            value, steps = start
            dynamic = [s.index for s in _all_steps(steps) if s.index is not None and not isinstance(s.index, int)]
            self._then(tasks, navigate)
            for index in reversed(dynamic):
                tasks.append(("eval", index, frame, depth + 1))
            if callable(value):
                value(tasks)
            else:
                tasks.append(("then", _push(value)))
            return
        self._then(tasks, navigate)
        for index in reversed(dynamic):
            tasks.append(("eval", index, frame, depth + 1))
        tasks.append(("eval", root, frame, depth + 1))

    def _root(self, name: str, steps: list, source: str, frame: Frame) -> tuple[Any, list] | None:
        """The value a reference's root names and the steps left after it (a value, or a function that pushes the
        tasks computing it); None when the reference is not known before apply."""
        first = steps[0] if steps and isinstance(steps[0], syntax.Step) else None
        attribute = first.attribute if first is not None else None
        if name in ("var", "local") and attribute:
            marker = f"{name}.{attribute}"

            def compute(tasks: list) -> None:
                self._reference_tasks(name, attribute, source if len(steps) == 1 else marker, tasks)

            return compute, steps[1:]
        if name == "module" and attribute and self.scope.module_outputs is not None:
            return self._module_output(steps, frame)
        if name == "path" and attribute in ("module", "root", "cwd") and self.directory:
            return self.directory, steps[1:]
        if name == "data" and len(steps) >= 3 and attribute == "template_file":
            template = steps[1].attribute if isinstance(steps[1], syntax.Step) else None
            rendered = steps[2].attribute if isinstance(steps[2], syntax.Step) else None
            if template and rendered == "rendered" and template in self.scope.template_files:
                return (lambda tasks: self._template_file_tasks(template, source, frame, tasks)), steps[3:]
        return None

    def _module_output(self, steps: list, frame: Frame) -> tuple[Any, list] | None:
        """`module.<call>.<output>`, `module.<call>["key"].<output>`, `module.<call>[0].<output>`: the output's value
        in that instance of the called module (which remembers where its parts were written, in the module's
        files), and the steps left after it; None when the module's scope cannot tell (not before apply)."""
        accessors: list[Any] = []
        for step in steps[:3]:
            if not isinstance(step, syntax.Step):
                break
            if step.attribute is not None:
                accessors.append(step.attribute)
            elif isinstance(step.index, int):
                accessors.append(step.index)
            else:
                key = self._settle(self._run(step.index, frame))  # `module.c["key"]`: the key written there
                if isinstance(key, (Unknown, EvalError)) or not isinstance(key, (str, int, float)):
                    break
                accessors.append(int(key) if isinstance(key, float) and key.is_integer() else key)
        outputs = self.scope.module_outputs
        if outputs is None:
            return None
        found, value, used = outputs(tuple(accessors))
        if not found or used <= 0 or used > len(accessors):
            return None
        return value, steps[used:]

    def _reference_tasks(self, root: str, name: str, shown: str, tasks: list) -> None:
        """Push the tasks that leave `root.name`'s value on the results: an override, the cached value, or the
        definition evaluated (then cached). An unresolved definition is named by the reference written here."""
        marker = f"{root}.{name}"
        if root == "var":
            self.reached.add(marker)
        if marker in self.overrides:
            value = self.overrides[marker]
            tasks.append(("then", _push(reference(shown) if isinstance(value, Unknown) else value)))
            return
        if marker in self._cache:
            value = self._cache[marker]
            tasks.append(("then", _push(reference(shown) if _wholly_unknown(value) else value)))
            return
        table = self.scope.variables if root == "var" else self.scope.locals
        definition = table.get(name)
        if definition is None and root == "var":
            self.unset.add(marker)
        if definition is None or marker in self._active or len(self._active) >= limits.REFERENCE_DEPTH:
            if definition is not None and marker not in self._active:
                self._tainted.update(self._active)  # cut short: what depends on it is not its real value
            tasks.append(("then", _push(reference(shown))))
            return
        self._active.append(marker)

        def store(tasks: list, results: list) -> None:
            value = results.pop()
            if definition.convert is not None and not isinstance(value, (Unknown, EvalError)):
                value = definition.convert(value)
            if self._active and self._active[-1] == marker:
                self._active.pop()
            if marker in self._tainted:
                self._tainted.discard(marker)
            else:
                self._cache[marker] = value
            results.append(reference(shown) if _wholly_unknown(value) else value)

        tasks.append(("then", store))
        frame = Frame(definition.file, definition.text, Place(self._path(definition.file)), {})
        tasks.append(("eval", definition.node, frame, 0))

    def _run_reference(self, root: str, name: str, frame: Frame) -> Any:
        results: list = []
        self._drive(lambda tasks, res: self._reference_tasks(root, name, f"{root}.{name}", tasks), results)
        return results[-1] if results else reference(f"{root}.{name}")

    def _template_file_tasks(self, name: str, source: str, frame: Frame, tasks: list) -> None:
        """`data.template_file.x.rendered`: the data source's `template` rendered with its `vars`."""
        definition = self.scope.template_files[name]
        marker = f"data.template_file.{name}"
        if marker in self._active or not isinstance(definition.node, Tree):
            tasks.append(("then", _push(reference(source))))
            return
        attrs = {a.name: a.expression for a in attributes(definition.node)}
        if "template" not in attrs:
            tasks.append(("then", _push(reference(source))))
            return
        outer = Frame(definition.file, definition.text, Place(self._path(definition.file)), {})
        self._active.append(marker)

        def render(tasks: list, results: list) -> None:
            variables = results.pop()
            text = results.pop()
            if self._active and self._active[-1] == marker:
                self._active.pop()
            template = getattr(text, "template", None)
            if not isinstance(text, str) or not isinstance(variables, dict) or not isinstance(template, Template):
                results.append(reference(source))
                return
            names = {k: v for k, v in variables.items() if isinstance(k, str)}
            self._then(tasks, _rename_unknown(source))
            if any(isinstance(part, Interpolation) for part, _ in template.parts) or template.file is None:
                inner = Frame(definition.file, str(text), Place(None), names, template_file=True)
                self._template(str(text), 1, 1, False, True, False, inner, 1, tasks, results)
            else:  # a file's text: rendered where it sits
                inner = Frame(os.path.basename(template.file), str(text), Place(template.file), names,
                              template_file=True)
                self._template(str(text), 1, 1, False, True, False, inner, 1, tasks, results, file=template.file)

        tasks.append(("then", render))
        tasks.append(("eval", attrs["vars"], outer, 1) if "vars" in attrs else ("then", _push(LocatedDict())))
        tasks.append(("eval", attrs["template"], outer, 1))

    # -- for expressions, conditionals, operators ---------------------------------------------------------------

    def _for(self, node: Tree | Token, frame: Frame, depth: int, tasks: list, results: list) -> None:
        parts = syntax.for_expression(node)
        source = frame.source(node)
        if parts is None:
            results.append(reference(source))
            return
        opening = frame.span(node)
        own = Span(opening.line, opening.column, opening.line, opening.column + 1, opening.file)
        value_span = _item_span(frame, parts.value_expression)
        key_node_span = frame.span(parts.key_expression) if parts.key_expression is not None else None

        def iterate(tasks: list, results: list) -> None:
            items = _iteration(results.pop())
            if not isinstance(items, list):
                results.append(reference(source) if isinstance(items, Unknown) else items)
                return
            collected: list[tuple[Any, Any]] = []
            state: dict[str, Any] = {"unknown": False, "error": None}

            def finish(tasks: list, results: list) -> None:
                if state["error"] is not None:
                    results.append(state["error"])
                elif state["unknown"]:
                    results.append(reference(source))
                elif parts.key_expression is None:
                    values = [v for _, v in collected]
                    results.append(LocatedList(values, span=own, item_spans=[span_of(v) or value_span
                                                                             for v in values]))
                else:
                    results.append(_for_object(collected, parts.grouping, own, key_node_span))

            self._then(tasks, finish)
            for key, value in reversed(items):
                names = {parts.value: value}
                if parts.key:
                    names[parts.key] = key
                self._for_item(parts, frame.bind(names), depth, collected, state, tasks)

        self._then(tasks, iterate)
        tasks.append(("eval", parts.collection, frame, depth + 1))

    def _for_item(self, parts: syntax.ForExpression, frame: Frame, depth: int, collected: list, state: dict,
                  tasks: list) -> None:
        def keep(tasks: list, results: list) -> None:
            value = results.pop()
            key = results.pop() if parts.key_expression is not None else None
            collected.append((key, value))

        def produce(tasks: list) -> None:
            tasks.append(("then", keep))
            tasks.append(("eval", parts.value_expression, frame, depth + 1))
            if parts.key_expression is not None:
                tasks.append(("eval", parts.key_expression, frame, depth + 1))

        if parts.condition is None:
            produce(tasks)
            return

        def decide(tasks: list, results: list) -> None:
            condition = results.pop()
            if isinstance(condition, EvalError):
                state["error"] = state["error"] or condition
                return
            try:
                if to_bool(condition):
                    produce(tasks)
            except Unresolved:
                state["unknown"] = True  # Terraform: the whole result is unknown
            except FunctionError:
                state["error"] = state["error"] or EvalError("a for condition that is not a bool")

        tasks.append(("then", decide))
        tasks.append(("eval", parts.condition, frame, depth + 1))

    def _splat_root(self, node: Tree | Token, frame: Frame, depth: int, tasks: list, results: list) -> None:
        self._traversal(node, frame, depth, tasks, results)

    def _conditional(self, node: Tree | Token, frame: Frame, depth: int, tasks: list, results: list) -> None:
        parts = syntax.conditional(node)
        if parts is None:
            results.append(reference(frame.source(node)))
            return
        condition, then, otherwise = parts
        key = condition_key(frame.source(condition))

        def choose(tasks: list, results: list) -> None:
            self._branch(results.pop(), key, then, otherwise, frame, depth, tasks, results, frame.source(node))

        self._then(tasks, choose)
        tasks.append(("eval", condition, frame, depth + 1))

    def _branch(self, condition: Any, key: str, then: Any, otherwise: Any, frame: Frame, depth: int, tasks: list,
                results: list, source: str) -> None:
        if isinstance(condition, EvalError):
            results.append(condition)
            return
        if isinstance(condition, Unknown) and isinstance(self.overrides.get(key), bool):
            condition = self.overrides[key]  # a try fixes the condition as a whole
        try:
            chosen = to_bool(condition)
        except Unresolved:
            results.append(reference(source))
            return
        except FunctionError:
            results.append(EvalError("a condition that is not a bool"))
            return
        tasks.append(("eval", then if chosen else otherwise, frame, depth + 1))

    def _binary(self, node: Tree | Token, frame: Frame, depth: int, tasks: list, results: list) -> None:
        chain = syntax.binary_chain(node)
        source = frame.source(node)
        if chain is None:
            results.append(reference(source))
            return

        def combine(tasks: list, results: list) -> None:
            values = _pop(results, len(chain.operands))
            value = _precedence(values, list(chain.operators))
            if chain.branches is None:
                results.append(reference(source) if isinstance(value, Unknown) else value)
                return
            then, otherwise = chain.branches
            self._branch(value, condition_key(source), then, otherwise, frame, depth, tasks, results, source)

        self._then(tasks, combine)
        for operand in reversed(chain.operands):
            tasks.append(("eval", operand, frame, depth + 1))

    def _unary(self, node: Tree | Token, frame: Frame, depth: int, tasks: list, results: list) -> None:
        parts = syntax.unary(node)
        source = frame.source(node)
        if parts is None:
            results.append(reference(source))
            return
        operator, operand = parts

        def apply(tasks: list, results: list) -> None:
            value = results.pop()
            if isinstance(value, EvalError):
                results.append(value)
                return
            try:
                results.append((not to_bool(value)) if operator == "!" else number(-to_number(value)))
            except Unresolved:
                results.append(reference(source))
            except FunctionError as error:
                results.append(EvalError(str(error)))

        self._then(tasks, apply)
        tasks.append(("eval", operand, frame, depth + 1))


# -- module-level helpers ---------------------------------------------------------------------------------------------


def _pop(results: list, count: int) -> list:
    if count <= 0:
        return []
    values = results[len(results) - count:]
    del results[len(results) - count:]
    return values


def _push(value: Any) -> _Continuation:
    def push(tasks: list, results: list) -> None:
        results.append(value)

    return push


def _append_piece(pieces: list, piece: tuple) -> _Continuation:
    def append(tasks: list, results: list) -> None:
        pieces.append(piece)

    return append


def _rename_unknown(source: str) -> _Continuation:
    """A rendered template that is unknown as a whole is named by the call that rendered it."""
    def rename(tasks: list, results: list) -> None:
        value = results[-1] if results else None
        if isinstance(value, Unknown) and not isinstance(value, UnknownText):
            results[-1] = reference(source)

    return rename


def _named(value: Any, source: str) -> Any:
    """A refused call remembers the call (its Unknown, if nothing skips it, names what was refused)."""
    if isinstance(value, EvalError) and " -> " not in value.reason:
        return EvalError(f"{' '.join(source.split())[:120]} -> {value.reason}")
    return value


def _error_name(error: EvalError) -> str:
    return f"{error.reason} (Terraform refuses it)"


def _glob_pattern(pattern: str) -> re.Pattern[str]:
    """`fileset`'s pattern (`*`, `?`, `**` for any folders, `{a,b}`, `[...]`) as a regular expression on paths."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "{" and "}" in pattern[index:]:
            end = pattern.index("}", index)
            out.append("(?:" + "|".join(re.escape(p) for p in pattern[index + 1:end].split(",")) + ")")
            index = end
        elif char == "[" and "]" in pattern[index + 1:]:
            end = pattern.index("]", index + 1)
            out.append("[" + pattern[index + 1:end].replace("\\", "\\\\") + "]")
            index = end
        else:
            out.append(re.escape(char))
        index += 1
    try:
        return re.compile("".join(out))
    except re.error:
        return re.compile(re.escape(pattern))


def _replace_errors(value: Any, depth: int = 0) -> Any:
    """A copy of `value` with every refused part an Unknown naming it (containers keep their places)."""
    if isinstance(value, EvalError):
        return Unknown(_error_name(value))
    if depth > limits.VALUE_NESTING:
        return Unknown("nested too deeply")
    if isinstance(value, dict):
        made = LocatedDict({k: _replace_errors(v, depth + 1) for k, v in value.items()},
                           span=span_of(value), key_spans=dict(getattr(value, "key_spans", {}) or {}),
                           encoded=bool(getattr(value, "encoded", False)))
        return made
    if isinstance(value, list):
        return LocatedList([_replace_errors(v, depth + 1) for v in value], span=span_of(value),
                           item_spans=[item_span(value, i) for i in range(len(value))],
                           encoded=bool(getattr(value, "encoded", False)))
    return value


def _wholly_unknown(value: Any) -> bool:
    return isinstance(value, Unknown) and not isinstance(value, UnknownText)


def _item_span(frame: Frame, node: Tree | Token) -> Span:
    """A list item written here: an object's or tuple's opening bracket (a statement's first line), else the item."""
    span = frame.span(node)
    if syntax.kind(node) in ("object", "tuple", "for_tuple", "for_object"):
        return Span(span.line, span.column, span.line, span.column + 1, span.file)
    return span


def _all_steps(steps: list) -> list[syntax.Step]:
    out: list[syntax.Step] = []
    for step in steps:
        if isinstance(step, syntax.Splat):
            out.extend(step.steps)
        else:
            out.append(step)
    return out


def _walk_steps(base: Any, steps: list, keys: list, source: str, *, legacy: bool) -> Any:
    """Apply `.attr`, `[index]` and splats to an evaluated value (`keys`: the evaluated dynamic indexes in order).
    `legacy`: a name a dynamic block or `each` binds, whose objects read missing attributes as null (as an
    `optional()` attribute left out does)."""
    remaining = list(keys)
    value = base
    for step in steps:
        if isinstance(step, syntax.Splat):
            inner_keys = [remaining.pop(0) for s in step.steps if s.index is not None and not isinstance(s.index, int)]
            value = _splat(value, step, inner_keys, source, legacy)
        else:
            key = step.index if isinstance(step.index, int) or step.index is None else remaining.pop(0)
            value = _step(value, step.attribute, key, source, legacy)
        if isinstance(value, (Unknown, EvalError)) and not isinstance(value, UnknownText):
            return reference(source) if isinstance(value, Unknown) else value
    return value


def _step(value: Any, attribute: str | None, key: Any, source: str, legacy: bool) -> Any:
    if isinstance(value, EvalError):
        return value
    if isinstance(value, Unknown):
        return reference(source)
    if attribute is not None:
        if isinstance(value, dict):
            if attribute in value:
                return value[attribute]
            if is_open(value):
                return reference(source)
            return None if legacy else EvalError(f"no attribute {attribute!r}")
        if value is None:
            return EvalError(f"attribute {attribute!r} of null")
        return EvalError(f"attribute {attribute!r} of a value that has none")
    if isinstance(key, EvalError):
        return key
    if isinstance(key, Unknown):
        return reference(source)
    if isinstance(value, list):
        try:
            index = to_number(key)
        except (Unresolved, FunctionError):
            return EvalError("a list index that is not a number")
        if not isinstance(index, int) or not 0 <= index < len(value):
            return EvalError("index out of range")
        return value[index]
    if isinstance(value, dict):
        try:
            name = to_string(key)
        except (Unresolved, FunctionError):
            return EvalError("a map key that is not a string")
        if name in value:
            return value[name]
        if is_open(value):
            return reference(source)
        return None if legacy else EvalError(f"no key {name[:40]!r}")
    if value is None:
        return EvalError("index of null")
    return EvalError("index of a value that has no elements")


def _splat(value: Any, splat: syntax.Splat, keys: list, source: str, legacy: bool) -> Any:
    if isinstance(value, (Unknown, EvalError)):
        return value
    if value is None:
        return LocatedList()
    elements = value if isinstance(value, list) else [value]
    if len(elements) > limits.FOR_ITERATIONS:
        return reference(source)
    out: list = []
    spans: list = []
    for index, element in enumerate(elements):
        remaining = list(keys)
        current = element
        for step in splat.steps:
            key = step.index if isinstance(step.index, int) or step.index is None else remaining.pop(0)
            current = _step(current, step.attribute, key, source, legacy)
        out.append(current)
        spans.append(span_of(current) or (item_span(elements, index) if not splat.steps else None))
    return LocatedList(out, item_spans=spans)


def _iteration(collection: Any) -> list[tuple[Any, Any]] | Unknown | EvalError:
    """(key, value) pairs a `for` iterates over: a list's (index, item), a map's (key, value) in key order (keys
    remember where they were written)."""
    if isinstance(collection, (Unknown, EvalError)):
        return collection
    if collection is None:
        return EvalError("a for over null")
    if isinstance(collection, list):
        if len(collection) > limits.FOR_ITERATIONS:
            return reference(f"more than {limits.FOR_ITERATIONS} elements")
        return list(enumerate(collection))
    if isinstance(collection, dict):
        if is_open(collection):
            return Unknown("a map with unknown keys")
        if len(collection) > limits.FOR_ITERATIONS:
            return reference(f"more than {limits.FOR_ITERATIONS} elements")
        return [(_key_value(collection, k), collection[k]) for k in sorted(collection, key=str)]
    return EvalError("a for over a value that is not a collection")


def _key_value(mapping: dict, key: Any) -> Any:
    where = key_span(mapping, key)
    if isinstance(key, str) and where is not None:
        return LocatedStr(key, where)
    return key


def _for_object(collected: list[tuple[Any, Any]], grouping: bool, own: Span, key_node_span: Span | None) -> Any:
    made = LocatedDict(span=own)
    for key, value in collected:
        if isinstance(key, EvalError):
            return key
        if isinstance(key, Unknown):
            return Unknown("a for expression with an unknown key")
        try:
            name = key if isinstance(key, str) else to_string(key)
        except (Unresolved, FunctionError):
            return EvalError("a for expression key that is not a string")
        where = span_of(key) or key_node_span
        if grouping:
            group = made.get(name)
            if group is None:
                group = LocatedList()
                made[name] = group
            group.append(value)
            group.item_spans.append(span_of(value))
        elif name in made:
            return EvalError(f"duplicate key {name[:40]!r} in a for expression (use `...` to group)")
        else:
            made[name] = value
        if where is not None and name not in made.key_spans:
            made.key_spans[name] = where
    return made


def _precedence(values: list, operators: list[str]) -> Any:
    """Apply a flat operator chain with HCL's precedence (higher first, left to right within a level)."""
    values = list(values)
    operators = list(operators)
    for level in sorted(set(syntax.PRECEDENCE.values()), reverse=True):
        index = 0
        while index < len(operators):
            if syntax.PRECEDENCE.get(operators[index]) == level:
                values[index:index + 2] = [_operate(operators[index], values[index], values[index + 1])]
                del operators[index]
            else:
                index += 1
    if operators:
        return EvalError(f"unknown operator {operators[0]}")
    return values[0]


def _operate(operator: str, left: Any, right: Any) -> Any:
    """One binary operation. `false && x` and `true || x` are decided without `x` (what apply gives; a plan shows
    them unknown only because it does not look further)."""
    for side in (left, right):
        if isinstance(side, EvalError):
            return side
    if operator in ("==", "!="):
        same = equal(left, right)
        return same if isinstance(same, Unknown) else (same == (operator == "=="))
    try:
        if operator in ("&&", "||"):
            decisive = operator == "||"
            known = [to_bool(side) for side in (left, right) if not isinstance(side, Unknown)]
            if decisive in known:
                return decisive
            if len(known) < 2:
                raise Unresolved
            return (known[0] and known[1]) if operator == "&&" else (known[0] or known[1])
        a, b = to_number(left), to_number(right)
        if operator == "+":
            return number(a + b)
        if operator == "-":
            return number(a - b)
        if operator == "*":
            return number(a * b)
        if operator == "/":
            if b == 0:
                return EvalError("division by zero")
            return number(a / b)
        if operator == "%":
            if b == 0:
                return EvalError("modulo by zero")
            return number(_fmod(a, b))
        return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[operator]
    except Unresolved:
        return Unknown(operator)
    except FunctionError as error:
        return EvalError(f"{operator}: {error}")
    except KeyError:
        return EvalError(f"unknown operator {operator}")


def _fmod(a: float, b: float) -> float:
    """Go's `%` (the sign of the dividend), which Terraform's numbers follow."""
    result = abs(a) % abs(b)
    return -result if a < 0 else result


class _TemplateBase:
    """Where a template's raw text starts in its file, to place what is parsed out of it."""

    def __init__(self, raw: str, line: int, column: int, path: str | None, whole_file: bool = False) -> None:
        self.raw, self.line, self.column, self.path, self.whole_file = raw, line, column, path, whole_file
        self._starts: list[int] | None = None

    def position(self, offset: int) -> tuple[int, int]:
        if self._starts is None:
            self._starts = line_starts(self.raw)
        line, column = position_of(self._starts, offset)
        if line == 1:
            column += self.column - 1
        return self.line + line - 1, column


def _rendered(pieces: list, base: _TemplateBase, alone: bool, failed: Any, span: Span | None) -> Any:
    """The string a template renders to (keeping every character's place), one interpolation's own value, an
    UnknownText (unknown parts, text kept for JSON inside), or the error that stopped it."""
    if isinstance(failed, EvalError):
        return failed
    if alone and len(pieces) == 1 and pieces[0][0] == "value" and failed is None:
        return pieces[0][2]
    parts: list[tuple[Part, Offsets]] = []
    values: list[Resolved | None] = []
    text: list[str] = []
    unknown: list[str] = []
    error: EvalError | None = None
    for piece in pieces:
        if piece[0] == "text":
            parts.append((piece[1], piece[2]))
            values.append(None)
            text.append(piece[1])
            continue
        node, value = piece[1], piece[2]
        parts.append((Interpolation(node.expression), Offsets([node.span])))
        if isinstance(value, EvalError):
            error = error or value
            values.append(Resolved(False))
            continue
        if isinstance(value, Unknown) and not isinstance(value, UnknownText):
            values.append(Resolved(False))
            unknown.append(node.expression)
            continue
        values.append(Resolved(not has_unknown(value) or isinstance(value, (dict, list)), value))  # a structure:
        # put into JSON as itself (`${jsonencode(...)}`), its unknown parts unknown one by one
        try:
            text.append(to_string(value))
        except Unresolved:
            unknown.append(node.expression)
        except FunctionError as refused:
            error = error or EvalError(f"${{{node.expression[:60]}}}: {refused}")
    template = Template(base.raw, base.line, base.column, tuple(parts), tuple(values), file=base.path,
                        whole_file=base.whole_file)
    if error is not None and not unknown:
        return error
    if failed is not None:
        return reference(failed.raw if isinstance(failed, Unknown) else "a template directive")
    if unknown:
        return UnknownText(", ".join(dict.fromkeys(unknown)), template=template, span=span)
    rendered = "".join(text)
    if len(rendered) > limits.EVALUATED_STRING:
        return EvalError("a template renders too much text")
    return LocatedStr(rendered, span, template)


def _decoded(value: Any, yaml: bool) -> Any:
    """`jsondecode` / `yamldecode` of an evaluated value, with positions when it remembers its template."""
    from mfa_lint.formats.terraform.template_json import decode, decode_yaml

    if isinstance(value, EvalError):
        return value
    if isinstance(value, (LocatedDict, LocatedList)) and value.encoded and not yaml:
        return _plain_copy(value)
    template = getattr(value, "template", None)
    if isinstance(template, Template):
        try:
            decoded, spans = decode_yaml(template) if yaml else decode(template)
        except SourceError as error:
            return EvalError(str(error))
        return attach(decoded, spans, template.file)
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, str):
        return EvalError("decode of a value that is not a string")
    if yaml:
        from mfa_lint.reading.yaml_positions import loads_with_offsets

        try:
            return loads_with_offsets(str(value))[0]
        except SourceError as error:
            return EvalError(str(error))
    try:
        return decode_json_text(str(value))
    except FunctionError as error:
        return EvalError(str(error))


def _plain_copy(value: Any) -> Any:
    if isinstance(value, LocatedDict):
        return LocatedDict(value, span=value.span, key_spans=dict(value.key_spans))
    return LocatedList(value, span=value.span, item_spans=value.item_spans)


_PREFIX = "x = "


@lru_cache(maxsize=2048)
def _expression(source: str) -> tuple[Tree | Token, str] | None:
    """An interpolation's expression parsed on its own (`jsonencode(local.x)`, `var.a["b"]`), or None."""
    if "\n" in source.rstrip():
        text = f"{_PREFIX}(\n{source}\n)\n"  # a multi-line expression: parenthesised, it may span lines
        try:
            tree = parse_hcl(text)
        except SourceError:
            return None
        for attr in attributes(root_body(tree)):
            return attr.expression, text  # positions: one line off; only the first line is placed exactly
        return None
    text = f"{_PREFIX}{source}\n"
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


_HANDLERS: dict[str, Callable[..., None]] = {
    "number": Evaluator._number,
    "identifier": Evaluator._identifier,
    "object": Evaluator._object,
    "tuple": Evaluator._tuple,
    "string": Evaluator._string,
    "heredoc": Evaluator._heredoc,
    "call": Evaluator._call,
    "attribute": Evaluator._traversal,
    "index": Evaluator._traversal,
    "splat": Evaluator._traversal,
    "for_tuple": Evaluator._for,
    "for_object": Evaluator._for,
    "conditional": Evaluator._conditional,
    "binary": Evaluator._binary,
    "unary": Evaluator._unary,
}

_SPECIAL_FORMS: dict[str, Callable[..., None]] = {
    "try": Evaluator._try,
    "can": Evaluator._can,
    "jsondecode": Evaluator._decode,
    "yamldecode": Evaluator._decode,
    "file": Evaluator._file,
    "templatefile": Evaluator._file,
    "fileexists": Evaluator._file,
    "fileset": Evaluator._file,
    "templatestring": Evaluator._templatestring,
}

# every function the evaluator answers (the table's pure ones and the special forms above)
SUPPORTED_FUNCTIONS = frozenset(FUNCTIONS) | frozenset(_SPECIAL_FORMS)
