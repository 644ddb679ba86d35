"""The Terraform evaluator against Terraform itself: every expected value below is what `terraform console` /
`terraform plan` (1.11) printed for the same expression (unknowns: a resource attribute known only after apply,
standing in for `var.u`). Then unknown propagation, refused calls, templates, positions and bounds."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from mfa_lint.core.values import Unknown
from mfa_lint.formats.terraform.hcl_functions import FUNCTIONS
from mfa_lint.formats.terraform.hcl_located import span_of
from mfa_lint.formats.terraform.hcl_syntax import attributes, blocks, parse_hcl, root_body
from mfa_lint.formats.terraform.hcl_values import SUPPORTED_FUNCTIONS, Definition, Evaluator, Scope
from mfa_lint.reading.site import SourceError

PRELUDE = """locals {
  m     = { deny = "Bool", b = "x" }
  items = ["a", "b"]
}
variable "u" {}
"""


def evaluate(expression: str, prelude: str = PRELUDE, directory: str = "/nonexistent") -> object:
    text = f"{prelude}\nresult = {expression}\n"
    tree = parse_hcl(text)
    scope = Scope()
    for block in blocks(root_body(tree)):
        if block.type == "locals":
            for attr in attributes(block.body):
                scope.locals[attr.name] = Definition(attr.expression, "main.tf", text)
        elif block.type == "variable":
            for attr in attributes(block.body):
                if attr.name == "default":
                    scope.variables[block.labels[0]] = Definition(attr.expression, "main.tf", text)
    evaluator = Evaluator(scope, "main.tf")
    evaluator.directory = directory
    (result,) = [a for a in attributes(root_body(tree)) if a.name == "result"]
    return evaluator.evaluate(result.expression, "main.tf", text).value


def plain(value: object) -> object:
    if isinstance(value, Unknown):
        return "<unknown>"
    return json.loads(json.dumps(value, default=lambda v: "<unknown>"))


# expression -> terraform console's answer (maps compared as JSON objects: key order is not a value)
TERRAFORM = [
    ('lookup(local.m, "deny", "BoolIfExists")', "Bool"),
    ('lookup({a = "x"}, "b", null)', None),
    ('try(local.m.missing, "d")', "d"),
    ('coalesce("", "a")', "a"),
    ('coalesce(1, "a")', "1"),
    ('coalesce(false, "a")', "false"),
    ('toset(["b", "a", "b"])', ["a", "b"]),
    ('toset([2, 10, 1])', [1, 2, 10]),
    ('toset(["a", 1])', ["1", "a"]),
    ('format("%s-%d-%v", "a", 3, true)', "a-3-true"),
    ('format("%q|%#v|%5s|%-4d|%.2f|%t|%%|%v", "x", {a = 1}, "ab", 7, 3.14159, true, [1])',
     '"x"|{"a":1}|   ab|7   |3.14|true|%|[1]'),
    ('format("%[2]s %[1]s", "a", "b")', "b a"),
    ('format("%05.1f|%x|%X|%o|%b|%e|%g|%+d", 3.14159, 255, 255, 8, 5, 1234.5, 0.5, 3)',
     "003.1|ff|FF|10|101|1.234500e+03|0.5|+3"),
    ('formatlist("%s=%s", ["a", "b"], ["1", "2"])', ["a=1", "b=2"]),
    ('formatlist("%s-%s", ["a", "b"], "x")', ["a-x", "b-x"]),
    ('title("hello world")', "Hello World"),
    ('title("hello-world aWs_x")', "Hello-World AWs_x"),
    ("title(\"o'neil mcdonald\")", "O'Neil Mcdonald"),
    ('replace("aBoolb", "/B(o+)l/", "X$1")', "aXoob"),
    ('replace("BoolIfExists", "/IfExists$/", "")', "Bool"),
    ('replace("a.b.c", ".", "-")', "a-b-c"),
    ('replace("abc", "", "-")', "-a-b-c-"),
    ('upper(true)', "TRUE"),
    ('upper(1.5)', "1.5"),
    ('trimspace("  a \\n")', "a"),
    ('trim("?!hello?!", "!?")', "hello"),
    ('substr("hello", 1, 3)', "ell"),
    ('substr("hello", -3, -1)', "llo"),
    ('startswith("abc", "ab")', True),
    ('split(",", "")', [""]),
    ('split(",", "a,b,,c")', ["a", "b", "", "c"]),
    ('split("", "abc")', ["a", "b", "c"]),
    ('join("-", ["a", 1, true])', "a-1-true"),
    ('join(",", [])', ""),
    ('regex("a(b)(c)?", "ab")', ["b", None]),
    ('regex("(?P<x>a)", "a")', {"x": "a"}),
    ('regexall("a", "aaa")', ["a", "a", "a"]),
    ('1 + 2 * 3 - 1 - 1', 5),
    ('-5 % 3', -2),
    ('5 % 3', 2),
    ('7 / 2', 3.5),
    ('"${10/4}"', 2.5),
    ('"${true}"', True),
    ('"a" == "a" && 1 == "1"', False),
    ('1 == 1.0', True),
    ('[1] == [1]', True),
    ('{a = 1} == {a = 1}', True),
    ('tostring(1.50)', "1.5"),
    ('tostring(true)', "true"),
    ('tostring(null)', None),
    ('tonumber("1.5")', 1.5),
    ('tobool("true")', True),
    ('tolist(["a", 1])', ["a", "1"]),
    ('tolist(toset(["b", "a"]))', ["a", "b"]),
    ('tomap({a = 1, b = "x"})', {"a": "1", "b": "x"}),
    ('flatten([[1, [2]], 3])', [1, 2, 3]),
    ('flatten([[], ["a"], [["b"], null]])', ["a", "b", None]),
    ('flatten([{a = 1}, [{b = 2}]])', [{"a": 1}, {"b": 2}]),
    ('concat(["a"], [])', ["a"]),
    ('compact(["a", "", null, "b"])', ["a", "b"]),
    ('distinct(["b", "a", "b"])', ["b", "a"]),
    ('distinct([1, "1"])', ["1"]),
    ('sort(["b", "a", "10", "9"])', ["10", "9", "a", "b"]),
    ('sort([3, 1])', ["1", "3"]),
    ('slice(["a", "b", "c"], 1, 3)', ["b", "c"]),
    ('reverse(["a", "b"])', ["b", "a"]),
    ('setunion(["b", "a"], ["c", "a"])', ["a", "b", "c"]),
    ('setintersection(["a","b"], ["b","c"])', ["b"]),
    ('setsubtract(["a","b"], ["b"])', ["a"]),
    ('keys({b = 1, a = 2})', ["a", "b"]),
    ('keys({})', []),
    ('values({b = 1, a = 2})', [2, 1]),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    ('merge({a = 1}, null, {b = "x"})', {"a": 1, "b": "x"}),
    ('merge({a = {x = 1}}, {a = {y = 2}})', {"a": {"y": 2}}),
    ('merge()', {}),
    ('lookup({}, "a", "d")', "d"),
    ('element(["a", "b"], 3)', "b"),
    ('contains(["1"], 1)', False),
    ('contains([1], "1")', False),
    ('length("héllo")', 5),
    ('one([])', None),
    ('one(toset([]))', None),
    ('coalescelist([], ["a"])', ["a"]),
    ('range(3)', [0, 1, 2]),
    ('range(1, 4, 2)', [1, 3]),
    ('max(1, 5)', 5),
    ('alltrue([true, "true"])', True),
    ('chunklist(["a","b","c"], 2)', [["a", "b"], ["c"]]),
    ('base64encode("ab")', "YWI="),
    ('indent(2, "a\\nb\\nc")', "a\n  b\n  c"),
    ('setproduct(["a", "b"], ["x"])', [["a", "x"], ["b", "x"]]),
    ('sha256("a")', "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"),
    ('yamldecode("a: yes")', {"a": True}),
    ('yamldecode("a: on\\nb: \'false\'\\nc: False\\nd: ~\\ne: 0x10")',
     {"a": True, "b": "false", "c": False, "d": None, "e": 16}),
    ('jsondecode("{\\"a\\": true}")', {"a": True}),
    ('{for k, v in {b = 1, a = 2} : v => k}', {"1": "b", "2": "a"}),
    ('[for k, v in {b = 1, a = 2} : k]', ["a", "b"]),
    ('{for s in ["a", "b", "a"] : s => s...}', {"a": ["a", "a"], "b": ["b"]}),
    ('["a", "b"][*]', ["a", "b"]),
    ('"x"[*]', ["x"]),
    ('null[*]', []),
    ('true ? {a = 1} : {}', {"a": 1}),
    ('"${"a"}${~ "  b  " ~}  c"', "a  b  c"),
]


@pytest.mark.parametrize(("expression", "expected"), TERRAFORM, ids=[e for e, _ in TERRAFORM])
def test_values_are_terraforms(expression: str, expected: object) -> None:
    assert plain(evaluate(expression)) == expected


# expression -> what `terraform plan` showed with an unknown in place of var.u ("<unknown>": known after apply)
UNKNOWNS = [
    ('try(var.u, "BoolIfExists")', "<unknown>"),
    ('coalesce("Bool", var.u)', "Bool"),
    ('coalesce(var.u, "Bool")', "<unknown>"),
    ('lookup({deny = "Bool"}, var.u, "BoolIfExists")', "<unknown>"),
    ('[var.u, "a"]', ["<unknown>", "a"]),
    ('length([var.u, "a"])', 2),
    ('concat([var.u], ["a"])', ["<unknown>", "a"]),
    ('var.u ? "Bool" : "BoolIfExists"', "<unknown>"),
    ('"${var.u}x"', "<unknown>"),
    ('can(var.u)', "<unknown>"),
    ('contains(["a", var.u], "a")', True),
    ('contains(["b", var.u], "a")', "<unknown>"),
    ('[for s in ["a", "b"] : s if s == var.u]', "<unknown>"),
    ('[for s in ["a", "b"] : var.u]', ["<unknown>", "<unknown>"]),
    ('{for s in ["a", "b"] : s => var.u}', {"a": "<unknown>", "b": "<unknown>"}),
    ('coalescelist([], [var.u])', ["<unknown>"]),
    ('one([var.u])', "<unknown>"),
    ('element([var.u, "b"], 1)', "b"),
    ('index(["a", var.u], "a")', 0),
    ('upper(var.u)', "<unknown>"),
    ('tostring(var.u)', "<unknown>"),
    ('jsonencode(var.u)', "<unknown>"),
    ('keys(merge({a = 1}, var.u))', "<unknown>"),
]


@pytest.mark.parametrize(("expression", "expected"), UNKNOWNS, ids=[e for e, _ in UNKNOWNS])
def test_unknowns_propagate_as_in_terraform(expression: str, expected: object) -> None:
    assert plain(evaluate(expression)) == expected


def test_logic_decided_without_the_unknown() -> None:
    # a plan shows these unknown (it does not look further), but every value var.u can take gives the same result
    assert evaluate("true || var.u") is True
    assert evaluate("false && var.u") is False
    assert isinstance(evaluate("true && var.u"), Unknown)


def test_merge_with_an_unknown_map_keeps_what_comes_after_it() -> None:
    before = evaluate('merge({Effect = "Deny", Sid = "a"}, var.u)')
    assert isinstance(before, dict) and all(isinstance(v, Unknown) for v in before.values())
    assert any(isinstance(k, Unknown) for k in before)  # it may hold more keys
    after = evaluate('merge(var.u, {Effect = "Deny"})')
    assert after["Effect"] == "Deny" and any(isinstance(k, Unknown) for k in after)


def test_an_unknown_never_becomes_a_value_or_a_name() -> None:
    for expression in ('"${var.u}"', 'format("%s", var.u)', 'join(",", [var.u])', 'lower(var.u)',
                       'replace(var.u, "a", "b")', 'try(var.u.test, "Bool")', 'lookup(var.u, "test", "Bool")',
                       'local.m[var.u]', 'var.u[0]', 'var.u.x', 'var.u[*].x', 'tostring(var.u)',
                       '[for x in var.u : x]', '{for k, v in var.u : k => v}', 'templatestring(var.u, {})'):
        value = evaluate(expression)
        assert isinstance(value, Unknown), (expression, value)
        assert "var.u" in value.raw or value.raw == expression, (expression, value)


@pytest.mark.parametrize("expression", [
    'lookup({a = 1}, "b")', 'element([], 0)', 'element(["a"], -1)', 'index(["a", "b"], "c")', 'tobool("yes")',
    'one(["a", "b"])', 'concat(null, ["a"])', 'coalesce(null, null)', 'format("%d", 1.5)', 'format("%s", [1])',
    'format("%v %v", "a")', 'tostring([])', 'local.items[5]', 'local.m.missing', '"${null}x"', 'jsondecode("{")',
    '{for s in ["a", "a"] : s => s}', '[for x in null : x]', '1 / 0',
])
def test_refused_calls_are_caught_by_try_and_can(expression: str) -> None:
    value = evaluate(expression)
    assert isinstance(value, Unknown) and "Terraform refuses it" in value.raw, value
    assert evaluate(f"try({expression}, \"fallback\")") == "fallback"
    assert evaluate(f"can({expression})") is False


def test_try_and_can_on_what_works() -> None:
    assert evaluate('try(local.m.deny, "x")') == "Bool"
    assert evaluate('can(local.m.deny)') is True
    assert evaluate('try(local.m.missing, local.items[9], "third")') == "third"


def test_every_function_named_in_the_brief_is_supported() -> None:
    named = ("lookup try can coalesce coalescelist flatten concat merge format formatlist replace upper lower title "
             "trimspace tostring tonumber tobool tolist toset tomap element index keys values zipmap distinct "
             "compact join split contains length one jsonencode jsondecode yamldecode setunion slice reverse sort "
             "file templatefile templatestring").split()
    assert not set(named) - SUPPORTED_FUNCTIONS
    assert set(FUNCTIONS) <= SUPPORTED_FUNCTIONS


def test_unsupported_functions_are_unknown() -> None:
    for expression in ("timestamp()", "uuid()", 'provider::aws::arn_parse("x")', 'cidrsubnet("10.0.0.0/8", 8, 1)'):
        assert isinstance(evaluate(expression), Unknown), expression


# -- templates: what terraform console printed for the same heredocs and template files ---------------------------

TEMPLATES = PRELUDE.replace('  items = ["a", "b"]\n', '''  items = ["a", "b"]
  t1 = <<-EOT
    [
      %{ for i, x in local.items ~}
      "${x}"%{ if i < length(local.items) - 1 },%{ endif }
      %{ endfor ~}
    ]
  EOT
  t5 = <<-EOT
    [
    %{ for x in local.items ~}
      "${x}",
    %{ endfor ~}
    ]
  EOT
  t6 = <<-EOT
      a
    ${"b"}
  EOT
  t7 = <<EOT
  %{~ if true ~}
  q
  %{~ endif ~}
EOT
  t8 = "  %{ if true ~}  x  %{~ endif }  "
  t9 = "%{ for k, v in {b = 1, a = 2} }${k}=${v};%{ endfor }"
''')


@pytest.mark.parametrize(("name", "expected"), [
    ("t1", '[\n        "a",\n        "b"\n      ]\n'),
    ("t5", '[\n      "a",\n      "b",\n    ]\n'),
    ("t6", "  a\nb\n"),
    ("t7", "  q\n"),
    ("t8", "  x  "),
    ("t9", "a=2;b=1;"),
])
def test_template_directives_strip_markers_and_flush_heredocs(name: str, expected: str) -> None:
    assert evaluate(f"local.{name}", TEMPLATES) == expected


def test_templatefile_renders_with_its_variables_only(tmp_path: Path) -> None:
    (tmp_path / "t.tftpl").write_text('    [\n    %{ for x in items ~}\n      "${x}",\n    %{ endfor ~}\n    ]\n')
    (tmp_path / "t2.tftpl").write_text("%{ if flag ~}   yes   %{~ endif }")
    assert evaluate('templatefile("t.tftpl", {items = local.items})', directory=str(tmp_path)) == (
        '    [\n          "a",\n          "b",\n        ]\n')
    assert evaluate('templatefile("t2.tftpl", {flag = true})', directory=str(tmp_path)) == "yes"
    assert evaluate('templatefile("t2.tftpl", {flag = "true"})', directory=str(tmp_path)) == "yes"
    missing = evaluate('templatefile("t2.tftpl", {})', directory=str(tmp_path))  # terraform: vars has no "flag"
    assert isinstance(missing, Unknown) and evaluate(
        'try(templatefile("t2.tftpl", {}), "refused")', directory=str(tmp_path)) == "refused"
    assert evaluate('templatestring(local.tpl, {a = 1})', PRELUDE + 'locals {\n  tpl = "x$${a}y"\n}\n') == "x1y"


def test_unbalanced_directives_are_refused() -> None:
    """Terraform rejects these heredocs when it parses the file ("Unexpected end of template", "Unexpected else
    directive"), and so does the parser (tree-sitter-hcl reads template directives)."""
    for heredoc in ('<<EOT\n%{ if true }x\nEOT\n', '<<EOT\n%{ for x in [] }x%{ else }y%{ endfor }\nEOT\n'):
        with pytest.raises(SourceError, match="invalid HCL at line 8"):
            evaluate(heredoc)


# -- positions ------------------------------------------------------------------------------------------------


def test_values_remember_where_they_were_written() -> None:
    prelude = PRELUDE + 'locals {\n  ops = { deny = "Bool" }\n}\n'
    value = evaluate('lookup(local.ops, "deny", "BoolIfExists")', prelude)
    span = span_of(value)
    assert span is not None and (span.line, span.column) == (7, 18)
    assert span_of(evaluate('coalesce(null, "Bool")', prelude)).line == 10
    statements = evaluate('concat([{a = 1}], [local.m])', prelude)
    assert [span_of(s).line for s in statements] == [10, 2]


# -- bounds ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("expression", [
    "range(100000000)",
    '[for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]]',
    "[" * 300 + "1" + "]" * 300,
    "(" * 200 + "1" + ")" * 200,
    '{for i in range(1000) : tostring(i) => [for j in range(1000) : j]}',
    'formatlist("%s", range(10000))',
    'join("", [for i in range(1000) : join("", [for j in range(1000) : "xxxxxxxxxx"])])',
    'flatten([for i in range(1000) : [for j in range(1000) : j]])',
])
def test_hostile_expressions_are_bounded(expression: str) -> None:
    start = time.monotonic()
    evaluate(expression)
    assert time.monotonic() - start < 20


def test_yaml_alias_bombs_are_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
    start = time.monotonic()
    value = evaluate(f"yamldecode({json.dumps(bomb)})")
    assert isinstance(value, Unknown) and time.monotonic() - start < 20
