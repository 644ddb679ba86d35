"""mfa-lint's own HCL reader: every Terraform fixture through the reader and the real core, then positions,
variable/local resolution, suppressions and bad input in each HCL form."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from fixture_cases import FixtureCase, cases
from mfa_lint import RULES, Unknown, analyze_document
from mfa_lint.formats.terraform.hcl_reader import read_terraform
from mfa_lint.reading.site import PolicySite, SourceError, Span
from mfa_lint.reading.suppressions import FileSuppressions
from mfa_lint.scanning.site_analysis import analyze_site

# HCL fixtures (templates/ holds policy files written as templates, read by the policy reader)
TERRAFORM_CASES = [c for c in cases("terraform") if c.path.suffix == ".tf" and c.path.parent.name != "templates"]


def module_texts(path: Path) -> dict[str, str]:
    """The other .tf files of the fixture's directory, as the CLI hands them over."""
    return {p.name: p.read_text() for p in sorted(path.parent.glob("*.tf")) if p != path}


def read(text: str, module: dict[str, str] | None = None, path: str = "main.tf") -> list[PolicySite]:
    return read_terraform(path, text, module)


def site(sites: list[PolicySite], resource: str) -> PolicySite:
    matches = [s for s in sites if s.resource == resource]
    assert len(matches) == 1, [s.resource for s in sites]
    return matches[0]


def findings_with_spans(s: PolicySite) -> list[tuple[str, Span]]:
    return [(f.rule_id, s.locate(f.path) or s.span) for f in analyze_document(s.document, s.kind).findings]


def span_text(text: str, span: Span) -> str:
    assert span.line == span.end_line
    return text.splitlines()[span.line - 1][span.column - 1:span.end_column - 1]


@pytest.mark.parametrize("case", TERRAFORM_CASES, ids=lambda c: c.id)
def test_fixture_findings(case: FixtureCase) -> None:
    text = case.path.read_text()
    sites = read_terraform(str(case.path), text, module_texts(case.path))
    suppressions = FileSuppressions(text)
    got: Counter = Counter()
    with_notes = set()
    seen = set()  # one finding per rule, place and message, as the scan reports (dynamic iterations share a place)
    for s in sites:
        if s.merged_into is not None:
            continue  # no policy on its own: judged in the documents that merge it
        analysis = analyze_site(s)
        for finding, locate in analysis.findings:
            key = (finding.rule_id, s.resource, (locate(finding.path) or s.span).line)
            if not suppressions.suppresses_site(s, finding) and (key, finding.message) not in seen:
                seen.add((key, finding.message))
                got[key] += 1
        if analysis.notes or s.notes:
            with_notes.add(s.resource)
    assert got == case.expected_multiset()
    for resource in case.unknown:
        assert resource in with_notes
        assert not any(key[1] == resource for key in got)


def test_fixtures_cover_every_rule_and_silent_cases() -> None:
    rules = {f.rule for c in TERRAFORM_CASES for f in c.findings}
    assert rules == set(RULES)
    assert any(not c.findings for c in TERRAFORM_CASES)


# -- positions ----------------------------------------------------------------------------------------------------

JSONENCODE = """resource "aws_iam_policy" "p" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Deny"
        Action   = "s3:*"
        Resource = "*"
        Condition = {
          Bool = { "aws:MultiFactorAuthPresent" = false }
        }
      },
      {
        Effect    = "Deny"
        Action    = "ec2:*"
        Resource  = "*"
        Condition = { "NumericGreaterThan" : { "aws:MultiFactorAuthAge" = 3600 } }
      },
    ]
  })
}
"""


def test_jsonencode_operator_keys_quoted_or_not() -> None:
    [s] = read(JSONENCODE)
    spans = findings_with_spans(s)
    assert [(rule, span.line) for rule, span in spans] == [("MFA001", 10), ("MFA001", 17)]
    assert span_text(JSONENCODE, spans[0][1]) == "Bool"
    assert span_text(JSONENCODE, spans[1][1]) == '"NumericGreaterThan"'
    assert s.span.line == 2 and span_text(JSONENCODE, s.span) == "policy"
    assert s.locate(("Statement", 1)).line == 13
    assert s.document["Statement"][0]["Condition"]["Bool"]["aws:MultiFactorAuthPresent"] is False


def test_statement_paths_point_at_the_opening_brace() -> None:
    text = """resource "aws_organizations_policy" "scp" {
  content = jsonencode({
    Statement = [{
      Effect    = "Deny"
      Action    = "*"
      Resource  = "*"
      Condition = { BoolIfExists = { "aws:MultiFactorAuthPresent" = "false" } }
    }]
  })
}
"""
    [s] = read(text)
    assert s.kind == "scp"
    [(rule, span)] = findings_with_spans(s)
    assert rule == "MFA004" and span.line == 3 and span_text(text, span) == "{"


@pytest.mark.parametrize("marker", ["<<EOF", "<<-EOF"])
def test_heredoc_operator_key(marker: str) -> None:
    indent = "    " if marker == "<<-EOF" else ""
    body = [
        "{",
        '  "Statement": [',
        '    {"Effect": "Deny", "Action": "s3:*", "Resource": "*",',
        '     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}',
        "  ]",
        "}",
    ]
    text = (
        'resource "aws_iam_user_policy" "p" {\n'
        f"  policy = {marker}\n" + "".join(f"{indent}{line}\n" for line in body) + f"{indent[:2]}EOF\n}}\n"
    )
    [s] = read(text)
    [(rule, span)] = findings_with_spans(s)
    assert rule == "MFA001" and span.line == 6
    assert span_text(text, span) == '"Bool"'


def test_json_string_with_escapes_maps_back_to_the_escaped_key() -> None:
    text = (
        'resource "aws_iam_policy" "p" {\n'
        '  policy = "{\\"Statement\\": [{\\"Effect\\": \\"Deny\\", \\"Action\\": \\"*\\", \\"Resource\\": \\"*\\", '
        '\\"Condition\\": {\\"BoolIfExists\\": {\\"aws:MultiFactorAuthPresent\\": \\"false\\"}}}]}"\n'
        "}\n"
    )
    [s] = read(text)
    [(rule, span)] = findings_with_spans(s)
    assert rule == "MFA005"
    assert span.line == 2 and span_text(text, span) == "{"
    analysis = analyze_document(s.document, s.kind)
    bool_span = s.locate(("Statement", 0, "Condition", "BoolIfExists"))
    assert analysis.findings and span_text(text, bool_span) == '\\"BoolIfExists\\"'


def test_policy_document_points_at_the_test_value_of_the_mfa_condition() -> None:
    text = """data "aws_iam_policy_document" "d" {
  statement {
    effect      = "Deny"
    not_actions = ["iam:ChangePassword"]
    resources   = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = [false]
    }
  }
}
"""
    [s] = read(text)
    assert s.resource == "data.aws_iam_policy_document.d" and s.kind == "unknown"
    assert s.document["Statement"][0]["Condition"] == {
        "Bool": {"aws:SecureTransport": "true", "aws:MultiFactorAuthPresent": "false"}
    }
    assert s.document["Statement"][0]["NotAction"] == "iam:ChangePassword"
    [(rule, span)] = findings_with_spans(s)
    assert rule == "MFA001" and span.line == 12 and span_text(text, span) == '"Bool"'
    assert s.locate(("Statement", 0)).line == 2


def test_policy_document_principals_and_default_effect() -> None:
    text = """data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::123456789012:root"]
    }
    condition {
      test     = "BoolIfExists"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["true"]
    }
  }
}
"""
    [s] = read(text)
    statement = s.document["Statement"][0]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert [(r, sp.line) for r, sp in findings_with_spans(s)] == [("MFA002", 9)]


# -- variables, locals, interpolation -----------------------------------------------------------------------------

DENY_WITH_VALUE = """resource "aws_iam_policy" "p" {
  policy = jsonencode({
    Statement = [{
      Effect = "Deny", Action = "s3:DeleteBucket", Resource = "*"
      Condition = { Bool = { "aws:MultiFactorAuthPresent" = %s } }
    }]
  })
}
"""


def mfa_value(s: PolicySite) -> object:
    return s.document["Statement"][0]["Condition"]["Bool"]["aws:MultiFactorAuthPresent"]


def test_variable_default_from_another_file_of_the_module() -> None:
    variables = 'variable "flag" {\n  type    = bool\n  default = false\n}\n'
    [s] = read(DENY_WITH_VALUE % "var.flag", {"variables.tf": variables})
    assert mfa_value(s) is False
    [(rule, span)] = findings_with_spans(s)
    assert rule == "MFA001" and span.line == 5


def test_variable_without_default_stays_a_reference() -> None:
    [s] = read(DENY_WITH_VALUE % "var.flag", {"variables.tf": 'variable "flag" {\n  type = bool\n}\n'})
    assert mfa_value(s) == Unknown("var.flag")
    analysis = analyze_document(s.document, s.kind)
    assert analysis.findings == [] and analysis.notes


def test_template_forms_of_a_reference() -> None:
    module = {"locals.tf": 'locals {\n  flag = "false"\n  prefix = "f"\n}\n'}
    assert mfa_value(read(DENY_WITH_VALUE % '"${local.flag}"', module)[0]) == "false"
    assert mfa_value(read(DENY_WITH_VALUE % '"${local.prefix}alse"', module)[0]) == "false"
    assert mfa_value(read(DENY_WITH_VALUE % '"${local.missing}"', module)[0]) == Unknown("local.missing")
    assert mfa_value(read(DENY_WITH_VALUE % '"$${aws:username}"', module)[0]) == "${aws:username}"
    assert mfa_value(read(DENY_WITH_VALUE % "(local.flag)", module)[0]) == "false"


def test_local_holding_the_whole_policy_and_attribute_access() -> None:
    text = """locals {
  docs = {
    deny = {
      Statement = [{
        Effect    = "Deny"
        Action    = "s3:DeleteBucket"
        Resource  = "*"
        Condition = { StringEquals = { "aws:MultiFactorAuthPresent" = "false" } }
      }]
    }
  }
  whole = local.docs.deny
}

resource "aws_iam_policy" "via_attribute" {
  policy = jsonencode(local.docs.deny)
}

resource "aws_iam_policy" "via_local" {
  policy = jsonencode(local.whole)
}
"""
    sites = read(text)
    via_attribute = site(sites, "aws_iam_policy.via_attribute")
    via_local = site(sites, "aws_iam_policy.via_local")
    assert via_attribute.document == via_local.document
    assert [r for r, _ in findings_with_spans(via_attribute)] == ["MFA001"]
    # A value reached through an attribute access remembers where it was written: the operator in the local.
    assert findings_with_spans(via_attribute)[0][1].line == 8
    assert findings_with_spans(via_local)[0][1].line == 8


def test_reference_cycles_and_long_chains_stay_unresolved() -> None:
    cycle = 'locals {\n  a = local.b\n  b = local.a\n}\nresource "aws_iam_policy" "p" {\n  policy = local.a\n}\n'
    [s] = read(cycle)
    assert s.document == Unknown("local.a")
    chain = "locals {\n" + "".join(f"  l{i} = local.l{i + 1}\n" for i in range(200)) + '  l200 = "{}"\n}\n'
    [s] = read(chain + 'resource "aws_iam_policy" "p" {\n  policy = local.l0\n}\n')
    assert s.document == Unknown("local.l0")


def test_repeated_references_are_bounded() -> None:
    levels = "".join(f"  l{i} = [local.l{i + 1}, local.l{i + 1}, local.l{i + 1}, local.l{i + 1}]\n" for i in range(30))
    resource = 'resource "aws_iam_policy" "p" {\n  policy = jsonencode(local.l0)\n}\n'
    text = "locals {\n" + levels + '  l30 = "x"\n}\n' + resource
    start = time.monotonic()
    [s] = read(text)
    assert time.monotonic() - start < 20
    assert isinstance(s.document, list)


def test_unresolved_forms_are_kept_as_references() -> None:
    text = """resource "aws_iam_policy" "file" {
  policy = file("policy.json")
}
resource "aws_iam_policy" "data" {
  policy = data.aws_iam_policy_document.same_module.json
}
resource "aws_iam_policy" "conditional" {
  policy = var.enabled ? local.a : local.b
}
data "aws_iam_policy_document" "same_module" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}
"""
    sites = read(text)
    assert site(sites, "aws_iam_policy.file").document == Unknown('file("policy.json")')
    # a data source of the same module is judged at its own block: no second site (and no note) for its user
    assert [s.resource for s in sites if s.resource == "aws_iam_policy.data"] == []
    assert site(sites, "data.aws_iam_policy_document.same_module").kind == "identity"  # as its user, aws_iam_policy
    assert site(sites, "aws_iam_policy.conditional").document.raw.startswith("var.enabled ?")
    for s in sites:
        assert analyze_document(s.document, s.kind).findings == []


def test_heredoc_interpolation_resolves_a_variable_default() -> None:
    text = """variable "mfa" {
  default = "false"
}
resource "aws_iam_policy" "p" {
  policy = <<EOT
{"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b/$${aws:username}",
  "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "${var.mfa}"}}}]}
EOT
}
"""
    [s] = read(text)
    assert s.document["Statement"][0]["Resource"] == "arn:aws:s3:::b/${aws:username}"
    assert [(r, sp.line) for r, sp in findings_with_spans(s)] == [("MFA001", 7)]


# -- kinds, table paths, suppressions -----------------------------------------------------------------------------


def test_kinds_from_the_location_table() -> None:
    statement = 'jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })'
    text = f"""resource "aws_organizations_policy" "scp" {{
  content = {statement}
}}
resource "aws_organizations_policy" "rcp" {{
  type    = "RESOURCE_CONTROL_POLICY"
  content = {statement}
}}
resource "aws_organizations_policy" "tag" {{
  type    = "TAG_POLICY"
  content = {statement}
}}
resource "aws_iam_role" "r" {{
  assume_role_policy = {statement}
  inline_policy {{
    name   = "a"
    policy = {statement}
  }}
  inline_policy {{
    name   = "b"
    policy = {statement}
  }}
}}
resource "aws_s3_bucket_policy" "b" {{
  policy = {statement}
}}
resource "aws_not_a_policy" "x" {{
  policy = {statement}
}}
"""
    kinds = [(s.resource, s.kind, s.span.line) for s in read(text)]
    assert kinds == [
        ("aws_organizations_policy.scp", "scp", 2),
        ("aws_organizations_policy.rcp", "rcp", 6),
        ("aws_iam_role.r", "trust", 13),
        ("aws_iam_role.r", "role", 16),
        ("aws_iam_role.r", "role", 20),
        ("aws_s3_bucket_policy.b", "resource", 24),
    ]


def test_checkov_skip_comments_suppress_per_block() -> None:
    text = """resource "aws_iam_policy" "a" {
  # checkov:skip=MFA001:reviewed
  #checkov:skip=MFA005
  policy = jsonencode({ Statement = [] })
}
resource "aws_iam_policy" "b" {
  policy = jsonencode({ Statement = [] })
}
"""
    sites = read(text)
    assert site(sites, "aws_iam_policy.a").suppressed == frozenset({"MFA001", "MFA005"})
    assert site(sites, "aws_iam_policy.b").suppressed == frozenset()


# -- bad input ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'resource "aws_iam_policy" "p" {\n  policy = "abc\\"def\\"ghi\\"jkl mno pqr stu vwx yz 0123456789\n}\n',
        'resource "aws_iam_policy" "p" {\n  policy = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa${var.x\n}\n',
        'resource "aws_iam_policy" "p" {\n  policy = <<EOF\n{}\n}\n',
        'resource "aws_iam_policy" "p" {\n  policy = jsonencode({\n}\n',
        "/* never closed\nresource {}\n",
        "}}}}",
        'resource "aws_iam_policy" "p" {\n  policy = jsonencode({ a = [1, 2 }) }\n',
    ],
)
def test_bad_hcl_is_a_one_line_source_error(text: str) -> None:
    start = time.monotonic()
    with pytest.raises(SourceError) as raised:
        read(text)
    assert time.monotonic() - start < 5
    message = str(raised.value)
    assert message and "\n" not in message and "Traceback" not in message


def test_deep_nesting_does_not_exhaust_the_stack() -> None:
    depth = 3000
    text = 'resource "aws_iam_policy" "p" {\n  policy = jsonencode(' + "{a = " * depth + "1" + " }" * depth + ")\n}\n"
    [s] = read(text)
    analyze_document(s.document, s.kind)


def test_broken_other_module_files_are_ignored() -> None:
    module = {"broken.tf": "resource {", "flag.tf": 'variable "flag" {\n default = false\n}\n'}
    [s] = read(DENY_WITH_VALUE % "var.flag", module)
    assert mfa_value(s) is False


def test_empty_and_unrelated_files() -> None:
    assert read("") == []
    assert read('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\nvariable "v" {}\n') == []
