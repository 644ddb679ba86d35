"""The tree-sitter adapter builds the very tree bc-python-hcl2's Lark grammar builds, wherever that grammar reads the
text; where the two grammars disagree, mfa-lint reads and refuses what Terraform does.

What Terraform accepts or rejects below was checked with `terraform fmt -check` (Terraform 1.11, which parses the
syntax without providers) when these cases were written; the tests themselves do not need Terraform.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hcl_trees import first_difference, lark_tree
from mfa_lint.formats.terraform.hcl_syntax import attributes, blocks, parse_hcl, root_body
from mfa_lint.reading.site import SourceError

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_TF = sorted(p for p in (ROOT / "fixtures").rglob("*.tf") if p.is_file())

SNIPPETS = {
    "arithmetic": "x = a + b * c - d / e % f\n",
    "logic": "x = a == b && c != d || !e\ny = a < b && c >= d\n",
    "conditionals": "x = a ? b : c ? d : e\ny = a && b ? c : d\nz = (a ? b : c) + 1\nw = a == 1 ? [] : [2]\n",
    "multi-line conditional": "x = (\n  var.enabled\n  ? \"a\"\n  : \"b\"\n)\n",
    "accessors": "x = -a.b[0].c\ny = a[*].b[0]\nz = a.*.b\nw = a.0.b\nv = var.m[\"k\"].id\n",
    "accessors on literals": 'x = "x"[*]\ny = [1, 2][0]\nz = { a = 1 }.a\nw = f(1).b[*].c\n',
    "calls": "x = f(a, [1, 2], { k = v })\ny = f(a...)\nz = g()\nw = provider::aws::arn_parse(\"x\")\n",
    "for": "x = { for k, v in m : k => v if v }\ny = [for v in l : v]\nz = { for k, v in m : k => v... }\n",
    "for over lines": "x = [\n  for v in l :\n  upper(v)\n  if v != \"\"\n]\ny = {\n  for k, v in m : k => v\n}\n",
    "literals": "a = 1\nb = 1.5\nc = 10.25\nd = true\ne = false\nf = null\ng = -3\n",
    "strings": 'a = "x ${var.a}-${b["c"]} \\" \\n"\nb = "%{ if true }y%{ endif }"\nc = "$${aws:username}"\n',
    "heredocs": "a = <<EOF\n{\"k\": \"${var.v}\"}\nEOF\nb = <<-POLICY\n    x\n  POLICY\n",
    "objects": 'x = {\n  a = 1\n  "b" = 2,\n  c : 3\n  (var.d) = 4\n  e = { f = [1, 2,] }\n}\ny = {}\n',
    "tuples": "x = [\n  1, # one\n  2, // two\n  /* three */ 3,\n]\ny = []\n",
    "blocks": 'resource "aws_iam_policy" p {\n  name = "p"\n  lifecycle {\n    ignore_changes = [name]\n  }\n}\n'
              'terraform {}\nr "a" { x = 1 }\n',
    "dynamic": 'data "aws_iam_policy_document" "d" {\n  dynamic "statement" {\n    for_each = var.s\n'
               "    content {\n      actions = statement.value.actions\n    }\n  }\n}\n",
    "comments": "/* header\n   lines */\n# one\n// two\nlocals {\n  # inside\n  a = 1 # after\n\n  b = 2\n}\n",
    "non-ascii": 'x = "é ${var.a} ü"\ny = "日本"\nz = var.b\n',
}


def _agree(text: str) -> None:
    expected = lark_tree(text)
    got = parse_hcl(text)
    assert first_difference(expected, got, text + "\n") is None


@pytest.mark.parametrize("path", FIXTURE_TF, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_fixture_gives_the_lark_tree(path: Path) -> None:
    try:
        text = path.read_text(encoding="utf-8")
        expected = lark_tree(text)
    except Exception:  # the Lark grammar cannot read it: nothing to compare (hostile fixtures, the cases below)
        return
    try:
        got = parse_hcl(text)
    except SourceError as error:
        assert "NUL" in str(error) or path.parent.name == "hostile", (path, error)
        return
    assert first_difference(expected, got, text + "\n") is None


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_every_construct_gives_the_lark_tree(name: str) -> None:
    _agree(SNIPPETS[name])


def test_a_difference_is_found() -> None:
    """The comparison can fail: a changed token position or shape is reported."""
    text = "x = a + b\n"
    assert first_difference(lark_tree(text), parse_hcl("x = a +  b\n"), text) is not None
    assert first_difference(lark_tree(text), parse_hcl("x = a - b\n"), text) is not None


# Terraform accepts these; the Lark grammar does not (each line: the case, and a name it must define).
TERRAFORM_ACCEPTS = {
    "comment after a for expression's colon": "x = {\n  for k, v in m :\n  # why\n  k => v\n}\n",
    "literal $${ without a closing brace": 'x = "cost $${ amount"\n',
    "byte-order mark": "\ufeffx = 1\n",
    "CRLF heredoc": "x = <<EOF\r\n{}\r\nEOF\r\n",
    "empty heredoc": "x = <<EOF\nEOF\n",
    "NUL in a string": 'x = "a\x00b"\n',
    "namespaced function": "x = core::length([])\n",
    "unicode identifier": "é = 1\n",
}


@pytest.mark.parametrize("name", sorted(TERRAFORM_ACCEPTS))
def test_what_terraform_accepts_is_read(name: str) -> None:
    tree = parse_hcl(TERRAFORM_ACCEPTS[name])
    assert [a.name for a in attributes(root_body(tree))] == [TERRAFORM_ACCEPTS[name].lstrip("\ufeff")[0]]


def test_the_nul_in_a_string_is_kept() -> None:
    (attr,) = attributes(root_body(parse_hcl('x = "a\x00b"\n')))
    assert str(attr.expression.children[0]) == '"a\x00b"'


# Terraform rejects these (its message in brackets); tree-sitter-hcl builds a tree without ERROR nodes for each,
# so the adapter checks them itself.
TERRAFORM_REJECTS = {
    "a = 1 b = 2\n": ("line 1 column 7", "Missing newline after argument"),
    "x = { a = 1 b = 2 }\n": ("line 1 column 13", "Missing attribute separator"),
    'r "a" { x = 1\n}\n': ("line 1 column 9", "Invalid single-argument block definition"),
    'r "a" {\n x = 1 }\n': ("line 2 column 8", "Missing newline after argument"),
    'r "a" { b {} }\n': ("line 1 column 9", "Argument definition required"),
    'r "a" { x = 1 } r "b" {}\n': ("line 1 column 17", "Missing newline after block definition"),
    "x = 0x10\n": ("line 1 column 5", "Missing newline after argument"),
    "a::b = 1\n": ("line 1 column 1", "Argument or block definition required"),
    '{"a": 1}\n': ("line 1 column 1", "Argument or block definition required"),
    "x = 1\x00\n": ("line 1 column 6", "Invalid character"),
    "x = 10.11.10.12/32\n": ("line 1 column 5", "Failed to recognize the value of this number literal"),
}


@pytest.mark.parametrize("text", sorted(TERRAFORM_REJECTS), ids=repr)
def test_what_terraform_rejects_is_an_error_at_its_position(text: str) -> None:
    where, _terraform_says = TERRAFORM_REJECTS[text]
    with pytest.raises(SourceError, match=f"^invalid HCL at {where}: "):
        parse_hcl(text)


@pytest.mark.parametrize("text, where", [
    ('resource "a" "b" {\n  x = [1, 2\n}\n', "line 3: unexpected '}'"),
    ('resource "a" "b" {\n  x = f(\n', "line 2: '\\(' is never closed"),
    ('x = "a ${b"\n', "line 1: unterminated string"),
    ("resource {\n", "line 1: '{' is never closed"),
    ("x = = 1\n", "line 1 column 3: unexpected '='"),
    ("locals {\n  a = 1\n  b\n}\n", "line 3 column 3: unexpected 'b'"),
])
def test_a_broken_file_is_one_error_never_read_in_part(text: str, where: str) -> None:
    """tree-sitter recovers from errors and builds a tree around them; any ERROR or MISSING node is an error."""
    with pytest.raises(SourceError, match=f"invalid HCL at {where}"):
        parse_hcl(text)


def test_blocks_and_positions_across_lines() -> None:
    text = 'locals {\n  a = 1\n}\n\nresource "aws_iam_policy" "p" {\n  policy = "x"\n}\n'
    found = [(b.type, b.labels, b.line, b.end_line, b.header.column) for b in blocks(root_body(parse_hcl(text)))]
    assert found == [("locals", (), 1, 3, 1), ("resource", ("aws_iam_policy", "p"), 5, 7, 1)]


def test_the_time_budget_interrupts_the_parser() -> None:
    """tree-sitter parses in C; the budget (a signal) still stops a slow parse, through the progress callback."""
    from mfa_lint.reading.budget import BudgetExceeded, can_time, time_budget

    if not can_time():
        pytest.skip("no SIGALRM interval timer here (not the main thread, or not POSIX)")
    garbage = "".join(chr(c) for c in range(1, 256) if chr(c) not in '"\n') * 8000  # error recovery takes seconds
    start = time.perf_counter()
    with pytest.raises((BudgetExceeded, SourceError)), time_budget(0.2):
        parse_hcl(garbage)
    assert time.perf_counter() - start < 5
    assert parse_hcl("x = 1\n")  # the parser is usable afterwards


# -- generated expressions: every mix of operators, conditionals, accessors and collections ------------------------

from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ATOMS = st.sampled_from(["a", "var.x", "local.y[0]", "1", "2.5", "true", "null", '"s"', '"${var.v}-x"',
                          "f(a)", "a.b.c", "a[*].b", "a.*.b", "a.0", "[]", "{}", "m[\"k\"]"])
_BINARY = st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||"])
_GAP = st.sampled_from([" ", " ", " ", "\n  ", " # c\n  ", " /* c */ "])


def _expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, _BINARY, inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
            st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
            st.tuples(st.sampled_from(["!", "-"]), _ATOMS).map("".join),
            inner.map(lambda e: f"({e})"),
            st.tuples(_GAP, st.lists(inner, min_size=1, max_size=3)).map(
                lambda t: "[" + t[0] + ("," + t[0]).join(t[1]) + t[0] + "]"),
            st.tuples(_GAP, st.lists(inner, min_size=1, max_size=3)).map(
                lambda t: "{" + t[0] + ("," + t[0]).join(f"k{i} = {e}" for i, e in enumerate(t[1])) + t[0] + "}"),
            st.lists(inner, min_size=1, max_size=3).map(lambda es: "g(" + ", ".join(es) + ")"),
            st.tuples(inner, inner).map(lambda t: f"[for v in {t[0]} : {t[1]}]"),
            st.tuples(inner, inner).map(lambda t: f"{{ for k, v in {t[0]} : k => {t[1]} if v }}"),
        )

    return st.recursive(_ATOMS, extend, max_leaves=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions())
def test_generated_expressions_give_the_lark_tree(expression: str) -> None:
    text = f"locals {{\n  x = {expression}\n}}\n"
    try:
        expected = lark_tree(text)
    except Exception:
        assume(False)  # the Lark grammar cannot read it (its gaps): nothing to compare
        return
    got = parse_hcl(text)
    assert first_difference(expected, got, text + "\n") is None, text
