"""Notes only where an MFA test could be hiding, naming the unresolved reference, never a host's class name."""

from __future__ import annotations

from pathlib import Path

from mfa_lint.core.model import parse_document
from mfa_lint.scanning import ScanOptions, scan


def test_empty_policies_give_no_note(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = ""\n}\n'
        'resource "aws_iam_policy" "p" {\n  policy = "{}"\n}\n'
    )
    (tmp_path / "t.yaml").write_text(
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n"
    )
    result = scan([str(tmp_path)], ScanOptions(jobs=1, check_syntax=True))
    assert result.notes == [] and result.findings == [] and result.errors == []


def test_a_note_names_the_unresolved_reference(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "p" {\n  policy = data.aws_iam_policy_document.elsewhere.json\n}\n'
        'resource "aws_iam_policy" "q" {\n  policy = jsonencode({Statement = [{Effect = "Deny", Action = "*",\n'
        '    Resource = "*", Condition = {Bool = {"aws:MultiFactorAuthPresent" = var.flag}}}]})\n}\n'
    )
    messages = [n.message for n in scan([str(tmp_path)], ScanOptions(jobs=1)).notes]
    assert any("data.aws_iam_policy_document.elsewhere.json" in m for m in messages), messages
    assert any(m.endswith("depends on var.flag") for m in messages), messages
    assert not any("${" in m for m in messages)


def test_notes_never_show_class_names() -> None:
    class str_node(str):  # noqa: N801  (cfn-lint's decoded string class)
        pass

    (note,) = parse_document({"Statement": str_node("x")}).notes
    assert "str_node" not in note.message and "a string" in note.message


WHOLE_VARIABLE_VALUES = '''
variable "whitelist" {
  default = []
}
variable "mfa_values" {
  default = []
}
data "aws_iam_policy_document" "ip" {
  statement {
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
    condition {
      test     = "IpAddress"
      variable = "aws:SourceIp"
      values   = var.whitelist
    }
  }
}
data "aws_iam_policy_document" "mfa" {
  statement {
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = var.mfa_values
    }
  }
}
'''


def test_an_unreadable_value_list_on_another_key_is_no_note(tmp_path: Path) -> None:
    """`values = var.whitelist` (default []) on aws:SourceIp: assumed able to hold, so the MFA test is judged and
    nothing is noted; the same on the MFA key stays a note (never an error or a finding)."""
    (tmp_path / "main.tf").write_text(WHOLE_VARIABLE_VALUES)
    result = scan([str(tmp_path)], ScanOptions(jobs=1))
    assert [(f.finding.rule_id, f.resource, f.span.line) for f in result.findings] == [
        ("MFA001", "data.aws_iam_policy_document.ip", 14)]
    assert [(n.resource, n.message) for n in result.notes] == [
        ("data.aws_iam_policy_document.mfa",
         "cannot analyse: Bool aws:MultiFactorAuthPresent in statement 0 has no string, number or boolean value")]
    assert result.errors == []


CATALOG_YAML = """\
# cloudposse's catalog: statements in aws_iam_policy_document's schema, read by a module elsewhere
- sid: DenyWithoutMfa
  effect: Deny
  actions: ["*"]
  resources: ["*"]
  condition:
    - test: Bool
      variable: aws:MultiFactorAuthPresent
      values: ["false"]
"""

POLICY_YAML = """\
Version: "2012-10-17"
Statement:
  - Effect: Deny
    Action: "s3:*"
    Resource: "*"
    Condition:
      Bool:
        aws:MultiFactorAuthPresent: "false"
"""


def test_a_walked_file_of_no_format_that_names_an_mfa_key_gets_one_note(tmp_path: Path) -> None:
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "iam.yaml").write_text(CATALOG_YAML)
    (tmp_path / "catalog" / "keys.json").write_text('{"keys": ["aws:MultiFactorAuthPresent"]}\n')  # no statement
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "p.yaml").write_text(POLICY_YAML)  # read by main.tf: judged there, no note
    (tmp_path / "app" / "main.tf").write_text(
        'resource "aws_iam_policy" "p" {\n  policy = jsonencode(yamldecode(file("${path.module}/p.yaml")))\n}\n'
    )
    for jobs in (1, 2):
        result = scan([str(tmp_path)], ScanOptions(jobs=jobs))
        assert [(Path(n.file).relative_to(tmp_path).as_posix(), n.span, n.message) for n in result.notes] == [
            ("catalog/iam.yaml", None, "mentions aws:MultiFactorAuthPresent but is no format mfa-lint reads")]
        assert [(f.finding.rule_id, f.resource) for f in result.findings] == [("MFA001", "aws_iam_policy.p")]


def test_no_fixture_gets_a_no_format_note() -> None:
    """The note is for files of another schema only: sidecars, plans, templates and policies never get it."""
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    result = scan([str(fixtures)], ScanOptions(jobs=1, check_syntax=True))
    assert [n for n in result.notes if "no format" in n.message] == []
    assert result.not_iac > 100  # the sidecars were walked
